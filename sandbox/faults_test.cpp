// The control API's fault body reading and the per-account API fault queue.
#include "sandbox/faults.hpp"

#include <gtest/gtest.h>

namespace hiresync::sandbox {
namespace {

enum class Kind { kDrop, kDuplicate, kDelay };

TEST(Faults, CountAndDelayDefault) {
  EXPECT_EQ(fault_count(nlohmann::json::object()), 1);
  EXPECT_EQ(fault_count({{"count", 3}}), 3);
  EXPECT_EQ(fault_count({{"count", "3"}}), 1);
  EXPECT_EQ(fault_delay_ms(nlohmann::json::object()), 0);
  EXPECT_EQ(fault_delay_ms({{"delay_ms", 2500}}), 2500);
}

TEST(Faults, PushKinds) {
  EXPECT_EQ(push_fault_kind<Kind>("drop"), Kind::kDrop);
  EXPECT_EQ(push_fault_kind<Kind>("duplicate"), Kind::kDuplicate);
  EXPECT_EQ(push_fault_kind<Kind>("delay"), Kind::kDelay);
  EXPECT_FALSE(push_fault_kind<Kind>("lose").has_value());
}

TEST(Faults, ReadsAnApiFault) {
  ApiFault f;
  ASSERT_EQ(read_api_fault({{"status", 429},
                            {"count", 2},
                            {"retry_after", 7},
                            {"endpoint", "/messages"},
                            {"reason", "rateLimitExceeded"},
                            {"message", "slow down"}},
                           f),
            "");
  EXPECT_EQ(f.status, 429);
  EXPECT_EQ(f.remaining, 2);
  EXPECT_EQ(f.retry_after_s, 7);
  EXPECT_EQ(f.endpoint, "/messages");
  EXPECT_EQ(f.reason, "rateLimitExceeded");
  EXPECT_EQ(f.code, "rateLimitExceeded");  // no "code": the reason
  EXPECT_EQ(f.message, "slow down");

  ASSERT_EQ(read_api_fault(
                {{"status", 503}, {"reason", "r"}, {"code", "ErrorServerBusy"}, {"retry_after", "x"}}, f),
            "");
  EXPECT_EQ(f.remaining, 1);
  EXPECT_EQ(f.retry_after_s, -1);
  EXPECT_EQ(f.reason, "r");
  EXPECT_EQ(f.code, "ErrorServerBusy");

  EXPECT_EQ(read_api_fault({{"status", 302}}, f), "status must be 4xx or 5xx");
  EXPECT_EQ(read_api_fault({{"status", 600}}, f), "status must be 4xx or 5xx");
}

TEST(Faults, QueueTakesMatchingFaultsInOrderUntilSpent) {
  FaultQueue q;
  ApiFault spent;
  spent.remaining = 0;
  q.add(spent);  // not queued
  ApiFault messages;
  messages.status = 404;
  messages.remaining = 2;
  messages.endpoint = "/messages";
  q.add(messages);
  ApiFault any;
  any.status = 500;
  any.remaining = 1;
  q.add(any);

  EXPECT_EQ(q.take("/profile")->status, 500);  // skips the non-matching one
  EXPECT_FALSE(q.take("/profile").has_value());
  const auto first = q.take("/v1/messages/1");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 404);
  EXPECT_EQ(first->remaining, 2);  // a copy as it was queued
  EXPECT_EQ(q.take("/v1/messages/2")->status, 404);
  EXPECT_FALSE(q.take("/v1/messages/3").has_value());
}

}  // namespace
}  // namespace hiresync::sandbox
