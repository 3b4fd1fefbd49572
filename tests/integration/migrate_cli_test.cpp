// `hiresync migrate` end to end on both backends: the real binary on a real SQLite file and on a
// real PostgreSQL 15 started for this binary (store/postgres/pg_test_server.hpp), and the answer of
// the other commands to a PostgreSQL --db while only `migrate` speaks it.
#include <gtest/gtest.h>

#include "integration/process.hpp"
#include "store/migrations.hpp"
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

TEST(MigrateCli, OtherCommandsSayPostgresIsNotAvailableYet) {
  TempDir tmp;
  const std::string uri = "postgresql://hs@127.0.0.1:1/hiresync";
  const std::string eml = tmp.write("m.eml", "From: a@b.org\r\nTo: c@d.org\r\nSubject: x\r\n\r\nhi\r\n");
  const std::vector<std::vector<std::string>> commands = {
      {bin(), "seed", "--db", uri, (source_dir() / "demo/seed.json").string()},
      {bin(), "import", "--db", uri, "--owner", "rita@acme-robotics.com", eml},
      {bin(), "explain", "--db", uri, "--owner", "rita@acme-robotics.com", eml},
      {bin(), "gdpr-erase", "--db", uri, "--email", "ann@example.org"},
      {bin(), "serve", "--db", uri, "--listen", "127.0.0.1:1"},
      {bin(), "--db", uri, "seed", (source_dir() / "demo/seed.json").string()},
  };
  for (const auto& args : commands) {
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args[1] << "\n" << r.err;
    EXPECT_NE(r.err.find("the PostgreSQL store is not available yet for"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("only `migrate`"), std::string::npos) << r.err;
  }
  // HIRESYNC_DB counts as --db.
  auto r = run({bin(), "seed", (source_dir() / "demo/seed.json").string()}, {"HIRESYNC_DB=" + uri});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
}  // namespace hiresync::testing
