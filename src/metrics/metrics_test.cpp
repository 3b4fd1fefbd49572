#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace hiresync::metrics {
namespace {

TEST(Metrics, CounterRendersWithHelpTypeAndLabels) {
  Registry r;
  r.describe_counter("http_requests_total", "Requests served.");
  r.increment("http_requests_total", {{"route", "/healthz"}, {"status", "200"}});
  r.increment("http_requests_total", {{"route", "/healthz"}, {"status", "200"}}, 2);
  EXPECT_EQ(r.counter_value("http_requests_total", {{"route", "/healthz"}, {"status", "200"}}), 3);
  EXPECT_EQ(r.counter_value("http_requests_total", {{"route", "/x"}}), 0);
  EXPECT_EQ(r.counter_value("never", {}), 0);
  EXPECT_EQ(r.render(),
            "# HELP http_requests_total Requests served.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{route=\"/healthz\",status=\"200\"} 3\n");
}

TEST(Metrics, UndeclaredCounterHasNoHelpLineAndNoBraces) {
  Registry r;
  r.increment("jobs_total");
  r.increment("jobs_total", {}, 0.5);
  EXPECT_EQ(r.render(), "# TYPE jobs_total counter\njobs_total 1.5\n");
}

TEST(Metrics, LabelValuesAreEscaped) {
  Registry r;
  r.increment("c", {{"v", "a\"b\\c\nd"}});
  EXPECT_NE(r.render().find("c{v=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << r.render();
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry r;
  r.describe_histogram("lat_seconds", "Latency.", {1, 0.1});
  r.observe("lat_seconds", {{"route", "a"}}, 0.05);
  r.observe("lat_seconds", {{"route", "a"}}, 0.1);  // le is inclusive
  r.observe("lat_seconds", {{"route", "a"}}, 0.5);
  r.observe("lat_seconds", {{"route", "a"}}, 7);
  EXPECT_EQ(r.render(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{route=\"a\",le=\"0.1\"} 2\n"
            "lat_seconds_bucket{route=\"a\",le=\"1\"} 3\n"
            "lat_seconds_bucket{route=\"a\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{route=\"a\"} 7.65\n"
            "lat_seconds_count{route=\"a\"} 4\n");
}

TEST(Metrics, UndeclaredHistogramUsesDefaultLatencyBuckets) {
  Registry r;
  r.observe("d", {}, 0.003);
  const std::string text = r.render();
  EXPECT_NE(text.find("d_bucket{le=\"0.005\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_bucket{le=\"10\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_count 1\n"), std::string::npos) << text;
}

TEST(Metrics, TypeMismatchIsIgnored) {
  Registry r;
  r.increment("x");
  r.observe("x", {}, 1);  // x is a counter: ignored
  EXPECT_EQ(r.counter_value("x"), 1);
  EXPECT_EQ(r.render(), "# TYPE x counter\nx 1\n");
}

TEST(Metrics, ConcurrentIncrementsAllCount) {
  Registry r;
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&r] {
      for (int i = 0; i < 1000; ++i) {
        r.increment("n", {{"k", "v"}});
        r.observe("h", {}, 0.01);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(r.counter_value("n", {{"k", "v"}}), 4000);
  EXPECT_NE(r.render().find("h_count 4000\n"), std::string::npos);
}

}  // namespace
}  // namespace hiresync::metrics
