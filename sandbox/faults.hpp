// Injected faults of the sandbox control API (POST /control/faults), shared by the Google and
// Microsoft sides: reading the body, and the per-account queue of API faults the request handlers
// take from. Provider-neutral: each side turns a taken fault into its own error body.
#pragma once

#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace hiresync::sandbox {

// One injected API fault: answer `status` to the next `remaining` requests whose path contains
// `endpoint`.
struct ApiFault {
  int status = 500;
  int remaining = 0;
  int retry_after_s = -1;  // -1: the side's default
  std::string endpoint;    // substring of the path; empty: any
  std::string reason;      // "reason" of the body (Google: overrides the default reason)
  std::string code;        // "code" of the body, else its "reason" (Microsoft: the error code)
  std::string message;     // overrides the default message
};

// The "count" of a control fault body when it is an integer, else 1. Pure; never throws.
int fault_count(const nlohmann::json& body);

// The "delay_ms" of a control fault body when it is an integer, else 0. Pure; never throws.
std::int64_t fault_delay_ms(const nlohmann::json& body);

// The delivery fault named by `name` ("drop", "duplicate", "delay") as Kind::kDrop, kDuplicate or
// kDelay; nullopt for any other name. Pure.
template <typename Kind>
std::optional<Kind> push_fault_kind(const std::string& name) {
  if (name == "drop") return Kind::kDrop;
  if (name == "duplicate") return Kind::kDuplicate;
  if (name == "delay") return Kind::kDelay;
  return std::nullopt;
}

// Reads the API fault of a control body whose "status" is an integer (the caller checks that):
// status, count (default 1), and the optional retry_after, endpoint, reason, code and message;
// members of another type are ignored. Returns "" and fills `out`, or the error text when the
// status is not 4xx or 5xx. Pure; never throws.
std::string read_api_fault(const nlohmann::json& body, ApiFault& out);

// The API faults queued for one account, in order. A value type; not thread-safe (its owner locks).
class FaultQueue {
 public:
  // Queues `fault` when its remaining count is positive; else does nothing.
  void add(const ApiFault& fault);
  // Takes one use of the first queued fault whose endpoint is empty or a substring of `path`; the
  // fault leaves the queue when its count reaches 0. nullopt when none matches.
  std::optional<ApiFault> take(const std::string& path);

 private:
  std::deque<ApiFault> faults_;
};

}  // namespace hiresync::sandbox
