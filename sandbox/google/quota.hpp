// Per-user Gmail API limits (shared/PROTOCOLS.md A.8, A.9): quota units per minute and requests in
// flight. Both are thread-safe; time comes from an injected Clock so tests drive the window.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "sandbox/clock.hpp"

namespace hiresync::sandbox::google {

enum class QuotaTable { k2026, kLegacy };

enum class GmailMethod { kProfile, kMessagesList, kMessagesGet, kHistoryList, kWatch, kStop };

// Units one call costs under `table`: getProfile 1, history.list 2, messages.list 5, messages.get
// 20 (2026) or 5 (legacy), watch 100, stop 50.
int quota_cost(GmailMethod method, QuotaTable table);

// "2026" or "legacy" -> table; anything else nullopt.
std::optional<QuotaTable> parse_quota_table(const std::string& name);

// A sliding one-minute window of units per user: a call is admitted when the units charged in the
// last 60,000 ms plus its own cost stay within the limit. A refused call is not charged.
class UserQuota {
 public:
  UserQuota(const Clock& clock, int units_per_minute) : clock_(clock), limit_(units_per_minute) {}

  // Charges `units` to `user` and returns true, or returns false (nothing charged) when the window
  // is full. Thread-safe.
  bool try_charge(const std::string& user, int units);
  // Units charged to `user` in the current window. Thread-safe.
  int used(const std::string& user);

 private:
  struct Charge {
    std::int64_t at_ms;
    int units;
  };
  struct Window {
    std::deque<Charge> charges;
    int total = 0;
  };
  void expire(Window& w, std::int64_t now);

  const Clock& clock_;
  const int limit_;
  std::mutex mu_;
  std::map<std::string, Window> windows_;
};

// Counts requests in flight per user and refuses more than `max_in_flight`.
class ConcurrencyLimiter {
 public:
  explicit ConcurrencyLimiter(int max_in_flight) : max_(max_in_flight) {}

  // Holds one slot until destroyed. Movable, not copyable.
  class Slot {
   public:
    Slot(ConcurrencyLimiter* owner, std::string user) : owner_(owner), user_(std::move(user)) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_), user_(std::move(other.user_)) {
      other.owner_ = nullptr;
    }
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    ConcurrencyLimiter* owner_;
    std::string user_;
  };

  // A slot for `user`, or nullopt when `max_in_flight` are already held. Thread-safe.
  std::optional<Slot> try_enter(const std::string& user);
  int in_flight(const std::string& user);

 private:
  void leave(const std::string& user);

  const int max_;
  std::mutex mu_;
  std::map<std::string, int> in_flight_;
};

}  // namespace hiresync::sandbox::google
