// `hiresync migrate` end to end on both backends: the real binary on a real SQLite file and on a
// real PostgreSQL 15 started for this binary (store/postgres/pg_test_server.hpp), and the other
// commands on a PostgreSQL database before and after it is migrated.
#include <gtest/gtest.h>

#include "integration/process.hpp"
#include "store/migrations.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_test_server.hpp"

namespace hiresync::testing {
namespace {

// One server for the whole binary (registered as a single ctest test).
store::postgres::TestServer& server() {
  static store::postgres::TestServer instance;
  return instance;
}

std::string all_applied() {
  std::string out;
  for (const auto& m : store::all_migrations()) out += std::string("applied ") + m.name + "\n";
  return out;
}

std::string current() {
  return "schema already current at version " + std::to_string(store::all_migrations().back().version) + "\n";
}

TEST(MigrateCli, SqliteAppliesEveryMigrationOnceAndTheStoreOpensIt) {
  TempDir tmp;
  const std::string db = (tmp.path() / "new" / "hs.db").string();
  auto first = run({bin(), "migrate", "--db", db});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, all_applied() + "schema now at version " +
                           std::to_string(store::all_migrations().back().version) + "\n");
  auto second = run({bin(), "migrate", "--db", db});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, current());
  // The file is the one the other commands use.
  auto seeded = run({bin(), "seed", "--db", db, (source_dir() / "demo/seed.json").string()});
  EXPECT_EQ(seeded.exit_code, 0) << seeded.err;
}

TEST(MigrateCli, SqliteDatabaseMadeByTheStoreIsAlreadyCurrent) {
  TempDir tmp;
  const std::string db = (tmp.path() / "hs.db").string();
  auto seeded = run({bin(), "seed", "--db", db, (source_dir() / "demo/seed.json").string()});
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  auto r = run({bin(), "migrate", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, current());
}

TEST(MigrateCli, PostgresAppliesEveryMigrationOnce) {
  auto first = run({bin(), "migrate", "--db", server().uri()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, all_applied() + "schema now at version " +
                           std::to_string(store::all_migrations().back().version) + "\n");
  // postgres:// is the same thing.
  std::string short_uri = server().uri();
  short_uri.replace(0, std::string("postgresql").size(), "postgres");
  auto second = run({bin(), "migrate", "--db", short_uri});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, current());
}

TEST(MigrateCli, AnUnusablePostgresUriFailsWithoutShowingThePassword) {
  for (const std::string uri : {"postgresql://hs:Sup3rSecretPw@127.0.0.1:1/hiresync",
                                "postgresql://hs:Sup3rSecretPw@127.0.0.1:notaport/hiresync",
                                "postgresql://hs:Sup3rSecretPw@127.0.0.1:1/hiresync?bogus=1"}) {
    auto r = run({bin(), "migrate", "--db", uri});
    EXPECT_EQ(r.exit_code, 1) << uri << "\n" << r.err;
    EXPECT_NE(r.err.find("hiresync migrate:"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("Sup3rSecretPw"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("Sup3rSecretPw"), std::string::npos) << r.out;
  }
}

// Every command speaks PostgreSQL, but only `migrate` changes its schema: a cluster's database is
// migrated by the operator, once, not by whichever node starts first.
TEST(MigrateCli, CommandsOnPostgresNeedAMigratedSchemaThenWork) {
  TempDir tmp;
  {
    auto admin = store::postgres::Connection::open(server().uri("postgres"));
    ASSERT_TRUE(admin.ok()) << admin.error().detail;
    ASSERT_TRUE((*admin)->exec_script("CREATE DATABASE cli_commands").ok());
  }
  const std::string uri = server().uri("cli_commands");
  const std::string seed = (source_dir() / "demo/seed.json").string();
  const std::string eml =
      tmp.write("m.eml",
                "From: Ann Lee <ann.lee@example.org>\r\nTo: rita@acme-robotics.com\r\nSubject: Hello\r\n"
                "Message-ID: <cli-1@example.org>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nhi\r\n");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{bin(), "seed", "--db", uri, seed},
        std::vector<std::string>{bin(), "serve", "--db", uri, "--listen", "127.0.0.1:0"}}) {
    auto r = run(args, {"HIRESYNC_SECRET_KEY=" + std::string(64, 'a')});
    EXPECT_NE(r.exit_code, 0) << args[1];
    EXPECT_NE(r.err.find("run `hiresync migrate"), std::string::npos) << args[1] << ": " << r.err;
  }
  ASSERT_EQ(run({bin(), "migrate", "--db", uri}).exit_code, 0);
  auto seeded = run({bin(), "seed", "--db", uri, seed});
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  auto imported = run({bin(), "import", "--db", uri, "--owner", "rita@acme-robotics.com", eml});
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
  auto again = run({bin(), "import", "--db", uri, "--owner", "rita@acme-robotics.com", eml});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(imported.out.find("synced 1"), std::string::npos) << imported.out;
  EXPECT_NE(again.out.find("duplicate 1"), std::string::npos) << again.out;  // stored once
  auto explained = run({bin(), "explain", "--db", uri, "--owner", "rita@acme-robotics.com", eml});
  EXPECT_EQ(explained.exit_code, 0) << explained.err;
  auto erased = run({bin(), "gdpr-erase", "--db", uri, "--email", "ann.lee@example.org"});
  EXPECT_EQ(erased.exit_code, 0) << erased.err;
}

}  // namespace
}  // namespace hiresync::testing
