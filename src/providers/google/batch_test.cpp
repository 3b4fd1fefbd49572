// Gmail batch requests: the body sent, answers paired by Content-ID in any order, and each
// part's failure classified for its own message.
#include <gtest/gtest.h>

#include "providers/common/fake_http.hpp"
#include "providers/google/google.hpp"
#include "providers/google/google_internal.hpp"

namespace hiresync::providers::google {
namespace {

using model::ErrorCode;
using test_support::FakeHttp;

std::string answer(const std::string& id, int status, const std::string& body,
                   const std::string& extra = "") {
  return "--zz\r\nContent-Type: application/http\r\nContent-ID: <response-" + id + ">\r\n\r\nHTTP/1.1 " +
         std::to_string(status) + " X\r\nContent-Type: application/json; charset=UTF-8\r\n" + extra + "\r\n" +
         body + "\r\n";
}

std::string message_json(const std::string& id, const std::string& labels) {
  return R"({"id":")" + id + R"(","threadId":"t)" + id + R"(","labelIds":)" + labels +
         R"(,"internalDate":"1700000000000","payload":{"headers":[{"name":"From","value":"ann@c.example"}]}})";
}

TEST(GmailBatch, BodyHasOneHttpPartPerCall) {
  const std::string body =
      internal::batch_body("B", {{"m0", "/gmail/v1/users/me/messages/a?format=metadata"},
                                 {"m1", "/gmail/v1/users/me/messages/b?format=metadata"}});
  EXPECT_EQ(body,
            "--B\r\nContent-Type: application/http\r\nContent-ID: <m0>\r\n\r\n"
            "GET /gmail/v1/users/me/messages/a?format=metadata\r\n\r\n"
            "--B\r\nContent-Type: application/http\r\nContent-ID: <m1>\r\n\r\n"
            "GET /gmail/v1/users/me/messages/b?format=metadata\r\n\r\n"
            "--B--\r\n");
}

TEST(GmailBatch, ParsesEachAnswerWithItsStatusAndRetryAfter) {
  const std::string body =
      answer("m1", 429, R"({"error":{}})", "Retry-After: 7\r\n") + answer("m0", 200, "{}") + "--zz--\r\n";
  auto replies = internal::parse_batch_response("multipart/mixed; boundary=zz", body);
  ASSERT_TRUE(replies.ok()) << replies.error().detail;
  ASSERT_EQ(replies->size(), 2u);
  EXPECT_EQ((*replies)[0].content_id, "m1");
  EXPECT_EQ((*replies)[0].status, 429);
  EXPECT_EQ((*replies)[0].retry_after, "7");
  EXPECT_EQ((*replies)[0].body, R"({"error":{}})");
  EXPECT_EQ((*replies)[1].content_id, "m0");
  EXPECT_EQ((*replies)[1].status, 200);
  EXPECT_EQ(internal::parse_batch_response("application/json", "{}").error().code,
            ErrorCode::kMalformedInput);
}

class GmailBatchClient : public ::testing::Test {
 protected:
  GmailBatchClient() {
    GoogleConfig c;
    c.api_base = "https://gmail.example";
    client_ = make_mail_client(c, http_);
  }
  FakeHttp http_;
  std::unique_ptr<MailClient> client_;
};

TEST_F(GmailBatchClient, PairsAnswersByContentIdAndClassifiesEachPart) {
  const std::string not_found =
      R"({"error":{"code":404,"message":"Requested entity was not found.","errors":[{"reason":"notFound"}]}})";
  const std::string too_many =
      R"({"error":{"code":429,"message":"Too many concurrent requests for user","errors":[{"reason":"rateLimitExceeded"}],"status":"RESOURCE_EXHAUSTED"}})";
  // Answers in reverse order; one call has no answer at all.
  http_.reply(200,
              answer("m2", 429, too_many) + answer("m1", 404, not_found) +
                  answer("m0", 200, message_json("a", R"(["SPAM"])")) + "--zz--\r\n",
              {{"Content-Type", "multipart/mixed; boundary=zz"}});
  EXPECT_EQ(client_->metadata_batch_size(), 10);
  auto out = client_->metadata_batch("ya29.token", {"a", "b", "c", "d"});
  ASSERT_TRUE(out.ok()) << out.error().detail;
  ASSERT_EQ(out->size(), 4u);
  ASSERT_TRUE((*out)[0].ok()) << (*out)[0].error().detail;
  EXPECT_EQ((*out)[0]->ref.id, "a");
  EXPECT_EQ((*out)[0]->ref.thread_id, "ta");
  EXPECT_EQ((*out)[0]->labels, std::vector<std::string>{"SPAM"});
  EXPECT_EQ((*out)[0]->raw_headers, "From: ann@c.example\r\n");
  EXPECT_EQ((*out)[1].error().code, ErrorCode::kNotFound);
  EXPECT_EQ((*out)[2].error().code, ErrorCode::kRateLimited);
  EXPECT_EQ((*out)[3].error().code, ErrorCode::kTransient);

  const auto& request = http_.last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://gmail.example/batch/gmail/v1");
  EXPECT_EQ(net::find_field(request.headers, "Authorization").value_or(""), "Bearer ya29.token");
  EXPECT_EQ(
      net::find_field(request.headers, "Content-Type").value_or("").rfind("multipart/mixed; boundary=", 0),
      0u);
  EXPECT_NE(request.body.find("Content-ID: <m3>\r\n\r\nGET /gmail/v1/users/me/messages/d?format=metadata&"),
            std::string::npos)
      << request.body;
}

TEST_F(GmailBatchClient, AnUnauthorizedPartOrBatchFailsTheWholeBatch) {
  const std::string auth =
      R"({"error":{"code":401,"message":"Invalid Credentials","errors":[{"reason":"authError"}],"status":"UNAUTHENTICATED"}})";
  http_.reply(200, answer("m0", 401, auth) + "--zz--\r\n",
              {{"Content-Type", "multipart/mixed; boundary=zz"}});
  EXPECT_EQ(client_->metadata_batch("t", {"a"}).error().code, ErrorCode::kAuthExpired);
  http_.reply(401, auth);
  EXPECT_EQ(client_->metadata_batch("t", {"a"}).error().code, ErrorCode::kAuthExpired);
  http_.reply(200, "not multipart", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(client_->metadata_batch("t", {"a"}).error().code, ErrorCode::kMalformedInput);
}

}  // namespace
}  // namespace hiresync::providers::google
