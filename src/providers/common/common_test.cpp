// The provider-neutral helpers: Retry-After, JSON reading, send with a connector's error mapping,
// the OAuth code-flow plumbing.
#include "providers/common/common.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <string>

#include "providers/common/fake_http.hpp"
#include "providers/common/test_expect.hpp"

namespace hiresync::providers {
namespace {

using model::ErrorCode;

TEST(RetryAfter, DeltaSeconds) {
  EXPECT_EQ(parse_retry_after("0", 0), 0);
  EXPECT_EQ(parse_retry_after("120", 5), 120);
  EXPECT_EQ(parse_retry_after("  17\t", 5), 17);
  EXPECT_EQ(parse_retry_after("99999999999999999999999", 5), INT_MAX);
}

TEST(RetryAfter, HttpDatesInAllThreeForms) {
  constexpr std::int64_t kDate = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kDate - 100), 100);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", kDate - 30), 30);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", kDate - 1), 1);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kDate + 50), 0);
  EXPECT_EQ(parse_retry_after("Thu, 01 Jan 2032 00:00:00 GMT", 1956528000 - 60), 60);
}

TEST(RetryAfter, UnreadableValues) {
  EXPECT_EQ(parse_retry_after("", 0), -1);
  EXPECT_EQ(parse_retry_after("-5", 0), -1);
  EXPECT_EQ(parse_retry_after("1.5", 0), -1);
  EXPECT_EQ(parse_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", 0), -1);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT", 0), -1);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 PST", 0), -1);
}

TEST(Json, ParseNeverThrows) {
  EXPECT_FALSE(parse_json("{not json").has_value());
  EXPECT_FALSE(parse_json("").has_value());
  auto json = parse_json(R"({"a":1})");
  ASSERT_TRUE(json.has_value());
  EXPECT_TRUE(json->is_object());
}

TEST(Json, StringsAcceptNumbersAndIgnoreOtherTypes) {
  auto json = *parse_json(R"({"s":"x","u":18446744073709551615,"i":-3,"b":true,"o":{}})");
  EXPECT_EQ(json_string(json, "s"), "x");
  EXPECT_EQ(json_string(json, "u"), "18446744073709551615");
  EXPECT_EQ(json_string(json, "i"), "-3");
  EXPECT_EQ(json_string(json, "b"), "");
  EXPECT_EQ(json_string(json, "o"), "");
  EXPECT_EQ(json_string(json, "missing"), "");
  EXPECT_EQ(json_string(nlohmann::json::array(), "s"), "");
}

TEST(Json, IntsFromNumbersAndDecimalStrings) {
  auto json = *parse_json(R"({"n":3599,"s":"1718617145000","bad":"12x","empty":"","f":1.5})");
  EXPECT_EQ(json_int(json, "n"), 3599);
  EXPECT_EQ(json_int(json, "s"), 1718617145000);
  EXPECT_FALSE(json_int(json, "bad").has_value());
  EXPECT_FALSE(json_int(json, "empty").has_value());
  EXPECT_FALSE(json_int(json, "f").has_value());
  EXPECT_FALSE(json_int(json, "missing").has_value());
}

// Records what send() handed to the connector's mapper.
struct Seen {
  int status = -1;
  std::string body;
  std::string retry_after;
  std::string context;
};
Seen g_seen;

model::Error recording_mapper(int status, std::string_view body, std::string_view retry_after,
                              std::string_view context) {
  g_seen = Seen{status, std::string(body), std::string(retry_after), std::string(context)};
  return model::Error{ErrorCode::kRateLimited, "mapped", "rate_limited", 7};
}

TEST(Send, PassesSuccessThroughAndMapsEverythingElse) {
  test_support::FakeHttp http;
  net::ClientRequest request;
  request.url = "https://api.example/x";

  http.reply(204, "");
  auto ok = send(http, request, recording_mapper, "ctx");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 204);

  g_seen = {};
  http.reply(429, "slow down", {{"retry-after", "30"}});
  auto limited = send(http, request, recording_mapper, "ctx");
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().retry_after_s, 7);
  EXPECT_EQ(g_seen.status, 429);
  EXPECT_EQ(g_seen.body, "slow down");
  EXPECT_EQ(g_seen.retry_after, "30");
  EXPECT_EQ(g_seen.context, "ctx");

  g_seen = {};
  http.fail("connection refused");
  auto down = send(http, request, recording_mapper, "other");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(g_seen.status, 0);
  EXPECT_EQ(g_seen.body, "connection refused");
  EXPECT_EQ(g_seen.retry_after, "");
  EXPECT_EQ(g_seen.context, "other");
  EXPECT_EQ(http.requests.size(), 3U);
}

TEST(OAuthPlumbing, JoinsScopesWithSpaces) {
  EXPECT_EQ(join_scopes({}), "");
  EXPECT_EQ(join_scopes({"openid"}), "openid");
  EXPECT_EQ(join_scopes({"offline_access", "openid", "email"}), "offline_access openid email");
}

TEST(OAuthPlumbing, ParsesATokenResponse) {
  auto tokens = parse_token_response(
      R"({"access_token":"ya29.a","refresh_token":"1//r","expires_in":"120","scope":"a b"})", 1000,
      "x token: ");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->access_token, "ya29.a");
  EXPECT_EQ(tokens->refresh_token, "1//r");
  EXPECT_EQ(tokens->scope, "a b");
  EXPECT_EQ(tokens->expires_at, 1120);
  auto minimal = parse_token_response(R"({"access_token":"t"})", 1000, "x token: ");
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(minimal->refresh_token, "");
  EXPECT_EQ(minimal->expires_at, 1000 + 3600);
}

TEST(OAuthPlumbing, RejectsUnreadableTokenResponses) {
  auto not_json = parse_token_response("<html>", 0, "x token: ");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.error().code, ErrorCode::kMalformedInput);
  EXPECT_EQ(not_json.error().detail, "x token: token response is not a JSON object");
  auto no_token = parse_token_response(R"({"expires_in":3599})", 0, "x refresh: ");
  ASSERT_FALSE(no_token.ok());
  EXPECT_EQ(no_token.error().detail, "x refresh: token response without access_token");
}

model::Error map_for_test(int status, std::string_view body, std::string_view /*retry_after*/,
                          std::string_view context) {
  return model::make_error(ErrorCode::kTransient,
                           std::string(context) + " " + std::to_string(status) + " " + std::string(body));
}

TEST(OAuthPlumbing, RequestsTokensWithAFormPost) {
  test_support::FakeHttp http;
  http.reply(200, R"({"access_token":"t","expires_in":60})");
  auto tokens =
      request_tokens(http, "https://idp.example/token", {{"grant_type", "refresh_token"}, {"a", "b c"}},
                     map_for_test, "x", "refresh", 500);
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->expires_at, 560);
  test_support::expect_form_post(http, "https://idp.example/token", "grant_type=refresh_token&a=b%20c");
  EXPECT_EQ(net::find_field(http.last().headers, "Accept").value_or(""), "application/json");

  http.reply(400, "nope");
  auto failed = request_tokens(http, "https://idp.example/token", {}, map_for_test, "x", "token", 500);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().detail, "token 400 nope");
}

}  // namespace
}  // namespace hiresync::providers
