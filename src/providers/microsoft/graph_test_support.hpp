// Test support for the Graph mail client's tests (graph_test.cpp, graph_list_test.cpp): a client
// against a scripted HTTP client, with the request checks they share. In a named namespace, inline:
// gtest requires the one fixture class for a test suite across files.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "providers/common/fake_http.hpp"
#include "providers/microsoft/microsoft.hpp"

namespace hiresync::providers::microsoft::graph_testing {

inline constexpr std::int64_t kNow = 1718012345;  // 2024-06-10T09:39:05Z
inline constexpr const char* kV1 = "https://graph.example/v1.0";
inline constexpr const char* kImmutable = "IdType=\"ImmutableId\"";
inline constexpr const char* kPaged = "IdType=\"ImmutableId\", odata.maxpagesize=2";

class GraphTest : public ::testing::Test {
 protected:
  static MicrosoftConfig config() {
    MicrosoftConfig c;
    c.graph_base = "https://graph.example";
    c.page_size = 2;
    return c;
  }

  void expect_request(std::size_t index, const std::string& method, const std::string& url,
                      const char* prefer) {
    ASSERT_LT(index, http_.requests.size());
    const auto& r = http_.requests[index];
    EXPECT_EQ(r.method, method);
    EXPECT_EQ(r.url, url);
    EXPECT_EQ(net::find_field(r.headers, "Authorization").value_or(""), "Bearer eyJ.token");
    EXPECT_EQ(net::find_field(r.headers, "Prefer").value_or(""), prefer);
    EXPECT_EQ(r.timeout, std::chrono::seconds(30));
    EXPECT_EQ(r.body, "");
  }

  static std::vector<std::string> ids(const std::vector<MessageRef>& refs) {
    std::vector<std::string> out;
    out.reserve(refs.size());
    for (const auto& ref : refs) out.push_back(ref.id);
    return out;
  }

  test_support::FakeHttp http_;
  std::unique_ptr<MailClient> client_ = make_mail_client(config(), http_, [] { return kNow; });
};

}  // namespace hiresync::providers::microsoft::graph_testing
