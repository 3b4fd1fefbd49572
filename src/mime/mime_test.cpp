// Behaviour of parse_headers() and parse_message() on the fixtures in tests/fixtures/mime/.
// Robustness (fuzzing, huge inputs, threads) and the fast-path differential tests live in
// mime_robustness_test.cpp.
#include "mime/mime.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mime/test_support.hpp"

namespace hiresync::mime {
namespace {

using model::HeaderRole;
using model::MessageHeaders;
using testing::read_fixture;

struct Expected {
  HeaderRole role;
  std::string name;
  std::string email;
};

MessageHeaders headers_of(std::string_view fixture) {
  model::Result<MessageHeaders> result = parse_headers(read_fixture(fixture));
  EXPECT_TRUE(result.ok()) << fixture << ": " << (result.ok() ? "" : result.error().detail);
  return result.ok() ? std::move(result).value() : MessageHeaders{};
}

model::ParsedMessage message_of(std::string_view fixture) {
  model::Result<model::ParsedMessage> result = parse_message(read_fixture(fixture));
  EXPECT_TRUE(result.ok()) << fixture << ": " << (result.ok() ? "" : result.error().detail);
  return result.ok() ? std::move(result).value() : model::ParsedMessage{};
}

void expect_participants(const MessageHeaders& headers, const std::vector<Expected>& expected) {
  ASSERT_EQ(headers.participants.size(), expected.size()) << testing::describe(headers);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const model::Participant& actual = headers.participants[i];
    EXPECT_EQ(actual.role, expected[i].role) << "participant " << i << ": " << to_string(actual.role);
    EXPECT_EQ(actual.address.name, expected[i].name) << "participant " << i;
    EXPECT_EQ(actual.address.email, expected[i].email) << "participant " << i;
  }
}

std::string to_crlf(const std::string& lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

TEST(ParseHeaders, PlainFromToCc) {
  const MessageHeaders h = headers_of("plain.eml");
  expect_participants(h, {{HeaderRole::kFrom, "Ann Lee", "ann.lee@example.org"},
                          {HeaderRole::kTo, "Bob Stone", "bob@hiresync.test"},
                          {HeaderRole::kTo, "", "carol@example.com"},
                          {HeaderRole::kCc, "Diaz, Dan", "dan.diaz@example.net"}});
  EXPECT_EQ(h.subject, "Senior backend role");
  EXPECT_EQ(h.message_id, "CAF1234.5678@mail.example.org");
  EXPECT_EQ(h.date, 1717492500);  // Tue, 04 Jun 2024 11:15:00 +0200
}

TEST(ParseHeaders, EveryRoleInRoleOrderWithRepeatedFieldsKept) {
  // The fixture has Bcc first, From last, and two To: fields.
  expect_participants(headers_of("all_roles.eml"),
                      {{HeaderRole::kFrom, "Recruiter Rae", "rae@agency.example"},
                       {HeaderRole::kSender, "Mailer Bot", "bot@agency.example"},
                       {HeaderRole::kReplyTo, "Jobs Desk", "jobs@agency.example"},
                       {HeaderRole::kTo, "", "first.to@example.org"},
                       {HeaderRole::kTo, "Second, To", "second.to@example.org"},
                       {HeaderRole::kCc, "", "cc.one@example.org"},
                       {HeaderRole::kCc, "CC Two", "cc.two@example.org"},
                       {HeaderRole::kBcc, "", "hidden@example.org"}});
}

TEST(ParseHeaders, Rfc2047DisplayNamesInBase64AndQuotedPrintable) {
  expect_participants(headers_of("encoded_words.eml"),
                      {{HeaderRole::kFrom, "Jürgen Müller", "juergen@example.de"},  // UTF-8 B
                       {HeaderRole::kTo, "André Dupont", "andre@example.fr"},       // ISO-8859-1 Q
                       {HeaderRole::kTo, "Björk", "bjork@example.is"}});            // inside quotes
}

TEST(ParseHeaders, EncodedSubjectAcrossFoldedWords) {
  // Two encoded words on two lines: the folding whitespace between them disappears.
  EXPECT_EQ(headers_of("encoded_words.eml").subject, "Entretien d’embauche – Senior Engineer");
  EXPECT_EQ(headers_of("html_only_newsletter.eml").subject, "🚀 3 new candidates for you");
}

TEST(ParseHeaders, GroupMembersAreParticipantsAndEmptyGroupsAddNothing) {
  expect_participants(headers_of("groups.eml"), {{HeaderRole::kFrom, "Hiring Team", "hiring@example.com"},
                                                 {HeaderRole::kCc, "", "a@example.org"},
                                                 {HeaderRole::kCc, "Bea", "b@example.org"},
                                                 {HeaderRole::kCc, "", "c@example.org"}});
}

TEST(ParseHeaders, CommentsAndObsoleteSyntax) {
  expect_participants(headers_of("comments_obsolete.eml"),
                      {{HeaderRole::kFrom, "Ann Lee", "ann@example.org"},  // name from the comment
                       {HeaderRole::kTo, "", "bob@example.org"},           // route dropped
                       {HeaderRole::kTo, "", "\"john q. public\"@example.com"},
                       {HeaderRole::kCc, "Pete", "pete@silly.test"},  // comments inside the address
                       {HeaderRole::kCc, "Mary Smith", "mary.smith@example.org"}});  // CFWS around dots
  EXPECT_EQ(headers_of("comments_obsolete.eml").date, 1717668000);                   // 6 Jun 2024 10:00 GMT
}

TEST(ParseHeaders, RawUtf8HeadersKeepAddressesAsWritten) {
  const MessageHeaders h = headers_of("utf8_headers.eml");
  expect_participants(h, {{HeaderRole::kFrom, "Zoë Ångström", "zoë@bücher.de"},
                          {HeaderRole::kTo, "山田太郎", "taro@example.jp"},
                          // GMime would turn the punycode into "bücher.de"; we keep what was written.
                          {HeaderRole::kTo, "José", "jose@xn--bcher-kva.de"}});
  EXPECT_EQ(h.subject, "Entretien – Zoë");
  EXPECT_EQ(h.message_id, "utf8-ü@example.de");
}

TEST(ParseHeaders, Raw8BitHeaderBytesComeOutAsUtf8) {
  const MessageHeaders h = headers_of("latin1_headers.eml");
  expect_participants(h, {{HeaderRole::kFrom, "André Dupont", "andre@example.fr"},
                          {HeaderRole::kTo, "Müller, Jürgen", "juergen@example.de"}});
  EXPECT_EQ(h.subject, "Café crème “offer”");  // 0x93/0x94 read as Windows-1252 quotes
}

TEST(ParseHeaders, FoldedHeadersWithCrlf) {
  const MessageHeaders h = headers_of("folded_crlf.eml");
  expect_participants(h, {{HeaderRole::kFrom, "Recruiter Rae", "rae@agency.example"},
                          {HeaderRole::kTo, "", "one@example.org"},
                          {HeaderRole::kTo, "", "two@example.org"},
                          {HeaderRole::kTo, "Three Person", "three@example.org"}});
  EXPECT_EQ(h.subject, "A subject that goes on and on");
  EXPECT_EQ(h.date, 1717848000);  // Sat, 8 Jun 2024 12:00:00 +0000, folded after the year
  EXPECT_EQ(h.message_id, "folded.crlf@agency.example");
  EXPECT_EQ(h.references,
            (std::vector<std::string>{"a@agency.example", "b@agency.example", "c@agency.example"}));
}

TEST(ParseHeaders, CrlfAndLfGiveTheSameHeaders) {
  for (const char* fixture : {"plain.eml", "encoded_words.eml", "threading.eml", "groups.eml"}) {
    const std::string lf = read_fixture(fixture);
    const model::Result<MessageHeaders> from_lf = parse_headers(lf);
    const model::Result<MessageHeaders> from_crlf = parse_headers(to_crlf(lf));
    ASSERT_TRUE(from_lf.ok() && from_crlf.ok()) << fixture;
    EXPECT_EQ(testing::describe(*from_crlf), testing::describe(*from_lf)) << fixture;
  }
}

TEST(ParseHeaders, MessageIdInReplyToAndReferences) {
  const MessageHeaders h = headers_of("threading.eml");
  EXPECT_EQ(h.message_id, "reply.1@hiresync.test");  // blanks inside the brackets dropped
  // The phrase and the comment around the id are skipped; the first id is taken.
  EXPECT_EQ(h.in_reply_to, "CAF1234.5678@mail.example.org");
  // Oldest first, as written; an id without '@' does not stop the list (it does in GMime).
  EXPECT_EQ(h.references, (std::vector<std::string>{"root@mail.example.org", "no-at-sign",
                                                    "CAF1234.5678@mail.example.org"}));

  const MessageHeaders gmail = headers_of("gmail_style.eml");
  EXPECT_EQ(gmail.message_id, "CAJ+9xYz=abc_DEF-123@mail.gmail.com");
  EXPECT_EQ(gmail.in_reply_to, "AM0PR02MB1234ABCD@AM0PR02MB1234.eurprd02.prod.outlook.com");
  EXPECT_EQ(gmail.references.size(), 3U);
}

TEST(ParseHeaders, MessageIdWithoutBracketsIsKept) {
  EXPECT_EQ(headers_of("broken_spam.eml").message_id, "no-brackets@spam.example");
  const auto h = parse_headers("Message-ID: just-a-word\nIn-Reply-To: bare@example.org\n\n");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->message_id, "");  // neither brackets nor '@': not an id
  EXPECT_EQ(h->in_reply_to, "bare@example.org");
}

TEST(ParseHeaders, DateToExactUnixSeconds) {
  const std::vector<std::pair<std::string, std::int64_t>> cases{
      {"Tue, 04 Jun 2024 11:15:00 +0200", 1717492500},
      {"Thu, 22 Aug 2002 07:36:16 -0400 (EDT)", 1030016176},
      {"Thu, 29 Feb 2024 23:59:59 -0530", 1709270999},
      {"Fri, 31 Dec 1999 23:59:59 +0530", 946664999},
      {"6 Jun 2024 10:00 GMT", 1717668000},
      {"Mon, 1 Jan 2024 00:00:00 EST", 1704085200},  // obsolete zone name: GMime's path
      {"04 Aug 02 08:13:19 -0000", 1028448799},      // two-digit year: GMime's path
      {"Someday soon", 0},
      {"", 0},
  };
  for (const auto& [date, seconds] : cases) {
    const auto h = parse_headers("From: a@example.org\nDate: " + date + "\n\n");
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->date, seconds) << date;
  }
  EXPECT_EQ(headers_of("no_final_newline.eml").date, 0);  // no Date: at all
}

