// In-process metrics in the Prometheus text exposition format (GET /metrics): counters and
// histograms with labels. No I/O; the API renders, every stage records.
// Thread-safe: every method may be called concurrently.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hiresync::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;  // rendered in this order

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Declares a metric's help text (and, for histograms, its bucket upper bounds, ascending).
  // Recording into an undeclared name declares it as a counter (or a histogram with default
  // latency buckets in seconds) with an empty help text.
  void describe_counter(std::string_view name, std::string_view help);
  void describe_histogram(std::string_view name, std::string_view help, std::vector<double> buckets);

  void increment(std::string_view name, const Labels& labels = {}, double by = 1);
  void observe(std::string_view name, const Labels& labels, double value);

  // The current value of a counter (0 when never incremented); for tests.
  double counter_value(std::string_view name, const Labels& labels = {}) const;

  // Prometheus text format 0.0.4: # HELP, # TYPE, samples; histograms as _bucket{le=...}, _sum,
  // _count. Label values escaped (backslash, quote, newline).
  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hiresync::metrics
