// The Graph mail client's list(): $search by address continued past Graph's 1,000-result cap (the
// plan of search_plan.hpp), $filter by received date without addresses, and what it refuses.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "providers/microsoft/graph_test_support.hpp"
#include "providers/microsoft/microsoft.hpp"

namespace hiresync::providers::microsoft {
namespace {

using graph_testing::GraphTest;
using graph_testing::kImmutable;
using graph_testing::kV1;
using model::ErrorCode;

TEST_F(GraphTest, ListSearchesAddressesAndDropsOlderResults) {
  const std::string next = std::string(kV1) + "/me/messages?$search=%22from%3Aa%40b.com%22&$skiptoken=p2";
  http_.reply(200, R"({"value":[{"id":"M1","conversationId":"C1","receivedDateTime":"2024-06-09T00:00:00Z"},)"
                   R"({"id":"M2","conversationId":"C2","receivedDateTime":"2024-05-31T23:59:59Z"},)"
                   R"({"id":"M3","conversationId":"C3","receivedDateTime":"2024-06-01T00:00:00.0000000Z"}],)"
                   R"("@odata.nextLink":")" +
                       next + R"("})");
  const SearchQuery query{{"a@b.com", "c.d@e.org"}, 1717200000};  // 2024-06-01T00:00:00Z
  auto page = client_->list("eyJ.token", query, "", 25);
  ASSERT_TRUE(page.ok()) << page.error().detail;
  // The window's lower bound is in the KQL too (at Graph's day granularity).
  expect_request(
      0, "GET",
      std::string(kV1) +
          "/me/messages?$search=%22%28from%3Aa%40b.com%20OR%20to%3Aa%40b.com%20OR%20cc%3Aa%40b.com%20OR%20"
          "bcc%3Aa%40b.com%20OR%20from%3Ac.d%40e.org%20OR%20to%3Ac.d%40e.org%20OR%20cc%3Ac.d%40e.org%20OR%20"
          "bcc%3Ac.d%40e.org%29%20AND%20received%3E%3D2024-06-01%22"
          "&$select=id%2CconversationId%2CreceivedDateTime&$top=25",
      kImmutable);
  EXPECT_EQ(ids(page->messages), (std::vector<std::string>{"M1", "M3"}));
  EXPECT_EQ(page->messages[1].thread_id, "C3");
  ASSERT_FALSE(page->next_page_token.empty());
  EXPECT_EQ(page->next_page_token.front(), '{');  // our plan, holding Graph's link

  // The next page follows Graph's link verbatim, and the same lower bound applies.
  http_.reply(200, R"({"value":[{"id":"M4","receivedDateTime":"2024-01-01T00:00:00Z"}]})");
  auto second = client_->list("eyJ.token", query, page->next_page_token, 25);
  ASSERT_TRUE(second.ok()) << second.error().detail;
  expect_request(1, "GET", next, kImmutable);
  EXPECT_TRUE(second->messages.empty());
  EXPECT_TRUE(second->next_page_token.empty());
  EXPECT_EQ(second->incomplete, "");

  // A page token of the older format (Graph's link itself) is still followed.
  http_.reply(200, R"({"value":[{"id":"M5","receivedDateTime":"2024-01-01T00:00:00Z"}]})");
  second = client_->list("eyJ.token", query, next, 25);
  ASSERT_TRUE(second.ok()) << second.error().detail;
  expect_request(2, "GET", next, kImmutable);
  EXPECT_TRUE(second->next_page_token.empty());
}

// `n` results received on `day` (newest first within the day), ids prefix0..prefix{n-1}.
std::string results(const std::string& prefix, int n, const std::string& day, const std::string& next = "") {
  nlohmann::json value = nlohmann::json::array();
  for (int i = 0; i < n; ++i) {
    char time[32];
    std::snprintf(time, sizeof time, "T%02d:%02d:%02dZ", 23 - (i / 3600) % 24, 59 - (i / 60) % 60,
                  59 - i % 60);
    value.push_back({{"id", prefix + std::to_string(i)}, {"receivedDateTime", day + time}});
  }
  nlohmann::json body = {{"value", value}};
  if (!next.empty()) body["@odata.nextLink"] = next;
  return body.dump();
}

std::string search_url(const std::string& kql, int top) {
  return std::string(kV1) + "/me/messages?$search=" + net::url_encode("\"" + kql + "\"") +
         "&$select=id%2CconversationId%2CreceivedDateTime&$top=" + std::to_string(top);
}

