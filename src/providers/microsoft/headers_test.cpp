// The pure helpers: RFC 5322 header lines rebuilt from Graph's message JSON (names that need
// quoting, missing fields, injection attempts), the dates, and the cursor and page-token formats.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mime/mime.hpp"
#include "providers/microsoft/microsoft_internal.hpp"

namespace hiresync::providers::microsoft::internal {
namespace {

using nlohmann::json;

TEST(FormatMailbox, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(format_mailbox("Jane Doe", "jane@example.org"), "Jane Doe <jane@example.org>");
  EXPECT_EQ(format_mailbox("", "jane@example.org"), "jane@example.org");
  EXPECT_EQ(format_mailbox("  ", "jane@example.org"), "jane@example.org");
  EXPECT_EQ(format_mailbox("JANE@example.org", "jane@example.org"), "jane@example.org");
  EXPECT_EQ(format_mailbox("Doe, Jane", "jane@example.org"), "\"Doe, Jane\" <jane@example.org>");
  EXPECT_EQ(format_mailbox("R. Cruiter", "r@acme.com"), "\"R. Cruiter\" <r@acme.com>");
  EXPECT_EQ(format_mailbox("Say \"hi\" \\ bye", "a@b.c"), "\"Say \\\"hi\\\" \\\\ bye\" <a@b.c>");
  EXPECT_EQ(format_mailbox("José Müller", "jm@x.de"), "\"José Müller\" <jm@x.de>");
  EXPECT_EQ(format_mailbox("O'Brien", "ob@x.ie"), "O'Brien <ob@x.ie>");
}

TEST(FormatMailbox, NeverBreaksTheHeaderBlock) {
  EXPECT_EQ(format_mailbox("Evil\r\nBcc: x@y.z", "a@b.c"), "\"Evil  Bcc: x@y.z\" <a@b.c>");
  EXPECT_EQ(format_mailbox("Name", ""), "");
  EXPECT_EQ(format_mailbox("Name", "a@b.c>\r\nX: y"), "");
  EXPECT_EQ(format_mailbox("Name", "a b@c.d"), "");
  EXPECT_EQ(format_mailbox("Name", "a@b.c, d@e.f"), "");
}

TEST(RebuildHeaders, MissingAndEmptyFieldsGiveNoLine) {
  EXPECT_EQ(rebuild_headers(json::object()), "");
  EXPECT_EQ(rebuild_headers(json::array()), "");
  const json message = {
      {"from", nullptr},
      {"sender", {{"emailAddress", {{"name", "No Address"}}}}},
      {"toRecipients", json::array({{{"emailAddress", {{"address", "to@x.org"}}}}, 5, "x"})},
      {"ccRecipients", nullptr},
      {"subject", ""},
      {"sentDateTime", "not a date"},
      {"internetMessageId", nullptr},
      {"internetMessageHeaders", json::array({{{"name", "X-Other"}, {"value", "1"}}})}};
  EXPECT_EQ(rebuild_headers(message), "To: to@x.org\r\n");
}

TEST(RebuildHeaders, ReplyToAndBccAndLineBreaksInValues) {
  const json message = {
      {"from", {{"emailAddress", {{"name", "Jane"}, {"address", "jane@example.org"}}}}},
      {"replyTo",
       json::array({{{"emailAddress", {{"name", "Jobs, Team"}, {"address", "jobs@example.org"}}}}})},
      {"bccRecipients", json::array({{{"emailAddress", {{"name", ""}, {"address", "b@x.org"}}}},
                                     {{"emailAddress", {{"name", "C"}, {"address", "c@x.org"}}}}})},
      {"subject", "Line one\r\nBcc: injected@x.org"},
      {"sentDateTime", "2024-02-29T23:59:59.5+01:00"}};
  const std::string headers = rebuild_headers(message);
  EXPECT_EQ(headers,
            "From: Jane <jane@example.org>\r\n"
            "Reply-To: \"Jobs, Team\" <jobs@example.org>\r\n"
            "Bcc: b@x.org, C <c@x.org>\r\n"
            "Subject: Line one  Bcc: injected@x.org\r\n"
            "Date: Thu, 29 Feb 2024 22:59:59 +0000\r\n");
  auto parsed = mime::parse_headers(headers);
  ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
  ASSERT_EQ(parsed->participants.size(), 4U);
  EXPECT_EQ(parsed->participants[1].address.name, "Jobs, Team");
  EXPECT_EQ(parsed->participants[1].role, model::HeaderRole::kReplyTo);
  EXPECT_EQ(parsed->participants[2].role, model::HeaderRole::kBcc);
}

TEST(RebuildHeaders, Utf8NamesSurviveTheMimeParser) {
  const json message = {{"from", {{"emailAddress", {{"name", "Müller, José"}, {"address", "jm@x.de"}}}}},
                        {"subject", "Entretien – poste"}};
  auto parsed = mime::parse_headers(rebuild_headers(message));
  ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
  ASSERT_EQ(parsed->participants.size(), 1U);
  EXPECT_EQ(parsed->participants[0].address.name, "Müller, José");
  EXPECT_EQ(parsed->participants[0].address.email, "jm@x.de");
  EXPECT_EQ(parsed->subject, "Entretien – poste");
}

TEST(Time, IsoFormattingAndParsing) {
  EXPECT_EQ(iso_time(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso_time(1718012345), "2024-06-10T09:39:05Z");
  EXPECT_EQ(iso_time(951868799), "2000-02-29T23:59:59Z");
  EXPECT_EQ(parse_iso_time_ms("2024-06-10T09:39:05Z"), 1718012345000);
  EXPECT_EQ(parse_iso_time_ms("2024-06-10T09:39:05.1234567Z"), 1718012345123);
  EXPECT_EQ(parse_iso_time_ms("2024-06-10T11:39:05+02:00"), 1718012345000);
  EXPECT_EQ(parse_iso_time_ms("2024-06-10T04:39:05.5-05:00"), 1718012345500);
  EXPECT_EQ(parse_iso_time_ms("1969-12-31T23:59:59Z"), -1000);
  for (const char* bad :
       {"", "2024-06-10", "2024-06-10T09:39:05", "2024-13-10T09:39:05Z", "2024-06-10T09:39:05.Z",
        "2024-06-10T09:39:05Zjunk", "2024-06-10 09:39:05Z", "2024-06-10T09:39:05+0200"}) {
    EXPECT_FALSE(parse_iso_time_ms(bad).has_value()) << bad;
  }
}

TEST(Time, Rfc5322Dates) {
  EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1718012345), "Mon, 10 Jun 2024 09:39:05 +0000");
  EXPECT_EQ(rfc5322_date(-86400), "Wed, 31 Dec 1969 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(4102444800), "Fri, 01 Jan 2100 00:00:00 +0000");
}

TEST(CursorFormats, RoundTrip) {
  DeltaCursor cursor;
  cursor.since = "2024-06-10T09:39:05Z";
  cursor.untracked = {"AQMk-junk", "AQMk-deleted"};
  cursor.folders = {{"AQMk-inbox", "https://g/v1.0/a?$deltatoken=1"},
                    {"AQMk-custom", "https://g/v1.0/b?$deltatoken=2"}};
  const std::string text = serialize_cursor(cursor);
  EXPECT_EQ(nlohmann::json::parse(text)["v"], 2);
  auto back = parse_cursor(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->since, cursor.since);
  EXPECT_EQ(back->untracked, cursor.untracked);
  EXPECT_EQ(back->folders, cursor.folders);
  EXPECT_FALSE(back->legacy);
  // Right after profile(): no folder yet.
  auto fresh = parse_cursor(R"({"v":2,"since":"2024-06-10T09:39:05Z","untracked":[],"folders":{}})");
  ASSERT_TRUE(fresh.has_value());
  EXPECT_TRUE(fresh->folders.empty() && fresh->untracked.empty());
  EXPECT_FALSE(parse_cursor("").has_value());
  EXPECT_FALSE(parse_cursor("123").has_value());
  EXPECT_FALSE(parse_cursor(R"({"v":3,"folders":{}})").has_value());
  EXPECT_FALSE(parse_cursor(R"({"v":2,"folders":{"a":""}})").has_value());
  EXPECT_FALSE(parse_cursor(R"({"v":2})").has_value());

  const DeltaPageToken token{{"AQMk-inbox", "AQMk-new"},
                             {"https://g/v1.0/a?$deltatoken=1", ""},
                             1,
                             "https://g/v1.0/b?$skiptoken=3",
                             cursor};
  auto token_back = parse_page_token(serialize_page_token(token));
  ASSERT_TRUE(token_back.has_value());
  EXPECT_EQ(token_back->order, token.order);
  EXPECT_EQ(token_back->links, token.links);
  EXPECT_EQ(token_back->at, 1U);
  EXPECT_EQ(token_back->next, token.next);
  EXPECT_EQ(token_back->reached.folders, cursor.folders);
  EXPECT_FALSE(parse_page_token(R"({"order":["a"],"links":[""],"at":0,"next":""})").has_value());
  EXPECT_FALSE(
      parse_page_token(R"({"order":["a"],"links":[""],"at":1,"next":"x","reached":{"v":2,"folders":{}}})")
          .has_value());
  EXPECT_FALSE(
      parse_page_token(R"({"order":["a"],"links":[],"at":0,"next":"x","reached":{"v":2,"folders":{}}})")
          .has_value());
  EXPECT_TRUE(
      parse_page_token(R"({"order":["a"],"links":[""],"at":0,"next":"x","reached":{"v":2,"folders":{}}})")
          .has_value());
}

TEST(CursorFormats, TheFirstFormatParsesForAnUpgrade) {
  // What the connector stored before it tracked every folder: the two links by well-known name.
  auto old = parse_cursor(
      R"({"inbox":"https://g/v1.0/a?$deltatoken=1","sentitems":"https://g/v1.0/b?$deltatoken=2"})");
  ASSERT_TRUE(old.has_value());
  EXPECT_TRUE(old->legacy);
  EXPECT_EQ(old->since, "");
  EXPECT_TRUE(old->untracked.empty());
  EXPECT_EQ(old->folders,
            (std::map<std::string, std::string>{{"inbox", "https://g/v1.0/a?$deltatoken=1"},
                                                {"sentitems", "https://g/v1.0/b?$deltatoken=2"}}));
  EXPECT_FALSE(parse_cursor(R"({"inbox":"x","sentitems":""})").has_value());
  EXPECT_FALSE(parse_cursor(R"({"inbox":"x"})").has_value());
}

}  // namespace
}  // namespace hiresync::providers::microsoft::internal
