// Unit tests of the command line's own pieces: the ordered pool and mbox splitting.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "app/ordered_pool.hpp"
#include "app/sources.hpp"

namespace hiresync::app {
namespace {

TEST(OrderedPool, ProducesEveryItemOnceAndHandsThemOverInOrder) {
  for (unsigned workers : {0U, 1U, 3U}) {
    constexpr std::size_t kItems = 2000;
    std::vector<std::atomic<int>> produced(kItems);
    std::vector<int> value(kItems, -1);
    {
      OrderedPool pool(kItems, workers, 16, [&](std::size_t i) {
        ++produced[i];
        value[i] = static_cast<int>(i * 3);
      });
      for (std::size_t i = 0; i < kItems; ++i) {
        pool.await(i);
        ASSERT_EQ(value[i], static_cast<int>(i * 3)) << "workers=" << workers;
      }
    }
    for (std::size_t i = 0; i < kItems; ++i) EXPECT_EQ(produced[i].load(), 1) << i;
  }
}

TEST(OrderedPool, StopsCleanlyWhenTheConsumerLeavesEarly) {
  std::atomic<int> produced{0};
  {
    OrderedPool pool(10000, 2, 8, [&](std::size_t) { ++produced; });
    pool.await(0);
    pool.await(1);
  }
  // Workers stay within the window of the consumer: at most consumed + window items, plus one each.
  EXPECT_LE(produced.load(), 1 + 8 + 2 + 2);
}

TEST(SplitMessages, OneMessageOrAnMboxSplitOnlyOnRealSeparators) {
  EXPECT_EQ(split_messages("From: a@x\n\nbody\n").size(), 1U);
  EXPECT_EQ(split_messages("From: a@x\n\nbody\n")[0].index, 0);

  const std::string mbox =
      "From a@x Mon Jan  1 00:00:00 2001\nFrom: a@x\n\nfirst\n\nFrom here on, prose.\n"
      "\nFrom b@y Tue Jan  2 10:30:00 2001\nFrom: b@y\n\nsecond\n";
  const auto found = split_messages(mbox);
  ASSERT_EQ(found.size(), 2U);
  EXPECT_EQ(found[0].index, 1);
  EXPECT_EQ(found[0].raw, "From: a@x\n\nfirst\n\nFrom here on, prose.\n");
  EXPECT_EQ(found[1].index, 2);
  EXPECT_EQ(found[1].raw, "From: b@y\n\nsecond\n");
  EXPECT_EQ(source_label("box.mbox", found[1]), "box.mbox#2");

  const auto single = split_messages("From a@x Mon Jan  1 00:00:00 2001\nFrom: a@x\n\nonly\n");
  ASSERT_EQ(single.size(), 1U);
  EXPECT_EQ(single[0].index, 0);
  EXPECT_EQ(source_label("one.txt", single[0]), "one.txt");
}

}  // namespace
}  // namespace hiresync::app