TEST(ParseHeaders, LeadingMboxFromLineIsIgnored) {
  const MessageHeaders h = headers_of("mbox_from_line.eml");
  expect_participants(
      h, {{HeaderRole::kFrom, "Rae", "rae@agency.example"}, {HeaderRole::kTo, "", "bob@hiresync.test"}});
  EXPECT_EQ(h.date, 1030016176);
}

TEST(ParseHeaders, MalformedInputsAreMalformedInputErrors) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {read_fixture("empty.eml"), "empty input"},
      {" \r\n\t\n", "empty input"},
      {read_fixture("binary.eml"), "binary data"},
      {std::string("\0\0\0\0From: a@example.org\n\n", 25), "binary data"},
      {read_fixture("json.eml"), "no header fields"},
      {read_fixture("json_pretty.eml"), "no header fields"},
      {read_fixture("only_body.eml"), "no header fields"},
      {"\nFrom: a@example.org\n", "no header fields"},  // the empty line comes first: all body
      {"From nobody Mon Jan  1 00:00:00 2024\n\nbody\n", "no header fields"},
  };
  for (const auto& [raw, detail] : cases) {
    const model::Result<MessageHeaders> headers = parse_headers(raw);
    ASSERT_FALSE(headers.ok()) << detail;
    EXPECT_EQ(headers.error().code, model::ErrorCode::kMalformedInput);
    EXPECT_EQ(headers.error().detail, detail);
    const model::Result<model::ParsedMessage> message = parse_message(raw);
    ASSERT_FALSE(message.ok()) << detail;
    EXPECT_EQ(message.error().code, model::ErrorCode::kMalformedInput);
  }
}

