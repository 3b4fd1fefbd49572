#include <gtest/gtest.h>

#include "sync/budget.hpp"
#include "sync/cursor.hpp"

namespace hiresync::sync {
namespace {

TEST(Cursor, RoundTripsEveryFieldAndReadsEmptyAsFresh) {
  SyncCursor c;
  c.history_id = "18446744073709551615";  // uint64 max: ids are strings, never numbers
  c.backfilling = true;
  c.window_after_s = 1700000000;
  c.start_history_id = "42";
  c.chunk = 3;
  c.page_token = "tok";
  c.watch_expires_ms = 1800000000000;
  c.watch_renewed_at_s = 1700000001;
  c.watch_state = R"({"inbox":"sub-1"})";
  auto back = parse_cursor(serialize(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->history_id, c.history_id);
  EXPECT_TRUE(back->backfilling);
  EXPECT_EQ(back->window_after_s, c.window_after_s);
  EXPECT_EQ(back->start_history_id, "42");
  EXPECT_EQ(back->chunk, 3);
  EXPECT_EQ(back->page_token, "tok");
  EXPECT_EQ(back->watch_expires_ms, c.watch_expires_ms);
  EXPECT_EQ(back->watch_renewed_at_s, c.watch_renewed_at_s);
  EXPECT_EQ(back->watch_state, c.watch_state);

  auto fresh = parse_cursor("");
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(fresh->history_id.empty());
  EXPECT_FALSE(fresh->backfilling);
  EXPECT_EQ(parse_cursor("[1]").error().code, model::ErrorCode::kMalformedInput);
  EXPECT_EQ(parse_cursor("{nope").error().code, model::ErrorCode::kMalformedInput);
}

TEST(QuotaBudget, NeverSpendsMoreThanTheLimitInAnySlidingWindow) {
  std::int64_t now = 0;
  QuotaBudget budget(100, 60000, [&] { return now; });
  EXPECT_EQ(budget.wait_ms(60), 0);
  budget.spend(60);
  now = 10000;
  EXPECT_EQ(budget.wait_ms(40), 0);
  budget.spend(40);
  // Full: the 60 spent at t=0 leave the window at t=60000, so 20 more fit just after it.
  now = 20000;
  EXPECT_EQ(budget.wait_ms(20), 60000 - 20000 + 1);
  now = 60001;
  EXPECT_EQ(budget.wait_ms(20), 0);
  EXPECT_GT(budget.wait_ms(61), 0);  // the 40 of t=10000 are still inside
}

// What one node spent, another (or the same after a restart) does not spend again: the saved
// window restored into a new budget refuses what the old one would have refused, a little longer
// at most (spends are dated at their second's end), and keeps the pause.
TEST(QuotaBudget, ASavedWindowRestoredElsewhereKeepsItsSpendsAndPause) {
  std::int64_t now = 5400;
  QuotaBudget first(100, 60000, [&] { return now; });
  first.spend(60);
  now = 7200;
  first.spend(30);
  first.pause_until(9000);
  const std::string saved = first.save();

  QuotaBudget second(100, 60000, [&] { return now; });
  second.restore(saved);
  EXPECT_EQ(second.wait_ms(1), 1800);  // paused until 9000
  now = 9000;
  EXPECT_EQ(second.wait_ms(10), 0);
  second.spend(10);
  EXPECT_GT(second.wait_ms(1), 0);  // 100 spent in the window
  // The 60 of t=5400 were saved as of t=6000: they leave at 66000, not before 65400.
  now = 65500;
  EXPECT_GT(second.wait_ms(60), 0);
  now = 66001;
  EXPECT_EQ(second.wait_ms(60), 0);

  QuotaBudget third(100, 60000, [&] { return now; });
  third.restore("not json");
  third.restore(R"({"spends":[[1,"x"],[2],"y"],"paused_until_ms":"soon"})");
  EXPECT_EQ(third.wait_ms(100), 0);  // nothing usable: nothing added
}

TEST(QuotaBudget, PauseUntilDelaysEvenWithUnitsLeft) {
  std::int64_t now = 1000;
  QuotaBudget budget(100, 60000, [&] { return now; });
  budget.pause_until(3000);
  EXPECT_EQ(budget.wait_ms(1), 2000);
  now = 3000;
  EXPECT_EQ(budget.wait_ms(1), 0);
}

TEST(QuotaBudget, AcquireSpendsAndStopsWhenAsked) {
  std::int64_t now = 0;
  QuotaBudget budget(10, 60000, [&] { return now; });
  std::atomic<bool> stop{false};
  EXPECT_TRUE(budget.acquire(10, stop));
  stop = true;
  EXPECT_FALSE(budget.acquire(1, stop));  // full, and stopping: gives up instead of waiting
}

TEST(Backoff, GrowsExponentiallyUpToTheCapWithBoundedJitter) {
  std::mt19937_64 rng(7);
  for (int attempt = 1; attempt <= 12; ++attempt) {
    const std::int64_t base = std::min<std::int64_t>(300000, 1000LL << (attempt - 1));
    const std::int64_t d = backoff_ms(attempt, 1000, 300000, rng);
    EXPECT_GE(d, base);
    EXPECT_LE(d, base + 500);
  }
}

}  // namespace
}  // namespace hiresync::sync
