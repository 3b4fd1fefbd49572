#include "model/json_text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace hiresync::model {
namespace {

std::string as_json(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonText, EscapesWhatJsonRequiresAndKeepsUtf8) {
  EXPECT_EQ(as_json("plain"), "\"plain\"");
  EXPECT_EQ(as_json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(as_json("line\nnext\ttab\r"), "\"line\\nnext\\ttab\\r\"");
  EXPECT_EQ(as_json(std::string("nul\0x", 5)), "\"nul\\u0000x\"");
  EXPECT_EQ(as_json("Zoë 陈伟"), "\"Zoë 陈伟\"");
}

TEST(JsonText, InvalidUtf8BecomesReplacementCharactersAndStaysParseable) {
  const std::string bad =
      "caf\xE9 \xC3 \xED\xA0\x80 \xF4\x90\x80\x80 ok";  // Latin-1, cut, surrogate, >U+10FFFF
  const std::string text = as_json(bad);
  const auto parsed = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << text;
  const std::string back = parsed.get<std::string>();
  EXPECT_EQ(back.substr(0, 3), "caf");
  EXPECT_NE(back.find("\uFFFD"), std::string::npos);
  EXPECT_EQ(back.substr(back.size() - 3), " ok");
}

TEST(JsonText, StringArraysRoundTrip) {
  const std::vector<std::string> items{"m:a@x", "m:\"quoted\"@y", ""};
  const auto parsed = nlohmann::json::parse(json_string_array(items));
  EXPECT_EQ(parsed.get<std::vector<std::string>>(), items);
  EXPECT_EQ(json_string_array({}), "[]");
}

}  // namespace
}  // namespace hiresync::model
