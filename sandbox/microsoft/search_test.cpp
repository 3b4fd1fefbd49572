// KQL-ish $search parsing and matching.
#include "sandbox/microsoft/search.hpp"

#include <gtest/gtest.h>

namespace hiresync::sandbox::microsoft {
namespace {

MessageContent message() {
  MessageContent m;
  m.from = {{"Jane Doe", "Jane@Example.org"}};
  m.to = {{"", "recruiter@contoso.example"}};
  m.cc = {{"", "boss@contoso.example"}};
  m.subject = "Senior Engineer role";
  return m;
}

bool match(const std::string& q) {
  auto s = Search::parse(q);
  EXPECT_TRUE(s.ok()) << q;
  return s.ok() && s->matches(message());
}

TEST(SearchTest, PropertiesOperatorsAndQuotes) {
  EXPECT_TRUE(match("\"from:jane@example.org\""));
  EXPECT_FALSE(match("\"to:jane@example.org\""));
  EXPECT_TRUE(match("\"to:recruiter@contoso.example\""));
  EXPECT_TRUE(match("\"cc:boss@contoso.example\""));
  EXPECT_TRUE(match("\"participants:boss@contoso.example\""));
  EXPECT_TRUE(match("\"recipients:boss@contoso.example\""));
  EXPECT_TRUE(match("\"jane@example.org\""));
  EXPECT_TRUE(match("\"from:nobody@x.org OR to:recruiter@contoso.example\""));
  EXPECT_FALSE(match("\"from:nobody@x.org to:recruiter@contoso.example\""));
  EXPECT_TRUE(match("\"from:jane@example.org AND subject:engineer\""));
  EXPECT_TRUE(match("\"subject:'senior engineer'\""));
  EXPECT_TRUE(match("\"subject:\\\"senior engineer\\\"\""));
  EXPECT_TRUE(match("\"(from:a@b.c OR from:jane@example.org) NOT to:x@y.z\""));
  EXPECT_FALSE(match("\"NOT jane\""));
}

TEST(SearchTest, RejectsMalformedQueries) {
  for (const char* q : {"from:jane", "\"\"", "\"(from:a\"", "\"unknown:x\"", "\"subject:'open\""}) {
    EXPECT_FALSE(Search::parse(q).ok()) << q;
  }
}

}  // namespace
}  // namespace hiresync::sandbox::microsoft
