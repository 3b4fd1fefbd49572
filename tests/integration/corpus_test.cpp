// The real corpus: the SpamAssassin public corpus (6,046 real messages, ham and spam, many of them
// malformed in small ways), imported by the real binary as the mailbox of its most common
// recipient, with a seed (tests/fixtures/corpus/seed.json) whose candidates are real senders of it.
// The exact counts below were cross-checked with an independent implementation of the rules on
// Python's email parser (tests/integration/corpus_crosscheck.py); see docs/ingest.md.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "integration/process.hpp"

namespace hiresync::testing {
namespace {

using nlohmann::json;

const char* kOwner = "yyyy@spamassassin.taint.org";

// Measured, then cross-checked (see the file comment).
const int kExpectedSynced = 644;
const int kExpectedDuplicateInFirstRun = 0;
const int kExpectedMalformed = 0;
const json kExpectedSkipped = {
    {"discovery_restricted", 96}, {"internal_domain", 2082}, {"no_profile", 3124}, {"not_in_project", 100}};

std::string corpus_dir() {
  const char* dir = std::getenv("HIRESYNC_CORPUS");
  return dir != nullptr ? dir : (source_dir() / "build/corpus/spamassassin").string();
}

class CorpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::is_directory(corpus_dir()))
        << corpus_dir() << " is missing: run `make corpus` (scripts/corpus.sh)";
    db_ = (tmp_.path() / "corpus.db").string();
    auto seeded =
        run({bin(), "seed", "--db", db_, (source_dir() / "tests/fixtures/corpus/seed.json").string()});
    ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  }
  json import_corpus() {
    auto r = run({bin(), "import", "--db", db_, "--owner", kOwner, "--json", corpus_dir()});
    EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
    return r.json();
  }

  TempDir tmp_;
  std::string db_;
};

TEST_F(CorpusTest, ImportsEveryMessageWithExactCountsAndAReasonForEachSkip) {
  const json j = import_corpus();
  EXPECT_EQ(j["seen"], 6046);
  EXPECT_EQ(j["messages"].size(), 6046U);
  EXPECT_EQ(j["synced"], kExpectedSynced);
  EXPECT_EQ(j["duplicate"], kExpectedDuplicateInFirstRun);
  EXPECT_EQ(j["malformed"], kExpectedMalformed);
  EXPECT_EQ(j["skipped"], kExpectedSkipped);
  std::set<std::string> sources;
  for (const auto& m : j["messages"]) {
    sources.insert(m["source"].get<std::string>());
    const std::string status = m["status"];
    if (status == "skipped" || status == "malformed") {
      ASSERT_TRUE(m.contains("reason")) << m.dump();
    }
  }
  EXPECT_EQ(sources.size(), 6046U) << "every file reported exactly once";
}

TEST_F(CorpusTest, ASecondRunSyncsNothingAndReportsEveryEarlierMessageAsDuplicate) {
  const json first = import_corpus();
  const json second = import_corpus();
  EXPECT_EQ(second["synced"], 0);
  EXPECT_EQ(second["duplicate"], first["synced"]);
  EXPECT_EQ(second["skipped"], first["skipped"]);
  ASSERT_EQ(first["messages"].size(), second["messages"].size());
  for (std::size_t i = 0; i < first["messages"].size(); ++i) {
    const auto& a = first["messages"][i];
    const auto& b = second["messages"][i];
    ASSERT_EQ(a["source"], b["source"]);
    if (a["status"] == "synced") {
      EXPECT_EQ(b["status"], "duplicate") << b.dump();
      EXPECT_EQ(b["candidates"], a["candidates"]);
    } else {
      EXPECT_EQ(b["status"], a["status"]) << b.dump();
    }
  }
}

TEST_F(CorpusTest, AnIndependentImplementationOnPythonsParserAgreesOnEveryMessage) {
  const std::string per_file = (tmp_.path() / "python.json").string();
  auto py =
      run({"/usr/bin/env", "python3", (source_dir() / "tests/integration/corpus_crosscheck.py").string(),
           (source_dir() / "tests/fixtures/corpus/seed.json").string(), kOwner, corpus_dir()},
          {"CROSSCHECK_PER_FILE=" + per_file});
  ASSERT_EQ(py.exit_code, 0) << py.err;
  const json ours = import_corpus();
  const json theirs = py.json();
  EXPECT_EQ(theirs["synced"], ours["synced"]);
  EXPECT_EQ(theirs["skipped"], ours["skipped"]);
  std::ifstream in(per_file);
  const json reasons = json::parse(in);
  int compared = 0;
  for (const auto& m : ours["messages"]) {
    const std::string source = m["source"];
    if (m["status"] != "skipped") continue;
    ASSERT_TRUE(reasons.contains(source)) << source;
    EXPECT_EQ(reasons[source], m["reason"]) << source;
    ++compared;
  }
  EXPECT_EQ(compared, 6046 - kExpectedSynced - kExpectedMalformed);
}

TEST_F(CorpusTest, AnErasedSenderNeverSyncsAgain) {
  const json before = import_corpus();
  int garys = 0;
  for (const auto& m : before["messages"]) {
    if (m["status"] == "synced" && m["candidates"] == json::array({"garym@canada.com"})) ++garys;
  }
  ASSERT_GT(garys, 0);
  auto erased = run({bin(), "gdpr-erase", "--db", db_, "--json", "--email", "GaryM@canada.com"});
  ASSERT_EQ(erased.exit_code, 0) << erased.err;
  EXPECT_GE(erased.json()["erased_messages"].get<int>(), garys);
  const json after = import_corpus();
  EXPECT_EQ(after["skipped"].value("erased", 0), erased.json()["erased_messages"].get<int>());
  EXPECT_EQ(after["synced"], 0);
}

}  // namespace
}  // namespace hiresync::testing
