// Registry: one mutex over a map of families, each a map of label sets to series. Recording is a
// map lookup under the lock; the request path records twice per request, far below contention.
#include "metrics/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace hiresync::metrics {

namespace {

enum class Kind { kCounter, kHistogram };

const std::vector<double>& default_buckets() {
  static const std::vector<double> kBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

struct Series {
  double value = 0;                    // counter value, or histogram sum
  std::uint64_t count = 0;             // histogram observations
  std::vector<std::uint64_t> buckets;  // histogram: observations <= bound, per bound (not cumulative)
};

struct Family {
  Kind kind = Kind::kCounter;
  std::string help;
  std::vector<double> bounds;
  std::map<Labels, Series> series;
};

// Shortest round-trip text of a number, Prometheus spelling for the infinities and NaN.
void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), ec == std::errc() ? end : buf.data());
}

void append_escaped(std::string& out, std::string_view s, bool quote_too) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote_too) {
      out += "\\\"";
    } else {
      out.push_back(c);
    }
  }
}

// `{a="x",b="y"}` with an optional trailing `le` label; nothing when there are no labels.
void append_labels(std::string& out, const Labels& labels, const std::string* le = nullptr) {
  if (labels.empty() && le == nullptr) return;
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out.push_back(',');
    first = false;
    out += k;
    out += "=\"";
    append_escaped(out, v, true);
    out.push_back('"');
  }
  if (le != nullptr) {
    if (!first) out.push_back(',');
    out += "le=\"";
    out += *le;
    out.push_back('"');
  }
  out.push_back('}');
}

}  // namespace

struct Registry::Impl {
  mutable std::mutex mu;
  std::map<std::string, Family, std::less<>> families;

  // The family `name`, created with `kind` when missing. Called with `mu` held.
  Family& family(std::string_view name, Kind kind) {
    auto it = families.find(name);
    if (it == families.end()) {
      Family f;
      f.kind = kind;
      if (kind == Kind::kHistogram) f.bounds = default_buckets();
      it = families.emplace(std::string(name), std::move(f)).first;
    }
    return it->second;
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

void Registry::describe_counter(std::string_view name, std::string_view help) {
  std::lock_guard lock(impl_->mu);
  impl_->family(name, Kind::kCounter).help = std::string(help);
}

void Registry::describe_histogram(std::string_view name, std::string_view help, std::vector<double> buckets) {
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  std::lock_guard lock(impl_->mu);
  Family& f = impl_->family(name, Kind::kHistogram);
  f.help = std::string(help);
  // Bounds change only while nothing was recorded: existing bucket counts would not fit others.
  if (f.kind == Kind::kHistogram && f.series.empty() && !buckets.empty()) f.bounds = std::move(buckets);
}

void Registry::increment(std::string_view name, const Labels& labels, double by) {
  std::lock_guard lock(impl_->mu);
  Family& f = impl_->family(name, Kind::kCounter);
  if (f.kind != Kind::kCounter) return;  // a name is one type; a mismatch is a programming slip
  f.series[labels].value += by;
}

void Registry::observe(std::string_view name, const Labels& labels, double value) {
  std::lock_guard lock(impl_->mu);
  Family& f = impl_->family(name, Kind::kHistogram);
  if (f.kind != Kind::kHistogram) return;
  Series& s = f.series[labels];
  if (s.buckets.empty()) s.buckets.assign(f.bounds.size(), 0);
  auto it = std::lower_bound(f.bounds.begin(), f.bounds.end(), value);
  if (it != f.bounds.end()) ++s.buckets[static_cast<std::size_t>(it - f.bounds.begin())];
  s.value += value;
  ++s.count;
}

double Registry::counter_value(std::string_view name, const Labels& labels) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->families.find(name);
  if (it == impl_->families.end() || it->second.kind != Kind::kCounter) return 0;
  auto s = it->second.series.find(labels);
  return s == it->second.series.end() ? 0 : s->second.value;
}

std::string Registry::render() const {
  std::lock_guard lock(impl_->mu);
  std::string out;
  for (const auto& [name, f] : impl_->families) {
    if (!f.help.empty()) {
      out += "# HELP " + name + " ";
      append_escaped(out, f.help, false);
      out.push_back('\n');
    }
    out += "# TYPE " + name + (f.kind == Kind::kCounter ? " counter\n" : " histogram\n");
    for (const auto& [labels, s] : f.series) {
      if (f.kind == Kind::kCounter) {
        out += name;
        append_labels(out, labels);
        out.push_back(' ');
        append_number(out, s.value);
        out.push_back('\n');
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i <= f.bounds.size(); ++i) {
        std::string le;
        if (i < f.bounds.size()) {
          cumulative += s.buckets[i];
          append_number(le, f.bounds[i]);
        } else {
          cumulative = s.count;
          le = "+Inf";
        }
        out += name + "_bucket";
        append_labels(out, labels, &le);
        out += " " + std::to_string(cumulative) + "\n";
      }
      out += name + "_sum";
      append_labels(out, labels);
      out.push_back(' ');
      append_number(out, s.value);
      out += "\n" + name + "_count";
      append_labels(out, labels);
      out += " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace hiresync::metrics
