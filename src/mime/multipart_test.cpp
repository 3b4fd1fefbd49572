#include "mime/multipart.hpp"

#include <gtest/gtest.h>

namespace hiresync::mime {
namespace {

TEST(Multipart, SplitsPartsWithTheirHeadersAndBytes) {
  const std::string body =
      "preamble\r\n"
      "--b1\r\n"
      "Content-Type: application/http\r\n"
      "Content-ID: <response-2>\r\n"
      "\r\n"
      "HTTP/1.1 404 Not Found\r\n"
      "Content-Type: application/json\r\n"
      "\r\n"
      "{\"error\":{}}\r\n"
      "--b1\r\n"
      "Content-Type: application/http\r\n"
      "Content-ID: response-1\r\n"
      "\r\n"
      "HTTP/1.1 200 OK\r\n"
      "\r\n"
      "{}\r\n"
      "--b1--\r\n";
  auto parts = split_multipart("multipart/mixed; boundary=b1", body);
  ASSERT_TRUE(parts.ok()) << parts.error().detail;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].header("content-id"), "<response-2>");
  EXPECT_EQ((*parts)[0].header("Content-Type"), "application/http");
  EXPECT_EQ((*parts)[0].body.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << (*parts)[0].body;
  EXPECT_NE((*parts)[0].body.find("{\"error\":{}}"), std::string::npos);
  EXPECT_EQ((*parts)[1].header("Content-ID"), "response-1");
  EXPECT_EQ((*parts)[1].header("X-Absent"), "");
}

TEST(Multipart, RefusesWhatIsNotMultipart) {
  EXPECT_EQ(split_multipart("application/json", "{}").error().code, model::ErrorCode::kMalformedInput);
  EXPECT_FALSE(split_multipart("multipart/mixed; boundary=x", "no parts here").ok());
}

}  // namespace
}  // namespace hiresync::mime
