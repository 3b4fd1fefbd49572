// Test support for every connector's unit tests (with fake_http.hpp): the exact OAuth form POST a
// connector must send, and the rows of a map_error table with the checks every row shares.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <string>

#include "model/problems.hpp"
#include "model/result.hpp"
#include "providers/common/fake_http.hpp"

namespace hiresync::providers::test_support {

// Expects exactly one request in `http`: a form POST of `body` to `url` with the 30 s timeout and
// no Authorization header.
inline void expect_form_post(const FakeHttp& http, const std::string& url, const std::string& body) {
  ASSERT_EQ(http.requests.size(), 1U);
  const auto& r = http.last();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, url);
  EXPECT_EQ(net::find_field(r.headers, "content-type").value_or(""), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.body, body);
  EXPECT_EQ(r.timeout, std::chrono::seconds(30));
  EXPECT_FALSE(net::find_field(r.headers, "Authorization").has_value());
}

// One row of a map_error table: (status, body, context) must classify as (code, problem).
struct ErrorRow {
  const char* name;
  int status;
  std::string body;
  const char* context;
  model::ErrorCode code;
  const char* problem;
};

// Names the row in test output instead of dumping its bytes.
inline void PrintTo(const ErrorRow& row, std::ostream* os) { *os << row.name; }

// The checks every row shares: code and problem as the row says, no Retry-After, the context in the
// detail, and a problem code that has words for the recruiter.
inline void expect_classified(const model::Error& error, const ErrorRow& row) {
  EXPECT_EQ(model::to_string(error.code), std::string(model::to_string(row.code))) << error.detail;
  EXPECT_EQ(error.problem, row.problem) << error.detail;
  EXPECT_EQ(error.retry_after_s, -1);
  EXPECT_NE(error.detail.find(row.context), std::string::npos) << error.detail;
  if (!error.problem.empty()) {
    EXPECT_NE(model::find_problem(error.problem), nullptr) << error.problem;
  }
}

}  // namespace hiresync::providers::test_support