TEST(ParseHeaders, InvalidLinesInsideTheHeaderBlockAreSkipped) {
  const MessageHeaders h = headers_of("broken_spam.eml");
  // "To: undisclosed-recipients:;" is an empty group; the stray '>' after From is tolerated.
  expect_participants(h, {{HeaderRole::kFrom, "Best Offer", "offer@spam.example"}});
  EXPECT_EQ(h.subject, "Cheap é deals");  // unknown charset in an encoded word: 8-bit fallback
  EXPECT_EQ(h.date, 0);                   // "Someday soon"
}

TEST(ParseHeaders, NulBytesLoneCrAndMissingFinalNewline) {
  const MessageHeaders nul = headers_of("nul_bytes.eml");
  expect_participants(nul, {{HeaderRole::kFrom, "Nul  Person", "nul@example.org"},
                            {HeaderRole::kTo, "", "bob@hiresync.test"}});
  EXPECT_EQ(nul.subject, "zero byte");

  const MessageHeaders cr = headers_of("lone_cr.eml");
  EXPECT_EQ(cr.subject, "Hello World");  // a lone CR is data, turned into a space
  EXPECT_EQ(cr.date, 1718100000);
  expect_participants(
      cr, {{HeaderRole::kFrom, "", "ann@example.org"}, {HeaderRole::kTo, "", "bob@hiresync.test"}});

  const MessageHeaders last = headers_of("no_final_newline.eml");
  EXPECT_EQ(last.subject, "No newline at the end");
}

TEST(ParseHeaders, BodyLinesThatLookLikeHeadersAreNotRead) {
  const auto h = parse_headers("From: a@example.org\n\nFrom: b@example.org\nSubject: no\n");
  ASSERT_TRUE(h.ok());
  expect_participants(*h, {{HeaderRole::kFrom, "", "a@example.org"}});
  EXPECT_EQ(h->subject, "");
}

