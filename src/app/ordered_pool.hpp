// Runs a function over items 0..n-1 on worker threads while the calling thread consumes the results
// strictly in order, as each becomes ready: the shape of `hiresync import`, where parsing is
// parallel and storing is sequential. No barrier between batches; workers stay at most `window`
// items ahead of the consumer, which bounds memory. A consumer that would wait produces unclaimed
// items itself, so `workers` = cores - 1 keeps every core busy without oversubscribing them.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hiresync::app {

class OrderedPool {
 public:
  // `produce(i)` runs once for each i, on a worker or on the consumer; it must only touch item i's
  // own state. `workers` may be 0: then the consumer produces everything itself.
  OrderedPool(std::size_t n, unsigned workers, std::size_t window, std::function<void(std::size_t)> produce);
  // Stops the workers after their current item, then joins them.
  ~OrderedPool();
  OrderedPool(const OrderedPool&) = delete;
  OrderedPool& operator=(const OrderedPool&) = delete;

  // Returns once item i is produced, producing unclaimed items on the calling thread meanwhile.
  // Items must be awaited in order 0, 1, 2, ...; awaiting i also marks every item before it as
  // consumed, letting workers move on.
  void await(std::size_t i);

 private:
  void work();

  const std::size_t n_;
  const std::size_t window_;
  std::function<void(std::size_t)> produce_;
  std::mutex mu_;
  std::condition_variable ready_cv_;
  std::condition_variable space_cv_;
  std::vector<char> ready_;
  static constexpr std::size_t kBatch = 32;
  std::size_t next_ = 0;        // next item to claim
  std::size_t consumed_ = 0;    // items the consumer is done with
  std::size_t contiguous_ = 0;  // items 0..contiguous_-1 are all produced
  // While the consumer sleeps: the contiguous count it waits for. It waits for a batch, not one
  // item, so that a consumer faster than the workers is not woken once per item (a context switch
  // per file cost a quarter of the import).
  std::size_t wake_at_ = static_cast<std::size_t>(-1);
  unsigned idle_workers_ = 0;  // workers sleeping for window space
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hiresync::app
