#include "sandbox/google/query.hpp"

#include <gtest/gtest.h>

namespace hiresync::sandbox::google {
namespace {

SearchableMessage sample() {
  SearchableMessage m;
  m.from = {"jane.doe@example.org"};
  m.to = {"recruiter@acme.com", "bob@acme.com"};
  m.cc = {"carol@other.net"};
  m.bcc = {"hidden@acme.com"};
  m.message_id = "CAF0abc@mail.gmail.com";
  m.subject = "Re: Senior Engineer role";
  m.snippet = "Thanks for reaching out";
  m.internal_date_ms = 1718012345678;  // 2024-06-10T09:39:05Z
  m.labels = {"INBOX", "UNREAD"};
  return m;
}

bool matches(const std::string& q, const SearchableMessage& m = sample()) {
  auto parsed = Query::parse(q);
  EXPECT_TRUE(parsed.ok()) << q;
  return parsed.ok() && parsed->matches(m);
}

TEST(QueryTest, EmptyMatchesEverything) {
  EXPECT_TRUE(matches(""));
  EXPECT_TRUE(matches("   "));
}

TEST(QueryTest, AddressFieldsMatchSubstringsCaseInsensitively) {
  EXPECT_TRUE(matches("from:jane.doe@example.org"));
  EXPECT_TRUE(matches("from:JANE.DOE@Example.ORG"));
  EXPECT_TRUE(matches("from:example.org"));
  EXPECT_FALSE(matches("from:recruiter@acme.com"));
  EXPECT_TRUE(matches("to:bob@acme.com"));
  EXPECT_TRUE(matches("cc:carol"));
  EXPECT_FALSE(matches("cc:bob"));
  EXPECT_TRUE(matches("bcc:hidden@acme.com"));
}

TEST(QueryTest, ImplicitAndOrParenthesesAndNegation) {
  EXPECT_TRUE(matches("from:jane to:bob"));
  EXPECT_FALSE(matches("from:jane to:nobody"));
  EXPECT_TRUE(matches("from:nobody OR to:bob"));
  EXPECT_FALSE(matches("from:nobody OR to:nobody"));
  EXPECT_TRUE(matches("(from:nobody OR from:jane) to:recruiter"));
  EXPECT_FALSE(matches("(from:nobody OR from:jane) to:nobody"));
  EXPECT_TRUE(matches("from:jane -to:nobody"));
  EXPECT_FALSE(matches("-from:jane"));
  EXPECT_TRUE(matches("{from:nobody to:bob}"));
  EXPECT_TRUE(matches("from:(nobody OR jane)"));
  EXPECT_FALSE(matches("from:(nobody OR someone)"));
  EXPECT_TRUE(matches("from:jane AND to:bob"));
}

TEST(QueryTest, OrBindsTighterThanImplicitAnd) {
  // a b OR c == a AND (b OR c)
  EXPECT_TRUE(matches("from:jane to:nobody OR to:bob"));
  EXPECT_FALSE(matches("from:nobody to:nobody OR to:bob"));
}

TEST(QueryTest, QuotedValues) {
  EXPECT_TRUE(matches("subject:\"senior engineer\""));
  EXPECT_FALSE(matches("subject:\"junior engineer\""));
  EXPECT_TRUE(matches("\"reaching out\""));
  EXPECT_TRUE(matches("from:\"jane.doe@example.org\""));
}

TEST(QueryTest, DatesInEpochSecondsAndCalendarForm) {
  EXPECT_TRUE(matches("after:1718012345"));
  EXPECT_FALSE(matches("after:1718012346"));
  EXPECT_TRUE(matches("before:1718012346"));
  EXPECT_FALSE(matches("before:1718012345"));
  EXPECT_TRUE(matches("after:2024/06/10 before:2024/06/11"));
  EXPECT_FALSE(matches("after:2024/06/11"));
  EXPECT_TRUE(matches("after:2024-06-09"));
  auto d = parse_search_date("2024/06/10");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, 1717977600);
}

TEST(QueryTest, Rfc822MsgIdWithOrWithoutBrackets) {
  EXPECT_TRUE(matches("rfc822msgid:<CAF0abc@mail.gmail.com>"));
  EXPECT_TRUE(matches("rfc822msgid:caf0abc@mail.gmail.com"));
  EXPECT_FALSE(matches("rfc822msgid:other@mail.gmail.com"));
  EXPECT_FALSE(matches("rfc822msgid:CAF0abc"));  // exact, not a substring
}

TEST(QueryTest, LabelsAndBareWords) {
  EXPECT_TRUE(matches("in:inbox"));
  EXPECT_TRUE(matches("label:UNREAD"));
  EXPECT_FALSE(matches("in:sent"));
  EXPECT_TRUE(matches("engineer"));
  EXPECT_TRUE(matches("acme.com"));
  EXPECT_FALSE(matches("unicorn"));
}

TEST(QueryTest, MalformedQueriesAreRefused) {
  EXPECT_FALSE(Query::parse("(from:jane").ok());
  EXPECT_FALSE(Query::parse("from:jane)").ok());
  EXPECT_FALSE(Query::parse("subject:\"open").ok());
  EXPECT_FALSE(Query::parse("from:jane OR").ok());
  EXPECT_FALSE(Query::parse("after:2024/13/40").ok());
  EXPECT_FALSE(Query::parse("before:yesterday").ok());
}

}  // namespace
}  // namespace hiresync::sandbox::google
