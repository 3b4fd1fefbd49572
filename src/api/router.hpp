// A route table: method + path pattern ("/api/projects/{id}/candidates/{member_id}") -> value.
// Literal segments compare exactly; a {name} segment matches one non-empty segment and is
// returned as a parameter. Routes are tried in the order added. Not thread-safe to add; matching
// a finished table is.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hiresync::api {

template <typename Value>
class Router {
 public:
  using Params = std::vector<std::pair<std::string, std::string>>;

  struct Match {
    const Value* value = nullptr;  // null when nothing matched
    const std::string* pattern = nullptr;
    Params params;
    bool path_matched = false;  // some route has this path with another method (answer 405)
  };

  void add(std::string method, std::string pattern, Value value) {
    routes_.push_back(Route{std::move(method), split(pattern), pattern, std::move(value)});
  }

  Match match(std::string_view method, std::string_view path) const {
    Match out;
    const auto segments = split(path);
    for (const Route& r : routes_) {
      Params params;
      if (!matches(r.segments, segments, params)) continue;
      if (r.method != method) {
        out.path_matched = true;
        continue;
      }
      out.value = &r.value;
      out.pattern = &r.pattern;
      out.params = std::move(params);
      return out;
    }
    return out;
  }

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    std::string pattern;
    Value value;
  };

  // "/a/b/" -> {"a", "b", ""}: a trailing slash is a segment of its own, so it does not match.
  static std::vector<std::string> split(std::string_view path) {
    std::vector<std::string> out;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    for (;;) {
      const auto slash = path.find('/');
      out.emplace_back(path.substr(0, slash));
      if (slash == std::string_view::npos) break;
      path.remove_prefix(slash + 1);
    }
    return out;
  }

  static bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                      Params& params) {
    if (pattern.size() != path.size()) return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      const std::string& p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        if (path[i].empty()) return false;
        params.emplace_back(p.substr(1, p.size() - 2), path[i]);
      } else if (p != path[i]) {
        return false;
      }
    }
    return true;
  }

  std::vector<Route> routes_;
};

}  // namespace hiresync::api
