// Provider limits as budgets (shared/DESIGN.md "Sync engine"): a sliding-window quota in the
// provider's own units per user (Gmail: quota units per minute), plus backoff with jitter.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <utility>

namespace hiresync::sync {

using Clock = std::function<std::int64_t()>;  // milliseconds; injected so tests drive time

// Spends at most `units_per_window` units in any window of `window_ms`: a window sliding over the
// spends themselves, which never exceeds a provider that counts per fixed minute or per sliding
// minute. Thread-safe.
class QuotaBudget {
 public:
  QuotaBudget(std::int64_t units_per_window, std::int64_t window_ms, Clock clock);

  // Milliseconds until `units` fit (0 = now). A request larger than the whole budget fits once the
  // window is empty (it could never fit otherwise).
  std::int64_t wait_ms(std::int64_t units);
  // Records a spend now.
  void spend(std::int64_t units);
  // Nothing is spent before `until_ms` (after the provider said Retry-After).
  void pause_until(std::int64_t until_ms);
  // Waits (sleeping in short steps, giving up when `stop` turns true) until `units` fit, then
  // spends them. Returns false when stopped.
  bool acquire(std::int64_t units, const std::atomic<bool>& stop);

  // The window as text, to keep in the database: the spends still in the window summed per
  // second (each dated at its second's end, so a restored spend leaves the window no earlier than
  // it would have) and the pause. A node that restarts, or takes the mailbox over, restores it and
  // does not spend the provider's quota a second time (docs/sync.md "Budgets across nodes").
  std::string save();
  // Adds a saved window's spends and pause to this budget; text that does not parse adds nothing.
  void restore(std::string_view saved);

 private:
  std::mutex mu_;
  std::int64_t limit_;
  std::int64_t window_ms_;
  Clock clock_;
  std::deque<std::pair<std::int64_t, std::int64_t>> spends_;  // (time ms, units), oldest first
  std::int64_t in_window_ = 0;
  std::int64_t paused_until_ = 0;
  void expire(std::int64_t now);
};

// Exponential backoff with jitter for the n-th consecutive failure (n >= 1):
// min(base * 2^(n-1), cap) plus up to half a base of random jitter, in milliseconds.
std::int64_t backoff_ms(int attempt, std::int64_t base_ms, std::int64_t cap_ms, std::mt19937_64& rng);

}  // namespace hiresync::sync
