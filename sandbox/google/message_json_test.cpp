#include "sandbox/google/message_json.hpp"

#include <gtest/gtest.h>

#include "net/http.hpp"
#include "sandbox/google/mime_tree.hpp"

namespace hiresync::sandbox::google {
namespace {

const char kMultipart[] =
    "From: \"Doe, Jane\" <jane@example.org>\r\n"
    "To: rita@acme.com,\r\n"
    " bob@acme.com\r\n"
    "Subject: Re: Senior\r\n"
    "  Engineer role\r\n"
    "Message-Id: <abc@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Caf=C3=A9 at 5? Let's =\r\n"
    "talk.\r\n"
    "--inner\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>Caf\xC3\xA9 at 5?</p>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf; name=\"cv.pdf\"\r\n"
    "Content-Disposition: attachment; filename=\"cv.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQK\r\n"
    "--outer--\r\n";

StoredMessage stored(const std::string& raw) {
  auto prepared = prepare_message("inbox", raw, 1718012345678);
  EXPECT_TRUE(prepared.ok());
  StoredMessage m;
  m.id = "18c2f0a1b2c3d4e5";
  m.thread_id = "18c2f0a1b2c3d4e5";
  m.history_id = 9876600;
  m.content = std::move(prepared).value();
  return m;
}

std::string decoded(const nlohmann::json& data) {
  auto bytes = net::base64url_decode(data.get<std::string>());
  EXPECT_TRUE(bytes.has_value());
  return bytes.value_or("");
}

TEST(MessageJsonTest, MinimalCarriesIdsLabelsAndStringNumbers) {
  const nlohmann::json j = render_message(stored(kMultipart), MessageFormat::kMinimal, {});
  EXPECT_EQ(j["id"], "18c2f0a1b2c3d4e5");
  EXPECT_EQ(j["threadId"], "18c2f0a1b2c3d4e5");
  EXPECT_EQ(j["labelIds"], nlohmann::json({"INBOX", "UNREAD"}));
  EXPECT_EQ(j["historyId"], "9876600");
  EXPECT_EQ(j["internalDate"], "1718012345678");
  EXPECT_EQ(j["sizeEstimate"], sizeof(kMultipart) - 1);
  EXPECT_EQ(j["snippet"], "Café at 5? Let&#39;s talk.");
  EXPECT_FALSE(j.contains("payload"));
  EXPECT_FALSE(j.contains("raw"));
}

TEST(MessageJsonTest, MetadataFiltersHeadersCaseInsensitivelyAndUnfolds) {
  const nlohmann::json j =
      render_message(stored(kMultipart), MessageFormat::kMetadata, {"subject", "MESSAGE-ID", "to"});
  const nlohmann::json& payload = j["payload"];
  EXPECT_EQ(payload["mimeType"], "multipart/mixed");
  ASSERT_EQ(payload["headers"].size(), 3u);
  EXPECT_EQ(payload["headers"][0]["name"], "To");
  EXPECT_EQ(payload["headers"][0]["value"], "rita@acme.com, bob@acme.com");
  EXPECT_EQ(payload["headers"][1]["name"], "Subject");
  EXPECT_EQ(payload["headers"][1]["value"], "Re: Senior  Engineer role");
  EXPECT_EQ(payload["headers"][2]["name"], "Message-Id");
  EXPECT_EQ(payload["headers"][2]["value"], "<abc@example.org>");
  EXPECT_FALSE(payload.contains("parts"));

  const nlohmann::json all = render_message(stored(kMultipart), MessageFormat::kMetadata, {});
  EXPECT_EQ(all["payload"]["headers"].size(), 6u);
}

TEST(MessageJsonTest, FullIsTheMimeTreeWithBase64UrlBodies) {
  const nlohmann::json j = render_message(stored(kMultipart), MessageFormat::kFull, {});
  const nlohmann::json& p = j["payload"];
  EXPECT_EQ(p["partId"], "");
  EXPECT_EQ(p["mimeType"], "multipart/mixed");
  EXPECT_EQ(p["body"]["size"], 0);
  ASSERT_EQ(p["parts"].size(), 2u);
  const nlohmann::json& alt = p["parts"][0];
  EXPECT_EQ(alt["partId"], "0");
  EXPECT_EQ(alt["mimeType"], "multipart/alternative");
  ASSERT_EQ(alt["parts"].size(), 2u);
  EXPECT_EQ(alt["parts"][0]["partId"], "0.0");
  EXPECT_EQ(alt["parts"][0]["mimeType"], "text/plain");
  EXPECT_EQ(decoded(alt["parts"][0]["body"]["data"]), "Caf\xC3\xA9 at 5? Let's talk.");
  EXPECT_EQ(alt["parts"][0]["body"]["size"], std::string("Caf\xC3\xA9 at 5? Let's talk.").size());
  EXPECT_EQ(alt["parts"][1]["partId"], "0.1");
  EXPECT_EQ(decoded(alt["parts"][1]["body"]["data"]), "<p>Caf\xC3\xA9 at 5?</p>");
  const nlohmann::json& pdf = p["parts"][1];
  EXPECT_EQ(pdf["partId"], "1");
  EXPECT_EQ(pdf["filename"], "cv.pdf");
  EXPECT_EQ(pdf["mimeType"], "application/pdf");
  EXPECT_EQ(decoded(pdf["body"]["data"]), "%PDF-1.4\n");
  EXPECT_EQ(pdf["headers"][0]["name"], "Content-Type");
}

TEST(MessageJsonTest, RawIsTheExactBytes) {
  const nlohmann::json j = render_message(stored(kMultipart), MessageFormat::kRaw, {});
  EXPECT_EQ(decoded(j["raw"]), kMultipart);
  EXPECT_FALSE(j.contains("payload"));
}

TEST(MessageJsonTest, SinglePartAndOddInput) {
  const nlohmann::json plain =
      render_message(stored("Subject: hi\nContent-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ=\n"),
                     MessageFormat::kFull, {});
  EXPECT_EQ(plain["payload"]["mimeType"], "text/plain");
  EXPECT_EQ(decoded(plain["payload"]["body"]["data"]), "hello world");
  EXPECT_FALSE(plain["payload"].contains("parts"));

  const MimePart broken = parse_mime_tree("Content-Type: multipart/mixed; boundary=x\n\nno delimiters here");
  EXPECT_TRUE(broken.parts.empty());
  const MimePart nothing = parse_mime_tree("");
  EXPECT_EQ(nothing.mime_type, "text/plain");
  EXPECT_EQ(parse_message_format("minimal"), MessageFormat::kMinimal);
  EXPECT_FALSE(parse_message_format("FULL").has_value());
}

}  // namespace
}  // namespace hiresync::sandbox::google
