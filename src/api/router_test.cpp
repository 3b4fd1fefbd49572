#include "api/router.hpp"

#include <gtest/gtest.h>

namespace hiresync::api {
namespace {

TEST(Router, MatchesLiteralsAndParameters) {
  Router<int> r;
  r.add("GET", "/api/projects", 1);
  r.add("POST", "/api/projects/{id}/candidates", 2);
  r.add("DELETE", "/api/projects/{id}/candidates/{member_id}", 3);
  auto m = r.match("DELETE", "/api/projects/7/candidates/42");
  ASSERT_NE(m.value, nullptr);
  EXPECT_EQ(*m.value, 3);
  EXPECT_EQ(*m.pattern, "/api/projects/{id}/candidates/{member_id}");
  EXPECT_EQ(m.params, (Router<int>::Params{{"id", "7"}, {"member_id", "42"}}));
  EXPECT_EQ(*r.match("GET", "/api/projects").value, 1);
}

TEST(Router, OtherMethodIsReportedAndNearMissesDoNotMatch) {
  Router<int> r;
  r.add("GET", "/api/projects", 1);
  r.add("POST", "/api/projects/{id}/candidates", 2);
  auto wrong_method = r.match("PUT", "/api/projects");
  EXPECT_EQ(wrong_method.value, nullptr);
  EXPECT_TRUE(wrong_method.path_matched);
  for (const char* path : {"/api/projects/", "/api/project", "/api/projects/1", "/api/projects//candidates",
                           "/api/projects/1/candidates/x", "", "/"}) {
    auto m = r.match("POST", path);
    EXPECT_EQ(m.value, nullptr) << path;
    EXPECT_FALSE(m.path_matched) << path;
  }
}

}  // namespace
}  // namespace hiresync::api