TEST(ParseHeaders, FieldNamesAreCaseInsensitiveAndFirstSingletonWins) {
  const auto h = parse_headers(
      "SUBJECT: first\r\nsubject: second\r\nmessage-id: <one@x>\r\nMESSAGE-ID: <two@x>\r\n"
      "fRoM : spaced@example.org\r\n\r\n");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->subject, "first");
  EXPECT_EQ(h->message_id, "one@x");
  expect_participants(*h, {{HeaderRole::kFrom, "", "spaced@example.org"}});  // obsolete "name :"
}

TEST(ParseMessage, AlternativeBodiesDecodedToUtf8) {
  const model::ParsedMessage m = message_of("alternative.eml");
  // quoted-printable, ISO-8859-1, with a soft line break
  EXPECT_EQ(m.text,
            "Bonjour André,\nle café est prêt - voilà.\nA very long line that will need a soft line break "
            "because quoted printable lines are limited to 76 characters.\n");
  // base64, UTF-8
  EXPECT_EQ(m.html, "<html><body><p>Grüße from <b>Zürich</b> – 👋</p></body></html>\n");
  EXPECT_TRUE(m.attachments.empty());
}

TEST(ParseMessage, Iso88591LabelIsReadAsWindows1252) {
  const model::ParsedMessage m = message_of("outlook_style.eml");
  EXPECT_EQ(m.text, "Hi Bob,\n\nI’m free “Thursday” – does 10:00 work?\n");
  EXPECT_EQ(m.html, "<html><body><p>I’m free</p></body></html>\n");
}

TEST(ParseMessage, UnknownBodyCharsetFallsBackToWindows1252) {
  EXPECT_EQ(message_of("broken_spam.eml").text, "Café “special” offer!\n");
}

TEST(ParseMessage, AttachmentsKeepNameTypeAndDecodedSize) {
  const model::ParsedMessage m = message_of("attachments.eml");
  EXPECT_EQ(m.text, "Please find my CV attached.\n");
  EXPECT_EQ(m.html, "");
  ASSERT_EQ(m.attachments.size(), 4U);
  EXPECT_EQ(m.attachments[0].filename, "Résumé Ann Lee.pdf");  // RFC 2231 beats the Content-Type name
  EXPECT_EQ(m.attachments[0].content_type, "application/pdf");
  EXPECT_EQ(m.attachments[0].size, 2000U);
  EXPECT_EQ(m.attachments[1].filename, "photo été.png");  // no disposition, but a name: attachment
  EXPECT_EQ(m.attachments[1].content_type, "image/png");  // lowercased
  EXPECT_EQ(m.attachments[1].size, 100U);
  EXPECT_EQ(m.attachments[2].filename, "skills.csv");  // text, but Content-Disposition: attachment
  EXPECT_EQ(m.attachments[2].content_type, "text/csv");
  EXPECT_EQ(m.attachments[2].size, 19U);
  EXPECT_EQ(m.attachments[3].filename, "forwarded.eml");
  EXPECT_EQ(m.attachments[3].content_type, "message/rfc822");
  EXPECT_EQ(m.attachments[3].size, 205U);
  // The attached message is not this message: its headers and body stay out.
  EXPECT_EQ(m.headers.message_id, "att-1@example.org");
  EXPECT_EQ(m.text.find("Inner body"), std::string::npos);
}

TEST(ParseMessage, HtmlOnlyMessage) {
  const model::ParsedMessage m = message_of("html_only_newsletter.eml");
  EXPECT_EQ(m.text, "");
  EXPECT_EQ(m.html, "<html><body><h1>3 new candidates</h1><p>Zoë, José and 山田</p></body></html>");
}

TEST(ParseMessage, HeadersEqualParseHeadersForEveryFixture) {
  for (const std::string& fixture : testing::all_fixtures()) {
    const std::string raw = read_fixture(fixture);
    const model::Result<MessageHeaders> headers = parse_headers(raw);
    const model::Result<model::ParsedMessage> message = parse_message(raw);
    ASSERT_EQ(headers.ok(), message.ok()) << fixture;
    if (headers.ok()) {
      EXPECT_EQ(testing::describe(message->headers), testing::describe(*headers)) << fixture;
    }
  }
}

TEST(ParseMessage, BodyOfAMessageWithoutMimeHeadersIsText) {
  const model::ParsedMessage m = message_of("mbox_from_line.eml");
  EXPECT_EQ(m.text, ">From here on it is body.\n");
  const model::ParsedMessage crlf = message_of("folded_crlf.eml");
  EXPECT_EQ(crlf.text, "Line one.\r\nLine two.\r\n");  // bodies keep their line breaks
}

}  // namespace
}  // namespace hiresync::mime
