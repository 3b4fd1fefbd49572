// list()'s plan past Graph's $search cap: KQL, the page token, and each way the plan moves on.
#include "providers/microsoft/search_plan.hpp"

#include <gtest/gtest.h>

namespace hiresync::providers::microsoft::internal {
namespace {

const std::vector<std::string> kAddresses = {"a@b.com", "c@d.org", "e@f.net"};
constexpr std::int64_t kJune1 = 1717200000;         // 2024-06-01T00:00:00Z
constexpr std::int64_t kJune5Noon = 1717588800000;  // 2024-06-05T12:00:00Z, ms

TEST(SearchPlan, KqlBoundsTheWindowAtDayGranularity) {
  EXPECT_EQ(utc_day(kJune1 + 86399), "2024-06-01");
  EXPECT_EQ(span_kql(kAddresses, {0, 1, ""}, 0), "from:a@b.com OR to:a@b.com OR cc:a@b.com OR bcc:a@b.com");
  EXPECT_EQ(span_kql(kAddresses, {1, 2, "2024-06-05"}, kJune1 + 3600),
            "(from:c@d.org OR to:c@d.org OR cc:c@d.org OR bcc:c@d.org) AND received>=2024-06-01 AND "
            "received<=2024-06-05");
  EXPECT_EQ(searchable_addresses({"a@b.com", "", "x y@z", "q\"@r", "ok@x"}),
            (std::vector<std::string>{"a@b.com", "ok@x"}));
}

TEST(SearchPlan, TokenRoundTripsAndRefusesWhatItCannotUse) {
  SearchPlan plan{
      {{0, 2, "2024-06-05"}, {2, 3, ""}}, "https://graph.example/v1.0/me/messages?x=1", 517, kJune5Noon};
  auto back = parse_plan(serialize_plan(plan), 3);
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->spans.size(), 2U);
  EXPECT_EQ(back->spans[0].until, "2024-06-05");
  EXPECT_EQ(back->spans[1].lo, 2U);
  EXPECT_EQ(back->next, plan.next);
  EXPECT_EQ(back->returned, 517);
  EXPECT_EQ(back->oldest_ms, kJune5Noon);
  EXPECT_FALSE(parse_plan(serialize_plan(plan), 2).has_value());  // fewer addresses than it names
  EXPECT_FALSE(parse_plan("https://graph.example/v1.0/me/messages", 3).has_value());
  EXPECT_FALSE(parse_plan(R"({"v":1,"spans":[],"next":"","returned":0,"oldest_ms":0})", 3).has_value());
}

TEST(SearchPlan, UnderTheCapTheQueryIsDone) {
  SearchPlan plan{{{0, 3, ""}, {1, 2, ""}}, "x", kSearchCap - 1, kJune5Noon};
  EXPECT_EQ(advance(plan, kAddresses, 0), "");
  ASSERT_EQ(plan.spans.size(), 1U);
  EXPECT_EQ(plan.spans[0].lo, 1U);
  EXPECT_EQ(plan.next, "");
  EXPECT_EQ(plan.returned, 0);
  EXPECT_EQ(plan.oldest_ms, 0);
}

TEST(SearchPlan, AtTheCapTheSameAddressesGoOnFromTheOldestDayReached) {
  SearchPlan plan{{{0, 3, ""}}, "", kSearchCap, kJune5Noon};
  EXPECT_EQ(advance(plan, kAddresses, kJune1), "");
  ASSERT_EQ(plan.spans.size(), 1U);
  EXPECT_EQ(plan.spans[0].until, "2024-06-05");  // inclusive: that day is listed again
  EXPECT_EQ(plan.spans[0].hi, 3U);
}

TEST(SearchPlan, ACapWithinOneDaySplitsTheAddressesThenSkipsThatDayForOneAddress) {
  SearchPlan plan{{{0, 3, "2024-06-05"}}, "", kSearchCap, kJune5Noon};
  EXPECT_EQ(advance(plan, kAddresses, kJune1), "");
  ASSERT_EQ(plan.spans.size(), 2U);
  EXPECT_EQ(plan.spans[0].lo, 0U);
  EXPECT_EQ(plan.spans[0].hi, 1U);
  EXPECT_EQ(plan.spans[1].lo, 1U);
  EXPECT_EQ(plan.spans[1].hi, 3U);
  EXPECT_EQ(plan.spans[1].until, "2024-06-05");

  plan.returned = kSearchCap;
  plan.oldest_ms = kJune5Noon;
  const std::string note = advance(plan, kAddresses, kJune1);
  EXPECT_NE(note.find("a@b.com"), std::string::npos);
  EXPECT_NE(note.find("2024-06-05"), std::string::npos);
  ASSERT_EQ(plan.spans.size(), 2U);
  EXPECT_EQ(plan.spans[0].until, "2024-06-04");
  EXPECT_EQ(plan.spans[0].hi, 1U);

  // At the window's first day there is nothing earlier to go on to.
  SearchPlan last{{{0, 1, "2024-06-01"}}, "", kSearchCap, (kJune1 + 600) * 1000};
  EXPECT_NE(advance(last, kAddresses, kJune1), "");
  EXPECT_TRUE(last.spans.empty());
}

TEST(SearchPlan, AnOlderTokenOfUnknownCountGoesOnUnlessItReachedPastTheWindow) {
  SearchPlan plan{{{0, 3, ""}}, "", -1, kJune5Noon};
  EXPECT_EQ(advance(plan, kAddresses, kJune1), "");
  ASSERT_EQ(plan.spans.size(), 1U);
  EXPECT_EQ(plan.spans[0].until, "2024-06-05");

  SearchPlan past{{{0, 3, ""}}, "", -1, (kJune1 - 86400) * 1000};
  EXPECT_EQ(advance(past, kAddresses, kJune1), "");
  EXPECT_TRUE(past.spans.empty());
}

}  // namespace
}  // namespace hiresync::providers::microsoft::internal
