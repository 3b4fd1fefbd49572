#include "sync/budget.hpp"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
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

std::string QuotaBudget::save() {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_();
  expire(now);
  nlohmann::json spends = nlohmann::json::array();
  for (const auto& [at, units] : spends_) {
    const std::int64_t second_end = (at / 1000 + 1) * 1000;
    if (!spends.empty() && spends.back()[0].get<std::int64_t>() == second_end) {
      spends.back()[1] = spends.back()[1].get<std::int64_t>() + units;
    } else {
      spends.push_back({second_end, units});
    }
  }
  return nlohmann::json{{"paused_until_ms", paused_until_}, {"spends", spends}}.dump();
}

void QuotaBudget::restore(std::string_view saved) {
  const auto json = nlohmann::json::parse(saved, nullptr, false);
  if (!json.is_object()) return;
  std::lock_guard lock(mu_);
  const auto paused = json.find("paused_until_ms");
  if (paused != json.end() && paused->is_number_integer())
    paused_until_ = std::max(paused_until_, paused->get<std::int64_t>());
  const auto spends = json.find("spends");
  if (spends == json.end() || !spends->is_array()) return;
  std::deque<std::pair<std::int64_t, std::int64_t>> merged(spends_.begin(), spends_.end());
  for (const auto& s : *spends) {
    if (!s.is_array() || s.size() != 2 || !s[0].is_number_integer() || !s[1].is_number_integer()) continue;
    const std::int64_t units = s[1].get<std::int64_t>();
    if (units <= 0) continue;
    merged.emplace_back(s[0].get<std::int64_t>(), units);
    in_window_ += units;
  }
  std::sort(merged.begin(), merged.end());
  spends_ = std::move(merged);
  expire(clock_());
}

std::int64_t backoff_ms(int attempt, std::int64_t base_ms, std::int64_t cap_ms, std::mt19937_64& rng) {
  const int shift = std::clamp(attempt - 1, 0, 30);
  const std::int64_t exp = std::min(cap_ms, base_ms << shift);
  std::uniform_int_distribution<std::int64_t> jitter(0, std::max<std::int64_t>(1, base_ms / 2));
  return exp + jitter(rng);
}

}  // namespace hiresync::sync
