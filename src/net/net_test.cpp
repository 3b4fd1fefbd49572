#include <gtest/gtest.h>

#include <atomic>

#include "net/client.hpp"
#include "net/http.hpp"
#include "net/server.hpp"

namespace hiresync::net {
namespace {

TEST(Http, QueryRoundTripKeepsOrderRepeatsAndReservedCharacters) {
  const Fields fields{{"q", "from:a@b.com OR (to:c+d@e.org)"}, {"h", "From"}, {"h", "To"}, {"empty", ""}};
  const std::string encoded = encode_query(fields);
  EXPECT_EQ(encoded.find(' '), std::string::npos);
  EXPECT_EQ(encoded.find('+'), std::string::npos);  // '+' must be escaped, or a form decoder reads a space
  EXPECT_EQ(parse_query(encoded), fields);
  EXPECT_EQ(parse_query("a=x+y&b=%zz&c"), (Fields{{"a", "x y"}, {"b", "%zz"}, {"c", ""}}));
}

TEST(Http, Base64UrlMatchesRfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(plain), encoded);
    EXPECT_EQ(base64url_decode(encoded), plain);
  }
  EXPECT_EQ(base64url_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64url_decode("Zm9v!"), std::nullopt);
  EXPECT_EQ(base64url_decode("Z"), std::nullopt);
  EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
}

TEST(Http, HtmlEscapeCoversMarkupAndQuotes) {
  EXPECT_EQ(html_escape(R"(<a href="x">'&'</a>)"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(Server, ServesConcurrentRequestsAndKeepsDecodedPathAndQuery) {
  std::atomic<int> calls{0};
  HttpServer server(
      [&](const Request& r) {
        ++calls;
        if (r.path == "/boom") throw std::runtime_error("handler bug");
        std::string echo = r.method + " " + r.path + " " + r.param("q").value_or("-") + " " +
                           std::to_string(r.params("h").size()) + " " + r.header("x-test") + " " + r.body;
        auto res = Response::text(201, echo);
        res.headers.emplace_back("X-Reply", "yes");
        return res;
      },
      ServerOptions{2, 1024});
  auto port = server.start("127.0.0.1:0");
  ASSERT_TRUE(port.ok()) << port.error().detail;
  const std::string base = "http://127.0.0.1:" + std::to_string(*port);
  auto client = make_curl_client();

  auto r = client->send({"POST", base + "/a%20b?q=x%2By&h=1&h=2", {{"X-Test", "t"}}, "payload"});
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "POST /a b x+y 2 t payload");
  EXPECT_EQ(r->header("x-reply"), "yes");

  auto boom = client->send({"GET", base + "/boom"});
  ASSERT_TRUE(boom.ok());
  EXPECT_EQ(boom->status, 500);  // a throwing handler costs one request, not the server

  auto big = client->send({"POST", base + "/", {}, std::string(2048, 'x')});
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->status, 413);

  auto again = client->send({"GET", base + "/after"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 201);
  EXPECT_EQ(calls.load(), 3);
}

TEST(Client, ConnectionRefusedIsTransientAndNamesNoQuery) {
  HttpServer server([](const Request&) { return Response::text(200, "ok"); }, ServerOptions{});
  auto port = server.start("127.0.0.1:0");
  ASSERT_TRUE(port.ok());
  server.stop();
  auto client = make_curl_client();
  auto r = client->send({"GET", "http://127.0.0.1:" + std::to_string(*port) + "/x?token=secret"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, model::ErrorCode::kTransient);
  EXPECT_EQ(r.error().problem, "provider_unreachable");
  EXPECT_EQ(r.error().detail.find("secret"), std::string::npos);
}

TEST(Server, RejectsMalformedListenAddress) {
  HttpServer server([](const Request&) { return Response::text(200, "ok"); }, ServerOptions{});
  EXPECT_EQ(server.start("nonsense").error().code, model::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace hiresync::net
