#include "sandbox/faults.hpp"

namespace hiresync::sandbox {

int fault_count(const nlohmann::json& body) {
  return body.contains("count") && body["count"].is_number_integer() ? body["count"].get<int>() : 1;
}

std::int64_t fault_delay_ms(const nlohmann::json& body) {
  return body.contains("delay_ms") && body["delay_ms"].is_number_integer()
             ? body["delay_ms"].get<std::int64_t>()
             : 0;
}

std::string read_api_fault(const nlohmann::json& body, ApiFault& out) {
  ApiFault f;
  f.status = body["status"].get<int>();
  f.remaining = fault_count(body);
  if (f.status < 400 || f.status > 599) return "status must be 4xx or 5xx";
  if (body.contains("retry_after") && body["retry_after"].is_number_integer())
    f.retry_after_s = body["retry_after"].get<int>();
  if (body.contains("endpoint") && body["endpoint"].is_string())
    f.endpoint = body["endpoint"].get<std::string>();
  if (body.contains("reason") && body["reason"].is_string()) f.reason = body["reason"].get<std::string>();
  f.code = f.reason;
  if (body.contains("code") && body["code"].is_string()) f.code = body["code"].get<std::string>();
  if (body.contains("message") && body["message"].is_string()) f.message = body["message"].get<std::string>();
  out = std::move(f);
  return {};
}

void FaultQueue::add(const ApiFault& fault) {
  if (fault.remaining > 0) faults_.push_back(fault);
}

std::optional<ApiFault> FaultQueue::take(const std::string& path) {
  for (auto f = faults_.begin(); f != faults_.end(); ++f) {
    if (!f->endpoint.empty() && path.find(f->endpoint) == std::string::npos) continue;
    ApiFault taken = *f;
    if (--f->remaining <= 0) faults_.erase(f);
    return taken;
  }
  return std::nullopt;
}

}  // namespace hiresync::sandbox
