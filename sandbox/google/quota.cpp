#include "sandbox/google/quota.hpp"

namespace hiresync::sandbox::google {

namespace {
constexpr std::int64_t kWindowMs = 60'000;
}

int quota_cost(GmailMethod method, QuotaTable table) {
  switch (method) {
    case GmailMethod::kProfile:
      return 1;
    case GmailMethod::kHistoryList:
      return 2;
    case GmailMethod::kMessagesList:
      return 5;
    case GmailMethod::kMessagesGet:
      return table == QuotaTable::k2026 ? 20 : 5;
    case GmailMethod::kWatch:
      return 100;
    case GmailMethod::kStop:
      return 50;
  }
  return 1;
}

std::optional<QuotaTable> parse_quota_table(const std::string& name) {
  if (name == "2026") return QuotaTable::k2026;
  if (name == "legacy") return QuotaTable::kLegacy;
  return std::nullopt;
}

void UserQuota::expire(Window& w, std::int64_t now) {
  while (!w.charges.empty() && w.charges.front().at_ms <= now - kWindowMs) {
    w.total -= w.charges.front().units;
    w.charges.pop_front();
  }
}

bool UserQuota::try_charge(const std::string& user, int units) {
  const std::int64_t now = clock_.now_ms();
  const std::lock_guard lock(mu_);
  Window& w = windows_[user];
  expire(w, now);
  if (w.total + units > limit_) return false;
  w.charges.push_back({now, units});
  w.total += units;
  return true;
}

int UserQuota::used(const std::string& user) {
  const std::int64_t now = clock_.now_ms();
  const std::lock_guard lock(mu_);
  Window& w = windows_[user];
  expire(w, now);
  return w.total;
}

ConcurrencyLimiter::Slot::~Slot() {
  if (owner_ != nullptr) owner_->leave(user_);
}

std::optional<ConcurrencyLimiter::Slot> ConcurrencyLimiter::try_enter(const std::string& user) {
  const std::lock_guard lock(mu_);
  int& n = in_flight_[user];
  if (n >= max_) return std::nullopt;
  ++n;
  return Slot(this, user);
}

int ConcurrencyLimiter::in_flight(const std::string& user) {
  const std::lock_guard lock(mu_);
  const auto it = in_flight_.find(user);
  return it == in_flight_.end() ? 0 : it->second;
}

void ConcurrencyLimiter::leave(const std::string& user) {
  const std::lock_guard lock(mu_);
  --in_flight_[user];
}

}  // namespace hiresync::sandbox::google
