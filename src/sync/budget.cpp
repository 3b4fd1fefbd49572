#include "sync/budget.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace hiresync::sync {

QuotaBudget::QuotaBudget(std::int64_t units_per_window, std::int64_t window_ms, Clock clock)
    : limit_(units_per_window), window_ms_(window_ms), clock_(std::move(clock)) {}

void QuotaBudget::expire(std::int64_t now) {
  while (!spends_.empty() && spends_.front().first <= now - window_ms_) {
    in_window_ -= spends_.front().second;
    spends_.pop_front();
  }
}

std::int64_t QuotaBudget::wait_ms(std::int64_t units) {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_();
  expire(now);
  std::int64_t wait = std::max<std::int64_t>(0, paused_until_ - now);
  if (in_window_ + units <= limit_ || spends_.empty()) return wait;
  // The earliest time enough old spends have left the window.
  std::int64_t freed = 0;
  for (const auto& [at, spent] : spends_) {
    freed += spent;
    if (in_window_ - freed + units <= limit_ || freed == in_window_) {
      return std::max(wait, at + window_ms_ - now + 1);
    }
  }
  return std::max(wait, window_ms_);
}

void QuotaBudget::spend(std::int64_t units) {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_();
  expire(now);
  spends_.emplace_back(now, units);
  in_window_ += units;
}

void QuotaBudget::pause_until(std::int64_t until_ms) {
  std::lock_guard lock(mu_);
  paused_until_ = std::max(paused_until_, until_ms);
}

bool QuotaBudget::acquire(std::int64_t units, const std::atomic<bool>& stop) {
  for (;;) {
    if (stop.load()) return false;
    {
      std::lock_guard lock(mu_);
      const std::int64_t now = clock_();
      expire(now);
      if (now >= paused_until_ && (in_window_ + units <= limit_ || spends_.empty())) {
        spends_.emplace_back(now, units);
        in_window_ += units;
        return true;
      }
    }
    const std::int64_t wait = std::clamp<std::int64_t>(wait_ms(units), 1, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
}

std::int64_t backoff_ms(int attempt, std::int64_t base_ms, std::int64_t cap_ms, std::mt19937_64& rng) {
  const int shift = std::clamp(attempt - 1, 0, 30);
  const std::int64_t exp = std::min(cap_ms, base_ms << shift);
  std::uniform_int_distribution<std::int64_t> jitter(0, std::max<std::int64_t>(1, base_ms / 2));
  return exp + jitter(rng);
}

}  // namespace hiresync::sync
