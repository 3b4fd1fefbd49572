// The `hiresync` command line end to end: the real binary, a real SQLite file, the demo data in
// demo/ (seed, a maildir and an mbox) and hand-made messages for each rule.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "integration/process.hpp"

namespace hiresync::testing {
namespace {

using nlohmann::json;

const char* kOwner = "rita@acme-robotics.com";

// The message entry whose source ends with `suffix`.
json entry(const json& result, const std::string& suffix) {
  for (const auto& m : result["messages"]) {
    const std::string source = m["source"];
    if (source.size() >= suffix.size() &&
        source.compare(source.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return m;
    }
  }
  ADD_FAILURE() << "no message " << suffix;
  return json::object();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (tmp_.path() / "hs.db").string();
    auto seeded = run({bin(), "seed", "--db", db_, (source_dir() / "demo/seed.json").string()});
    ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  }
  CommandResult import_demo() {
    return run({bin(), "import", "--db", db_, "--owner", kOwner, "--json",
                (source_dir() / "demo/mailbox").string(), (source_dir() / "demo/archive.mbox").string()});
  }
  CommandResult import_one(const std::string& raw) {
    const auto file = tmp_.write("msg-" + std::to_string(counter_++) + ".eml", raw);
    return run({bin(), "import", "--db", db_, "--owner", kOwner, "--json", file});
  }
  CommandResult reseed(const std::string& seed) {
    return run(
        {bin(), "seed", "--db", db_, tmp_.write("seed-" + std::to_string(counter_++) + ".json", seed)});
  }

  TempDir tmp_;
  std::string db_;
  int counter_ = 0;
};

TEST_F(CliTest, ImportsTheDemoMailboxWithAReasonForEverySkip) {
  auto r = import_demo();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = r.json();
  EXPECT_EQ(j["seen"], 12);
  EXPECT_EQ(j["synced"], 7);
  EXPECT_EQ(j["duplicate"], 0);
  EXPECT_EQ(j["malformed"], 1);
  EXPECT_EQ(
      j["skipped"],
      (json{{"discovery_restricted", 1}, {"not_in_project", 1}, {"internal_domain", 1}, {"no_profile", 1}}));
  EXPECT_EQ(entry(j, "01-rita-to-ann.eml")["candidates"], json::array({"ann.lee@example.org"}));
  EXPECT_EQ(entry(j, "02-ann-reply.eml")["status"], "synced");  // case-insensitive address
  EXPECT_EQ(entry(j, "03-rita-to-bob-plus-tag.eml")["candidates"], json::array({"bobmartin@gmail.com"}));
  EXPECT_EQ(entry(j, "04-chen-restricted.eml")["reason"], "discovery_restricted");
  EXPECT_EQ(entry(j, "05-dana-not-in-project.eml")["reason"], "not_in_project");
  EXPECT_EQ(entry(j, "06-internal.eml")["reason"], "internal_domain");
  EXPECT_EQ(entry(j, "07-newsletter.eml")["reason"], "no_profile");
  EXPECT_EQ(entry(j, "08-two-candidates.eml")["candidates"],
            json::array({"ann.lee@example.org", "bobmartin@gmail.com"}));
  EXPECT_EQ(entry(j, "09-reply-to-candidate.eml")["candidates"], json::array({"ann.lee@example.org"}));
  EXPECT_EQ(entry(j, "10-not-an-email.eml")["status"], "malformed");
  EXPECT_EQ(entry(j, "10-not-an-email.eml")["reason"], "malformed");
  EXPECT_EQ(entry(j, "archive.mbox#1")["candidates"], json::array({"zoe@bücher.example"}));
  EXPECT_EQ(entry(j, "archive.mbox#2")["candidates"], json::array({"zoe@bücher.example"}));
  for (const auto& m : j["messages"]) {
    if (m["status"] == "skipped" || m["status"] == "malformed") {
      EXPECT_TRUE(m.contains("reason")) << m.dump();
    }
  }
}

TEST_F(CliTest, ASecondImportSyncsNothingAndReportsDuplicates) {
  ASSERT_EQ(import_demo().exit_code, 0);
  auto r = import_demo();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = r.json();
  EXPECT_EQ(j["synced"], 0);
  EXPECT_EQ(j["duplicate"], 7);
  EXPECT_EQ(entry(j, "08-two-candidates.eml")["status"], "duplicate");
  EXPECT_EQ(entry(j, "08-two-candidates.eml")["candidates"],
            json::array({"ann.lee@example.org", "bobmartin@gmail.com"}));
}

TEST_F(CliTest, ExplainNamesTheRuleThatStoppedEachParticipant) {
  auto r = run({bin(), "explain", "--db", db_, "--owner", kOwner, "--json",
                (source_dir() / "demo/mailbox/new/08-two-candidates.eml").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = r.json();
  EXPECT_EQ(j["status"], "would_sync");
  std::vector<std::string> results;
  for (const auto& p : j["participants"]) results.push_back(p["result"]);
  EXPECT_EQ(results, (std::vector<std::string>{"own_address", "matched", "matched", "internal_domain"}));

  auto chen = run({bin(), "explain", "--db", db_, "--owner", kOwner,
                   (source_dir() / "demo/mailbox/cur/04-chen-restricted.eml").string()});
  ASSERT_EQ(chen.exit_code, 0);
  EXPECT_NE(chen.out.find("discovery_restricted"), std::string::npos) << chen.out;
  EXPECT_NE(chen.out.find("陈伟"), std::string::npos) << "RFC 2047 name decoded: " << chen.out;
}

TEST_F(CliTest, GdprEraseRemovesAPersonsMailAndSuppressesIt) {
  ASSERT_EQ(import_demo().exit_code, 0);
  auto erased = run({bin(), "gdpr-erase", "--db", db_, "--json", "--email", "BOB.MARTIN@gmail.com"});
  ASSERT_EQ(erased.exit_code, 0) << erased.err;
  EXPECT_EQ(erased.json()["erased_messages"], 2);  // 03 and 08 (08 also went to Ann: erased whole)
  auto again = import_demo();
  const json j = again.json();
  EXPECT_EQ(entry(j, "03-rita-to-bob-plus-tag.eml")["reason"], "erased");
  EXPECT_EQ(entry(j, "08-two-candidates.eml")["reason"], "erased");
  EXPECT_EQ(entry(j, "01-rita-to-ann.eml")["status"], "duplicate");
  // A new message from the erased person never syncs again.
  auto fresh = import_one(
      "From: bobmartin@gmail.com\nTo: rita@acme-robotics.com\nSubject: hi\nMessage-ID: <new@b>\n\nhi\n");
  EXPECT_EQ(fresh.json()["messages"][0]["reason"], "erased");
}

TEST_F(CliTest, RemovingACandidateFromAllProjectsOrRestrictingDiscoveryStopsSync) {
  const std::string msg =
      "From: ann.lee@example.org\nTo: rita@acme-robotics.com\nSubject: s\nMessage-ID: <%>\n\nb\n";
  auto with_id = [&](const std::string& id) {
    std::string m = msg;
    m.replace(m.find('%'), 1, id);
    return m;
  };
  EXPECT_EQ(import_one(with_id("1@a")).json()["synced"], 1);
  // The seed is declarative: Ann is no longer listed in any project.
  auto seeded =
      reseed(R"({"members":[{"name":"Ann Lee","emails":["ann.lee@example.org"],"email_discovery":"anyone"}],
    "contracts":[{"name":"Acme Robotics","email_provider":"google","internal_domains":["acme.co.uk"],
    "projects":[{"name":"Backend Engineer","candidates":[]},{"name":"Data Scientist","candidates":[]}]}]})");
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  EXPECT_EQ(import_one(with_id("2@a")).json()["messages"][0]["reason"], "not_in_project");
  // Saved again, but she now restricts discovery.
  seeded =
      reseed(R"({"members":[{"name":"Ann Lee","emails":["ann.lee@example.org"],"email_discovery":"nobody"}],
    "contracts":[{"name":"Acme Robotics","email_provider":"google","internal_domains":["acme.co.uk"],
    "projects":[{"name":"Backend Engineer","candidates":["ann.lee@example.org"]}]}]})");
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  EXPECT_EQ(import_one(with_id("3@a")).json()["messages"][0]["reason"], "discovery_restricted");
}

TEST_F(CliTest, AContractWithSyncingOffSyncsNothing) {
  auto seeded = reseed(R"({"contracts":[{"name":"Acme Robotics","email_provider":"none"}]})");
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  auto r = import_demo();
  const json j = r.json();
  EXPECT_EQ(j["synced"], 0);
  EXPECT_EQ(j["skipped"]["sync_disabled"], 11);
  EXPECT_EQ(j["malformed"], 1);
}

TEST_F(CliTest, TheDatabaseComesFromTheEnvironmentWhenNoFlagIsGiven) {
  auto r = run({bin(), "import", "--owner", kOwner, "--json", (source_dir() / "demo/archive.mbox").string()},
               {"HIRESYNC_DB=" + db_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.json()["synced"], 2);
}

TEST_F(CliTest, BadArgumentsFailClearly) {
  auto unknown_owner = run({bin(), "import", "--db", db_, "--owner", "nobody@acme-robotics.com",
                            (source_dir() / "demo/archive.mbox").string()});
  EXPECT_EQ(unknown_owner.exit_code, 2);
  EXPECT_NE(unknown_owner.err.find("no user with email nobody@acme-robotics.com"), std::string::npos);

  auto missing = run({bin(), "import", "--db", db_, "--owner", kOwner, "/no/such/file.eml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/no/such/file.eml: no such file or directory"), std::string::npos);

  auto no_owner = run({bin(), "import", "--db", db_, "x.eml"});
  EXPECT_EQ(no_owner.exit_code, 2);
  EXPECT_NE(no_owner.err.find("--owner"), std::string::npos);

  auto bad_json = reseed("{\"members\": [");
  EXPECT_EQ(bad_json.exit_code, 2);
  EXPECT_NE(bad_json.err.find("not valid JSON"), std::string::npos);

  auto bad_field = reseed(R"({"members":[{"name":"X","emails":["x@y.org"],"email_discovery":"everyone"}]})");
  EXPECT_EQ(bad_field.exit_code, 2);
  EXPECT_NE(bad_field.err.find("members[0].email_discovery"), std::string::npos) << bad_field.err;

  auto unknown_candidate =
      reseed(R"({"contracts":[{"name":"C","projects":[{"name":"P","candidates":["who@x.org"]}]}]})");
  EXPECT_EQ(unknown_candidate.exit_code, 2);
  EXPECT_NE(unknown_candidate.err.find("no member lists who@x.org"), std::string::npos);

  auto no_command = run({bin()});
  EXPECT_EQ(no_command.exit_code, 2);
}

TEST_F(CliTest, AnUnreadableInputIsReportedAndMakesTheRunFail) {
  const auto fifo = (tmp_.path() / "pipe.eml").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto r = run({bin(), "import", "--db", db_, "--owner", kOwner, "--json", fifo,
                (source_dir() / "demo/archive.mbox").string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const json j = r.json();
  EXPECT_EQ(j["synced"], 2);  // the readable input was still imported
  ASSERT_EQ(j["errors"].size(), 1U);
  EXPECT_NE(j["errors"][0]["error"].get<std::string>().find("not a regular file"), std::string::npos);
}

TEST_F(CliTest, ReseedingIsIdempotent) {
  auto again = run({bin(), "seed", "--db", db_, (source_dir() / "demo/seed.json").string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ASSERT_EQ(import_demo().json()["synced"], 7);
}

}  // namespace
}  // namespace hiresync::testing