TEST_F(GraphTest, ListContinuesPastTheSearchCapByDateThenWithFewerAddresses) {
  const SearchQuery query{{"a@b.com", "c@d.org"}, 1717200000};  // 2024-06-01T00:00:00Z
  const std::string both =
      "from:a@b.com OR to:a@b.com OR cc:a@b.com OR bcc:a@b.com OR from:c@d.org OR "
      "to:c@d.org OR cc:c@d.org OR bcc:c@d.org";
  const std::string a = "from:a@b.com OR to:a@b.com OR cc:a@b.com OR bcc:a@b.com";
  const std::string c = "from:c@d.org OR to:c@d.org OR cc:c@d.org OR bcc:c@d.org";
  const std::string link = std::string(kV1) + "/me/messages?$skiptoken=p2";
  std::vector<std::string> urls;
  std::string token;
  int listed = 0;
  std::vector<std::string> notes;
  auto step = [&](const std::string& reply) {
    http_.reply(200, reply);
    auto page = client_->list("eyJ.token", query, token, 500);
    EXPECT_TRUE(page.ok()) << page.error().detail;
    if (!page.ok()) return;
    urls.push_back(http_.last().url);
    listed += static_cast<int>(page->messages.size());
    if (!page->incomplete.empty()) notes.push_back(page->incomplete);
    token = page->next_page_token;
  };
  step(results("p1-", 500, "2024-06-09", link));  // the cap's first half
  step(results("p2-", 500, "2024-06-05"));        // its second: 1,000 reached, oldest day 06-05
  ASSERT_FALSE(token.empty());
  step(results("d-", 1000, "2024-06-05"));  // the same day fills the cap again: split the addresses
  ASSERT_FALSE(token.empty());
  step(results("a-", 1000, "2024-06-05"));  // one address, one day, still the cap: noted, go earlier
  step(results("a-old-", 3, "2024-06-04"));
  ASSERT_FALSE(token.empty());
  step(results("c-", 1, "2024-06-05"));
  EXPECT_TRUE(token.empty());
  ASSERT_EQ(urls.size(), 6U);
  EXPECT_EQ(urls[0], search_url("(" + both + ") AND received>=2024-06-01", 500));
  EXPECT_EQ(urls[1], link);
  EXPECT_EQ(urls[2], search_url("(" + both + ") AND received>=2024-06-01 AND received<=2024-06-05", 500));
  EXPECT_EQ(urls[3], search_url("(" + a + ") AND received>=2024-06-01 AND received<=2024-06-05", 500));
  EXPECT_EQ(urls[4], search_url("(" + a + ") AND received>=2024-06-01 AND received<=2024-06-04", 500));
  EXPECT_EQ(urls[5], search_url("(" + c + ") AND received>=2024-06-01 AND received<=2024-06-05", 500));
  EXPECT_EQ(listed, 500 + 500 + 1000 + 1000 + 3 + 1);
  ASSERT_EQ(notes.size(), 1U);
  EXPECT_NE(notes[0].find("a@b.com"), std::string::npos);
  EXPECT_NE(notes[0].find("2024-06-05"), std::string::npos);
}

TEST_F(GraphTest, ListUnderTheCapNeedsNoContinuation) {
  const SearchQuery query{{"a@b.com"}, 0};
  http_.reply(200, results("m-", 999, "2024-06-05"));
  auto page = client_->list("eyJ.token", query, "", 1000);
  ASSERT_TRUE(page.ok()) << page.error().detail;
  EXPECT_EQ(http_.last().url, search_url("from:a@b.com OR to:a@b.com OR cc:a@b.com OR bcc:a@b.com", 1000));
  EXPECT_EQ(page->messages.size(), 999U);
  EXPECT_TRUE(page->next_page_token.empty());
}

TEST_F(GraphTest, ListWithAnUnreadablePlanIsMalformedWithoutACall) {
  const SearchQuery query{{"a@b.com"}, 0};
  for (const char* token :
       {"{", R"({"v":1,"spans":[[0,2,""]],"next":"","returned":0,"oldest_ms":0})",
        R"({"v":1,"spans":[[0,1,"June"]],"next":"","returned":0,"oldest_ms":0})", R"({"v":2})"}) {
    auto page = client_->list("eyJ.token", query, token, 10);
    ASSERT_FALSE(page.ok()) << token;
    EXPECT_EQ(page.error().code, ErrorCode::kMalformedInput) << token;  // the engine restarts the query
  }
  EXPECT_TRUE(http_.requests.empty());
}

TEST_F(GraphTest, ListWithoutAddressesFiltersByReceivedDate) {
  http_.reply(200,
              R"({"value":[{"id":"M1","conversationId":"C1","receivedDateTime":"2024-06-09T00:00:00Z"}]})");
  auto page = client_->list("eyJ.token", SearchQuery{{}, 1717200000}, "", 5000);
  ASSERT_TRUE(page.ok()) << page.error().detail;
  expect_request(0, "GET",
                 std::string(kV1) +
                     "/me/messages?$filter=receivedDateTime%20ge%202024-06-01T00%3A00%3A00Z"
                     "&$select=id%2CconversationId%2CreceivedDateTime&$top=1000",
                 kImmutable);
  EXPECT_EQ(ids(page->messages), (std::vector<std::string>{"M1"}));

  http_.reply(200, R"({"value":[]})");
  page = client_->list("eyJ.token", SearchQuery{}, "", 0);
  ASSERT_TRUE(page.ok()) << page.error().detail;
  expect_request(1, "GET",
                 std::string(kV1) + "/me/messages?$select=id%2CconversationId%2CreceivedDateTime&$top=2",
                 kImmutable);
}

TEST_F(GraphTest, ListRefusesForeignPageLinksAndUnsearchableAddresses) {
  auto page =
      client_->list("eyJ.token", SearchQuery{{"a@b.com"}, 0}, "https://evil.example/v1.0/me/messages", 10);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument);
  // Nor inside a plan.
  page = client_->list(
      "eyJ.token", SearchQuery{{"a@b.com"}, 0},
      R"({"v":1,"spans":[[0,1,""]],"next":"https://evil.example/v1.0/me/messages","returned":5,"oldest_ms":0})",
      10);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument);
  page = client_->list("eyJ.token", SearchQuery{{"\"odd\"@b.com", "a b@c.d"}, 0}, "", 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->messages.empty());
  EXPECT_TRUE(http_.requests.empty());
}

TEST(GraphSearch, KqlOverEveryAddressField) {
  EXPECT_EQ(graph_search(SearchQuery{}), "");
  EXPECT_EQ(graph_search(SearchQuery{{"a@b.com"}, 1700000000}),
            "from:a@b.com OR to:a@b.com OR cc:a@b.com OR bcc:a@b.com");
  EXPECT_EQ(graph_search(SearchQuery{{"x\\y@b.com", "", "c@d.org"}, 0}),
            "from:c@d.org OR to:c@d.org OR cc:c@d.org OR bcc:c@d.org");
}

}  // namespace
}  // namespace hiresync::providers::microsoft
