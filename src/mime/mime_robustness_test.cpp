// Robustness of the mime parsers: truncated and random input, huge and hostile headers, threads,
// and the differential tests that keep the fast paths (simple_address, date) equal to GMime.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mime/address_list.hpp"
#include "mime/date.hpp"
#include "mime/mime.hpp"
#include "mime/simple_address.hpp"
#include "mime/test_support.hpp"
#include "mime/utf8.hpp"

namespace hiresync::mime {
namespace {

using model::HeaderRole;
using model::MessageHeaders;
using testing::read_fixture;

// Parses `raw` both ways and checks the invariants that hold for any input: no crash, valid UTF-8
// everywhere, and parse_message() agreeing with parse_headers().
void check_invariants(const std::string& raw, bool full_parse) {
  const model::Result<MessageHeaders> headers = parse_headers(raw);
  if (headers.ok()) {
    for (const std::string& s : testing::all_strings(*headers)) ASSERT_TRUE(testing::valid_utf8(s)) << s;
  } else {
    ASSERT_EQ(headers.error().code, model::ErrorCode::kMalformedInput);
  }
  if (!full_parse) return;
  const model::Result<model::ParsedMessage> message = parse_message(raw);
  ASSERT_EQ(message.ok(), headers.ok());
  if (!message.ok()) return;
  ASSERT_EQ(testing::describe(message->headers), testing::describe(*headers));
  ASSERT_TRUE(testing::valid_utf8(message->text));
  ASSERT_TRUE(testing::valid_utf8(message->html));
  for (const model::Attachment& a : message->attachments) {
    ASSERT_TRUE(testing::valid_utf8(a.filename));
    ASSERT_TRUE(testing::valid_utf8(a.content_type));
  }
}

TEST(Robustness, TruncatedPrefixesOfEveryFixture) {
  for (const std::string& fixture : testing::all_fixtures()) {
    const std::string raw = read_fixture(fixture);
    const std::size_t stride = raw.size() / 150 + 1;  // full parses are slower: ~150 per fixture
    for (std::size_t len = 0; len <= raw.size(); ++len) {
      SCOPED_TRACE(fixture + " truncated to " + std::to_string(len));
      check_invariants(raw.substr(0, len), len % stride == 0 || len == raw.size());
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(Robustness, RandomBytesAndMutatedFixtures) {
  std::mt19937 rng(20240604);  // fixed seed: failures reproduce
  const auto random_bytes = [&](std::size_t n, std::string_view alphabet) {
    std::string s(n, '\0');
    for (char& c : s) c = alphabet.empty() ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    return s;
  };
  // Bytes that matter to header syntax, to make random input reach deep paths.
  constexpr std::string_view kSyntax = "ab@.:;,<>()\"\\=?QB \t\r\n\x80\xC3\xA9\xFF\0";
  for (int i = 0; i < 300; ++i) {
    const std::string noise = random_bytes(rng() % 400, i % 2 == 0 ? std::string_view() : kSyntax);
    SCOPED_TRACE("random input " + std::to_string(i));
    check_invariants(noise, true);
    check_invariants("From: " + noise + "\nTo: " + noise + "\nSubject: " + noise + "\nDate: " + noise +
                         "\nReferences: " + noise + "\n\n" + noise,
                     true);
    if (::testing::Test::HasFatalFailure()) return;
  }
  for (const std::string& fixture : testing::all_fixtures()) {
    const std::string raw = read_fixture(fixture);
    if (raw.empty()) continue;
    for (int i = 0; i < 40; ++i) {
      std::string mutated = raw;
      for (int edits = 1 + static_cast<int>(rng() % 8); edits > 0; --edits) {
        mutated[rng() % mutated.size()] = kSyntax[rng() % kSyntax.size()];
      }
      SCOPED_TRACE(fixture + " mutation " + std::to_string(i));
      check_invariants(mutated, true);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// A megabyte of header must take about as long as a megabyte of anything: a quadratic scan would
// take minutes here. The bound is loose so sanitizers and valgrind pass too.
template <typename F>
double seconds_for(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
constexpr double kLinearBoundSeconds = 20.0;
constexpr std::size_t kMegabyte = 1 << 20;

TEST(Robustness, MegabyteOfHeadersIsLinear) {
  std::string many_fields;
  while (many_fields.size() < kMegabyte) many_fields += "X-Filler: " + std::string(60, 'x') + "\r\n";
  many_fields += "From: last@example.org\r\n\r\nbody";
  std::string many_addresses = "To: ";
  for (int i = 0; many_addresses.size() < kMegabyte; ++i) {
    many_addresses += "Person " + std::to_string(i) + " <p" + std::to_string(i) + "@example.org>,\n ";
  }
  many_addresses += "\n\n";
  std::string long_line = "Subject: " + std::string(kMegabyte, 'a') + "\nFrom: a@example.org\n\n";
  std::string references = "References:";
  while (references.size() < kMegabyte) references += " <id" + std::to_string(references.size()) + "@x>";
  references += "\n\n";

  double elapsed = seconds_for([&] {
    const auto h = parse_headers(many_fields);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->participants.size(), 1U);
    EXPECT_EQ(h->participants[0].address.email, "last@example.org");
  });
  elapsed += seconds_for([&] {
    const auto h = parse_headers(many_addresses);
    ASSERT_TRUE(h.ok());
    EXPECT_GT(h->participants.size(), 25000U);
    EXPECT_EQ(h->participants[7].address.email, "p7@example.org");
  });
  elapsed += seconds_for([&] {
    const auto h = parse_headers(long_line);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->subject.size(), kMegabyte);
  });
  elapsed += seconds_for([&] {
    const auto h = parse_headers(references);
    ASSERT_TRUE(h.ok());
    EXPECT_GT(h->references.size(), 50000U);
  });
  elapsed += seconds_for([&] { check_invariants(many_addresses, true); });
  EXPECT_LT(elapsed, kLinearBoundSeconds);
}

TEST(Robustness, HostileHeaderValuesAreLinearAndDoNotCrash) {
  const std::vector<std::string> values{
      std::string(kMegabyte, '('),  std::string(kMegabyte, '"'),  std::string(kMegabyte, '<'),
      std::string(kMegabyte, ':'),  std::string(kMegabyte, '\\'), std::string(kMegabyte, ','),
      std::string(kMegabyte, '\0'), std::string(kMegabyte, '\r'), std::string(kMegabyte, '\xff'),
  };
  std::string nested_groups;
  for (int i = 0; i < 100000; ++i) nested_groups += "g: ";  // GMime alone would overflow the stack
  std::string encoded_words;
  for (int i = 0; i < 50000; ++i) encoded_words += "=?utf-8?q?a?= ";
  const double elapsed = seconds_for([&] {
    for (const std::string& v : values) {
      check_invariants("From: " + v + "\nTo: x@y.z\nReferences: " + v + "\nIn-Reply-To: " + v +
                           "\nSubject: " + v + "\nDate: " + v + "\n\n",
                       false);
    }
    check_invariants("To: " + nested_groups + "a@example.org\n\n", true);
    // The same inside an attached message, which GMime would parse on its own.
    check_invariants("From: a@example.org\nContent-Type: message/rfc822\n\nTo: " + nested_groups + "\n\nhi\n",
                     true);
    check_invariants(
        "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
        "Content-Type: message/rfc822\n\nTo: " +
            nested_groups + "\n\nhi\n--b--\n",
        true);
    check_invariants("From: " + encoded_words + "<a@example.org>\nSubject: " + encoded_words + "\n\n", false);
  });
  EXPECT_LT(elapsed, kLinearBoundSeconds);
  const auto h = parse_headers(read_fixture("nested_groups.eml"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->participants.front().address.email, "a@example.org");
}

TEST(Robustness, DeeplyNestedMultipartsStopAtGMimesLimit) {
  std::string raw = "From: a@example.org\n";
  constexpr int kDepth = 3000;  // GMime stops nesting at 1024
  for (int i = 0; i < kDepth; ++i) {
    raw += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n--b" +
           std::to_string(i) + "\n";
  }
  raw += "Content-Type: text/plain\n\ndeep text\n";
  for (int i = kDepth - 1; i >= 0; --i) raw += "--b" + std::to_string(i) + "--\n";
  const auto m = parse_message(raw);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->headers.participants.size(), 1U);
}

TEST(Robustness, ThreadsSeeTheSameResults) {
  std::vector<std::string> raws;
  std::vector<std::string> expected;
  for (const std::string& fixture : testing::all_fixtures()) {
    raws.push_back(read_fixture(fixture));
    const auto m = parse_message(raws.back());
    expected.push_back(m.ok() ? testing::describe(m->headers) + m->text + m->html : m.error().detail);
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (std::size_t t = 0; t < mismatches.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (std::size_t i = 0; i < raws.size(); ++i) {
          const auto m = parse_message(raws[i]);
          const std::string got =
              m.ok() ? testing::describe(m->headers) + m->text + m->html : m.error().detail;
          if (got != expected[i]) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

// --- The fast paths must agree with GMime wherever they accept the input. ---

std::vector<std::string> address_samples() {
  std::vector<std::string> samples{
      "ann@example.org",
      "Ann Lee <ann@example.org>",
      "  Ann   Lee   <ann@example.org>  ",
      "\"Lee, Ann\" <ann@example.org>, bob@example.org",
      "\"  Ann  \" <ann@example.org>",
      "\"\" <ann@example.org>",
      "<ann@example.org>",
      "a@b, , ,c@d",
      "John Q. Public <jqp@example.com>",
      "Joe. Q. Public <jq@x.org>",
      "Who? <one@y.test>",
      "O'Brien {ops} <o.brien+jobs@example.co.uk>",
      "ann@example.org <ann@example.org>",
      "Ann <ann@example.org>>",
      "Ann <ann@example.org",
      "ann@",
      "@example.org",
      "a..b@example.org",
      "a@example.org.",
      "Ann Lee ann@example.org",
      "Lee, Ann <ann@example.org>",
      "ANN@EXAMPLE.ORG",
      "a@xn--bcher-kva.de",
      "\"Ann\" Lee <ann@example.org>",
      "Ann \"Lee\" <ann@example.org>",
      "bob",
      "Bob Smith",
      "<a@b>, <c@d>,<e@f>",
      "a@b,c@d",
      ",",
      "",
      "   ",
  };
  // Random combinations of the pieces the fast path cares about.
  std::mt19937 rng(7);
  constexpr std::string_view kPieces[] = {"ann", "Lee", "@", ".", " ",   ",", "<", ">",     "\"", "example",
                                          "org", "O'B", "+", "-", "{x}", "?", "=", "a@b.c", "Z"};
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (int n = 1 + static_cast<int>(rng() % 12); n > 0; --n) s += kPieces[rng() % std::size(kPieces)];
    samples.push_back(s);
  }
  return samples;
}

TEST(FastPath, SimpleAddressListsMatchGMime) {
  int accepted = 0;
  for (const std::string& sample : address_samples()) {
    std::vector<model::Participant> fast;
    if (!parse_simple_address_list(sample, HeaderRole::kCc, fast)) {
      EXPECT_TRUE(fast.empty());
      continue;
    }
    ++accepted;
    std::vector<model::Participant> reference;
    std::string scratch = sample;
    parse_address_list_with_gmime(scratch, HeaderRole::kCc, reference);
    ASSERT_EQ(fast.size(), reference.size()) << "[" << sample << "]";
    for (std::size_t i = 0; i < fast.size(); ++i) {
      EXPECT_EQ(fast[i].address.name, reference[i].address.name) << "[" << sample << "]";
      EXPECT_EQ(fast[i].address.email, reference[i].address.email) << "[" << sample << "]";
      EXPECT_EQ(fast[i].role, HeaderRole::kCc);
    }
  }
  EXPECT_GT(accepted, 500);  // the comparison must not be vacuous
}

TEST(FastPath, SimpleDatesMatchGMime) {
  std::vector<std::string> samples{
      "Tue, 04 Jun 2024 11:15:00 +0200",
      "4 Jun 2024 11:15 +0200",
      "Thursday, 29 Feb 2024 23:59:59 -0530",
      "Fri, 31 Dec 1999 23:59:59 +0530",
      "Sat, 1 Jan 2000 00:00:00 GMT",
      "1 Jan 2000 00:00:00 UT",
      "Mon, 30 Feb 2024 10:00:00 +0000",
      "Mon, 3 Jun 2024 24:00:00 +0000",
      "Mon, 3 Jun 2024 10:60:00 +0000",
      "Mon, 3 Jun 2024 10:00:60 +0000",
      "Mon, 3 Jun 2024 10:00:00 +2400",
      "Mon, 3 Jun 2024 10:00:00 +0060",
      "Mon, 3 Jun 2024 10:00:00 -0000 (UTC)",
      "Mon, 3 Jun 2024 10:00:00 +0000(UTC)",
      "Mon,3 Jun 2024 10:00 +0100",
      "3-Jun-2024 10:00:00 +0100",
      "Mon, 3 June 2024 10:00:00 +0100",
      "Mon, 03 Jun 1970 00:00:00 +0000",
      "Mon, 3 Jun 1969 10:00:00 +0000",
      "Mon, 3 Jun 02 10:00:00 +0000",
      "Mon, 3 Jun 2024 10:00:00",
  };
  std::mt19937 rng(11);
  const std::vector<std::string> seeds = samples;
  for (int i = 0; i < 60000; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    constexpr std::string_view kPool = "0123456789 :+-,()GMTUTJanFebxyz\t";
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits)
      s[rng() % s.size()] = kPool[rng() % kPool.size()];
    samples.push_back(s);
  }
  int accepted = 0;
  for (const std::string& sample : samples) {
    const std::optional<std::int64_t> fast = parse_simple_date(sample);
    if (!fast) continue;
    ++accepted;
    EXPECT_EQ(*fast, parse_date_with_gmime(sample)) << "[" << sample << "]";
  }
  EXPECT_GT(accepted, 2000);
}

TEST(Utf8, InvalidBytesAreReadAsWindows1252AndValidTextIsUntouched) {
  std::string s = "ok \xC3\xA9 \xE9 \x93\x94 \xF0\x9F\x9A\x80 \xC3";
  make_valid_utf8(s);
  EXPECT_EQ(s, "ok é é “” 🚀 Ã");
  std::string surrogate = "\xED\xA0\x80";  // an encoded UTF-16 surrogate is not UTF-8
  make_valid_utf8(surrogate);
  EXPECT_TRUE(testing::valid_utf8(surrogate));
  EXPECT_EQ(surrogate, "í\u00A0€");
}

}  // namespace
}  // namespace hiresync::mime
