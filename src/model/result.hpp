// Errors as values at module boundaries (shared/STYLE.md §3, §4).
//
// A Result<T> holds either a T or an Error. The Error's code says what the caller should do;
// its detail is for logs only and may name internal things (never tokens or message bodies).
// Library exceptions are caught inside the adapter that calls the library and turned into an Error;
// they never cross a stage.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace hiresync::model {

enum class ErrorCode {
  kTransient,        // retry later (network, 5xx, busy database)
  kRateLimited,      // retry after the given delay
  kAuthExpired,      // refresh or re-authorize
  kConsentRequired,  // an administrator must approve the app
  kCursorInvalid,    // the sync cursor expired: resync the window
  kMalformedInput,   // the input itself is bad; retrying will not help
  kInvalidArgument,  // the caller asked for something impossible (bad flag, unknown owner)
  kNotFound,
  kConflict,
  kInternal,
};

// Returns the snake_case name used in JSON and logs ("malformed_input", ...).
const char* to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string detail;  // log-only text
  // A user-facing problem code (model/problems.hpp: "admin_policy_enforced", "no_mailbox", ...)
  // when the error is something a person can act on; empty otherwise.
  std::string problem;
  // For kRateLimited: seconds the provider asked us to wait (Retry-After), or -1 when it did not say.
  int retry_after_s = -1;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Error make_error(ErrorCode code, std::string detail) { return Error{code, std::move(detail), {}, -1}; }

}  // namespace hiresync::model
