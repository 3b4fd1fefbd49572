#include "sandbox/google/quota.hpp"

#include <gtest/gtest.h>

namespace hiresync::sandbox::google {
namespace {

TEST(QuotaTest, CostTables) {
  EXPECT_EQ(quota_cost(GmailMethod::kMessagesGet, QuotaTable::k2026), 20);
  EXPECT_EQ(quota_cost(GmailMethod::kMessagesGet, QuotaTable::kLegacy), 5);
  EXPECT_EQ(quota_cost(GmailMethod::kMessagesList, QuotaTable::k2026), 5);
  EXPECT_EQ(quota_cost(GmailMethod::kHistoryList, QuotaTable::kLegacy), 2);
  EXPECT_EQ(quota_cost(GmailMethod::kProfile, QuotaTable::k2026), 1);
  EXPECT_EQ(quota_cost(GmailMethod::kWatch, QuotaTable::k2026), 100);
  EXPECT_EQ(quota_cost(GmailMethod::kStop, QuotaTable::kLegacy), 50);
  EXPECT_EQ(parse_quota_table("legacy"), QuotaTable::kLegacy);
  EXPECT_EQ(parse_quota_table("2026"), QuotaTable::k2026);
  EXPECT_FALSE(parse_quota_table("2025").has_value());
}

TEST(QuotaTest, SlidingMinuteWindowPerUser) {
  ManualClock clock;
  UserQuota quota(clock, 100);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(quota.try_charge("a@x.com", 20)) << i;
  EXPECT_FALSE(quota.try_charge("a@x.com", 20));
  EXPECT_FALSE(quota.try_charge("a@x.com", 1));
  EXPECT_EQ(quota.used("a@x.com"), 100);
  EXPECT_TRUE(quota.try_charge("b@x.com", 100));  // users are independent

  clock.advance_ms(59'999);
  EXPECT_FALSE(quota.try_charge("a@x.com", 1));
  clock.advance_ms(1);  // the first five charges are now a minute old
  EXPECT_EQ(quota.used("a@x.com"), 0);
  EXPECT_TRUE(quota.try_charge("a@x.com", 100));
}

TEST(QuotaTest, RefusedCallsAreNotCharged) {
  ManualClock clock;
  UserQuota quota(clock, 50);
  EXPECT_TRUE(quota.try_charge("a", 30));
  clock.advance_ms(30'000);
  EXPECT_FALSE(quota.try_charge("a", 30));
  EXPECT_EQ(quota.used("a"), 30);
  clock.advance_ms(30'000);
  EXPECT_TRUE(quota.try_charge("a", 50));
}

TEST(ConcurrencyTest, RefusesAboveTheCapAndFreesOnRelease) {
  ConcurrencyLimiter limiter(2);
  auto a = limiter.try_enter("u");
  auto b = limiter.try_enter("u");
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(limiter.try_enter("u").has_value());
  EXPECT_TRUE(limiter.try_enter("other").has_value());
  EXPECT_EQ(limiter.in_flight("u"), 2);
  a.reset();
  EXPECT_EQ(limiter.in_flight("u"), 1);
  EXPECT_TRUE(limiter.try_enter("u").has_value());
}

}  // namespace
}  // namespace hiresync::sandbox::google
