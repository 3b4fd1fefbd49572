// The plain-text shortcut of parse_message() (plain_body.hpp) must give exactly what GMime gives.
// Checked on every fixture, on hand-made edge cases, and on every message of the real corpus when
// HIRESYNC_CORPUS names it (as `make test` does).
#include "mime/plain_body.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mime/mime.hpp"
#include "mime/test_support.hpp"

namespace hiresync::mime {
namespace {

using testing::read_fixture;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Returns whether the shortcut applied; fails the test when it disagrees with GMime.
bool check_same_as_gmime(const std::string& raw, const std::string& label) {
  auto text = plain_text_body(raw);
  if (!text) return false;
  auto gmime = parse_message_with_gmime(raw);
  if (!gmime.ok()) {
    ADD_FAILURE() << label << ": the shortcut accepted what GMime rejects";
    return true;
  }
  EXPECT_EQ(*text, gmime->text) << label;
  EXPECT_TRUE(gmime->html.empty()) << label;
  EXPECT_TRUE(gmime->attachments.empty()) << label;
  auto full = parse_message(raw);
  EXPECT_TRUE(full.ok()) << label;
  if (full.ok()) {
    EXPECT_EQ(full->text, gmime->text) << label;
  }
  return true;
}

TEST(PlainBody, TakesOnlySinglePartPlainTextInAnIdentityEncoding) {
  const std::string head = "From: a@x.org\nTo: b@y.org\nSubject: s\n";
  EXPECT_TRUE(plain_text_body(head + "\nhello\n"));
  EXPECT_TRUE(plain_text_body(head + "Content-Type: text/plain; charset=\"UTF-8\"; format=flowed\n\nhé\n"));
  EXPECT_TRUE(plain_text_body(head + "Content-Type: TEXT/PLAIN\nContent-Transfer-Encoding: 8bit\n\nx\n"));
  EXPECT_FALSE(plain_text_body(head + "Content-Type: text/html\n\n<p>x</p>\n"));
  EXPECT_FALSE(plain_text_body(head + "Content-Type: text/plain; charset=iso-8859-1\n\nx\n"));
  EXPECT_FALSE(plain_text_body(head + "Content-Transfer-Encoding: base64\n\naGk=\n"));
  EXPECT_FALSE(plain_text_body(head + "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n"));
  EXPECT_FALSE(plain_text_body(head + "Content-Disposition: attachment; filename=a.txt\n\nx\n"));
  EXPECT_FALSE(plain_text_body(head + "Content-Type: text/plain; charset*=utf-8''x\n\nx\n"));
  EXPECT_FALSE(plain_text_body(head + "Content-Type: text/plain (comment)\n\nx\n"));
  EXPECT_FALSE(plain_text_body(head + "Content-Type: text/plain\nContent-Type: text/html\n\nx\n"));
}

TEST(PlainBody, EdgeCasesAgreeWithGMime) {
  const std::string head = "From: a@x.org\nTo: b@y.org\nSubject: s\n";
  int applied = 0;
  for (const std::string& raw :
       {head + "\nhello\n", head + "\n", head + "\nno final newline",
        head + "Content-Type: text/plain; charset=us-ascii\n\n\xE9t\xE9 latin bytes\n",
        head + "\r\nCRLF body\r\nline two\r\n", "From x@y Mon Jan  1 00:00:00 2001\n" + head + "\nmbox\n",
        head + "\n\n\nleading blank lines\n"}) {
    applied += check_same_as_gmime(raw, raw.substr(0, 80)) ? 1 : 0;
  }
  EXPECT_EQ(applied, 7);
}

TEST(PlainBody, EveryFixtureAgreesWithGMime) {
  for (const auto& entry : std::filesystem::directory_iterator(std::string(HIRESYNC_FIXTURES) + "/mime")) {
    if (entry.path().extension() != ".eml") continue;
    check_same_as_gmime(read_fixture(entry.path().filename().string()), entry.path().string());
  }
}

TEST(PlainBody, EveryCorpusMessageAgreesWithGMime) {
  const char* corpus = std::getenv("HIRESYNC_CORPUS");
  if (corpus == nullptr) GTEST_SKIP() << "HIRESYNC_CORPUS is not set (make test sets it)";
  int applied = 0;
  int total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(corpus)) {
    if (!entry.is_regular_file()) continue;
    ++total;
    applied += check_same_as_gmime(read_file(entry.path().string()), entry.path().string()) ? 1 : 0;
  }
  EXPECT_EQ(total, 6046);
  EXPECT_GT(applied, total / 3) << "the shortcut should cover most plain mail";
}

}  // namespace
}  // namespace hiresync::mime
