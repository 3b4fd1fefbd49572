// Batch requests over HTTP (/batch/gmail/v1): each part is a call of its own, answered by
// Content-ID; the outer token, the limits per part and the 100-part cap.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/google/http_test_support.hpp"
#include "sandbox/google/mime_tree.hpp"

namespace hiresync::sandbox::google {
namespace {

using nlohmann::json;
using test_support::SandboxBatchTest;

namespace batch_test {

// A part of a batch request body.
std::string part(const std::string& id, const std::string& request_line, const std::string& headers = "") {
  return "--b\r\nContent-Type: application/http\r\nContent-ID: <" + id + ">\r\n\r\n" + request_line + "\r\n" +
         headers + "\r\n";
}

}  // namespace batch_test

TEST_F(SandboxBatchTest, EachPartIsACallAnsweredByContentIdInAnotherOrder) {
  const std::vector<std::string> ids = account_with(3);
  std::string body;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    body += batch_test::part("c" + std::to_string(i),
                             "GET /gmail/v1/users/me/messages/" + ids[i] + "?format=metadata HTTP/1.1");
  }
  body += batch_test::part("gone", "GET /gmail/v1/users/me/messages/1234567890abcdef?format=metadata");
  body += "--b--\r\n";
  const json before = stats();
  const net::ClientResponse r = batch(body, token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type").rfind("multipart/mixed; boundary=", 0), 0u);
  const auto answers = parts(r);
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers.front().first, "<response-gone>");  // reversed: pairing must use Content-ID
  EXPECT_EQ(answers.front().second.body.rfind("HTTP/1.1 404", 0), 0u) << answers.front().second.body;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& [cid, p] = answers[answers.size() - 1 - i];
    EXPECT_EQ(cid, "<response-c" + std::to_string(i) + ">");
    EXPECT_EQ(p.body.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << p.body;
    EXPECT_NE(p.body.find("\"id\":\"" + ids[i] + "\""), std::string::npos) << p.body;
  }
  // Charged as four messages.get calls (20 units each in the 2026 table), one HTTP request.
  const json after = stats();
  EXPECT_EQ(after["units"].get<int>() - before["units"].get<int>(), 80);
  EXPECT_EQ(after["endpoints"]["messages.get.metadata"].get<int>() -
                before["endpoints"]["messages.get.metadata"].get<int>(),
            4);
  EXPECT_EQ(after["http_requests"].get<int>() - before["http_requests"].get<int>(), 1);
  EXPECT_EQ(after["batched_calls"].get<int>() - before["batched_calls"].get<int>(), 4);
}

TEST_F(SandboxBatchTest, OuterTokenAppliesLimitsHoldPerPartAndMoreThan100IsRefused) {
  GoogleOptions options;
  options.max_concurrent = 2;  // the parts run at once: the third and fourth are over the cap
  const std::vector<std::string> ids = account_with(1, options);
  const std::string get = "GET /gmail/v1/users/me/messages/" + ids[0] + "?format=minimal";
  std::string body;
  for (int i = 0; i < 4; ++i) body += batch_test::part("p" + std::to_string(i), get);
  body += "--b--\r\n";
  const auto answers = parts(batch(body, token_));
  ASSERT_EQ(answers.size(), 4u);
  int ok = 0;
  int limited = 0;
  for (const auto& [cid, p] : answers) {
    if (p.body.rfind("HTTP/1.1 200", 0) == 0) ++ok;
    if (p.body.rfind("HTTP/1.1 429", 0) == 0 &&
        p.body.find("Too many concurrent requests for user") != std::string::npos)
      ++limited;
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(limited, 2);

  // Without a valid outer token every part is 401; a part may bring its own Authorization.
  const std::string own =
      batch_test::part("own", get, "Authorization: Bearer " + token_ + "\r\n") + "--b--\r\n";
  const auto mine = parts(batch(own, "expired"));
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].second.body.rfind("HTTP/1.1 200", 0), 0u) << mine[0].second.body;
  const auto theirs = parts(batch(batch_test::part("x", get) + "--b--\r\n", "expired"));
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0].second.body.rfind("HTTP/1.1 401", 0), 0u);

  std::string too_many;
  for (int i = 0; i < 101; ++i) too_many += batch_test::part("t" + std::to_string(i), get);
  too_many += "--b--\r\n";
  EXPECT_EQ(batch(too_many, token_).status, 400);
  EXPECT_EQ(batch("not multipart", token_).status, 400);
}
}  // namespace
}  // namespace hiresync::sandbox::google
