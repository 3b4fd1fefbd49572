#include "app/ordered_pool.hpp"

#include <algorithm>

namespace hiresync::app {

OrderedPool::OrderedPool(std::size_t n, unsigned workers, std::size_t window,
                         std::function<void(std::size_t)> produce)
    : n_(n), window_(window == 0 ? 1 : window), produce_(std::move(produce)), ready_(n, 0) {
  for (unsigned t = 0; t < workers; ++t) threads_.emplace_back([this] { work(); });
}

OrderedPool::~OrderedPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  space_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void OrderedPool::work() {
  for (;;) {
    std::size_t i = 0;
    {
      std::unique_lock lock(mu_);
      ++idle_workers_;
      space_cv_.wait(lock, [&] { return stop_ || next_ >= n_ || next_ < consumed_ + window_; });
      --idle_workers_;
      if (stop_ || next_ >= n_) return;
      i = next_++;
    }
    produce_(i);
    bool wake = false;
    {
      std::lock_guard lock(mu_);
      ready_[i] = 1;
      while (contiguous_ < n_ && ready_[contiguous_] != 0) ++contiguous_;
      wake = contiguous_ >= wake_at_;
    }
    if (wake) ready_cv_.notify_one();
  }
}

void OrderedPool::await(std::size_t i) {
  std::unique_lock lock(mu_);
  if (i > consumed_) {
    consumed_ = i;
    if (idle_workers_ > 0) {
      lock.unlock();
      space_cv_.notify_all();
      lock.lock();
    }
  }
  // Rather than sleep, the consumer produces items itself while any is left to claim: with as
  // many threads as cores, nobody idles and nobody is preempted.
  while (contiguous_ <= i && next_ < n_ && next_ < consumed_ + window_) {
    const std::size_t j = next_++;
    lock.unlock();
    produce_(j);
    lock.lock();
    ready_[j] = 1;
    while (contiguous_ < n_ && ready_[contiguous_] != 0) ++contiguous_;
  }
  if (contiguous_ > i) return;
  wake_at_ = i + 1;
  ready_cv_.wait(lock, [&] { return contiguous_ >= wake_at_; });
  wake_at_ = static_cast<std::size_t>(-1);
}

}  // namespace hiresync::app
