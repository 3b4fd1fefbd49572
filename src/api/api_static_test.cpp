// The web UI: static files, the single-page fallback, the security headers, and no path leading
// out of the UI's folder.
#include <fstream>

#include "api/api_test_fixture.hpp"
#include "api/web_assets.hpp"

namespace hiresync::api::testing {
namespace {

class StaticTest : public ApiTest {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("hiresync-web-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "web" / "static");
    write(root_ / "web" / "index.html",
          "<!doctype html><script type=\"module\" src=\"/static/app.js\"></script>");
    write(root_ / "web" / "static" / "app.js", "export {};");
    write(root_ / "web" / "static" / "app.css", "body{}");
    write(root_ / "secret.txt", "do not serve");
    web_dir_ = (root_ / "web").string();
    ApiTest::SetUp();
  }
  void TearDown() override {
    ApiTest::TearDown();
    std::filesystem::remove_all(root_);
  }
  static void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

  std::filesystem::path root_;
};

TEST_F(StaticTest, ServesFilesWithTypesAndSecurityHeaders) {
  auto js = call("GET", "/static/app.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "export {};");
  EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(js.header("Referrer-Policy"), "no-referrer");
  EXPECT_NE(js.header("Content-Security-Policy").find("script-src 'self'; style-src 'self'"),
            std::string::npos);
  EXPECT_EQ(call("GET", "/static/app.css").header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(call("GET", "/static/missing.js").status, 404);
  EXPECT_EQ(content_type_of("a/logo.SVG"), "image/svg+xml");
  EXPECT_EQ(content_type_of("favicon.ico"), "image/x-icon");
  EXPECT_EQ(content_type_of("x.png"), "image/png");
  EXPECT_EQ(content_type_of("data.json"), "application/json");
  EXPECT_EQ(content_type_of("robots.txt"), "text/plain; charset=utf-8");
}

TEST_F(StaticTest, EveryOtherUiPathAnswersIndexHtml) {
  for (const char* path : {"/", "/projects/3", "/settings/email", "/candidates/7"}) {
    auto r = call("GET", path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("/static/app.js"), std::string::npos);
    EXPECT_NE(r.header("Content-Security-Policy").find("frame-ancestors 'self'"), std::string::npos);
  }
  // The API's, OAuth's and operations' paths are never the UI.
  EXPECT_EQ(call("GET", "/api/nothing").json["error"]["code"], "route_not_found");
  EXPECT_EQ(call("GET", "/webhooks/nothing").status, 404);
  EXPECT_EQ(call("GET", "/healthz").json["status"], "ok");
  EXPECT_EQ(call("POST", "/projects").status, 404);  // only GET falls back
}

TEST_F(StaticTest, PathsOutOfTheFolderAreRefused) {
  // Over HTTP, encoded so that the client sends them as written (it would normalize bare dots).
  for (const char* path : {"/static/%2e%2e/%2e%2e/secret.txt", "/static/..%2f..%2fsecret.txt",
                           "/static/%2e/app.js", "/static/%00app.js", "/static//app.js"}) {
    auto r = call("GET", path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("do not serve"), std::string::npos) << path;
  }
  // The decoded paths as the server sees them.
  for (const char* path : {"/static/../../secret.txt", "/static/./app.js", "/static/a\\..\\..\\secret.txt"}) {
    EXPECT_EQ(serve_ui(path, web_dir_).status, 404) << path;
  }
  std::filesystem::create_symlink(root_ / "secret.txt", root_ / "web" / "static" / "link.txt");
  EXPECT_EQ(call("GET", "/static/link.txt").status, 404);
}

TEST(WebAssets, EmbeddedFilesNeverIncludeNodeModules) {
  for (const auto& f : embedded_web_files()) {
    EXPECT_EQ(f.path.find("node_modules"), std::string_view::npos) << f.path;
    EXPECT_NE(f.path.front(), '/');
  }
  EXPECT_TRUE(is_ui_path("/"));
  EXPECT_TRUE(is_ui_path("/apis"));
  EXPECT_FALSE(is_ui_path("/api"));
  EXPECT_FALSE(is_ui_path("/oauth/callback"));
  EXPECT_FALSE(is_ui_path("/metrics"));
}

}  // namespace
}  // namespace hiresync::api::testing
