// The PostgreSQL backend against a real PostgreSQL 15 started for this binary (pg_test_server.hpp):
// migrations on a fresh database, twice, from an older version; the schema beside SQLite's; the
// error mapping.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "store/migrations.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_test_server.hpp"
#include "store/sql/sql_store.hpp"

namespace hiresync::store::postgres {
namespace {

using model::ErrorCode;

// One server for the whole binary (shared with pg_db_test.cpp), started on first use; each test
// takes a database of its own.
TestServer& server() { return shared_test_server(); }

std::unique_ptr<Connection> connect(const std::string& uri) {
  auto conn = Connection::open(uri);
  EXPECT_TRUE(conn.ok()) << (conn.ok() ? "" : conn.error().detail);
  if (!conn) return nullptr;
  return std::move(*conn);
}

// A new, empty database named `name` and a connection to it.
std::unique_ptr<Connection> fresh_database(const std::string& name) {
  auto admin = connect(server().uri("postgres"));
  auto created = admin->exec(("CREATE DATABASE " + name).c_str());  // a test constant, not user data
  EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().detail);
  return connect(server().uri(name));
}

// Migrates the database `name` up to `max_version` through the store, as `hiresync migrate` does;
// the names of the migrations it applied.
model::Result<std::vector<std::string>> migrate(const std::string& name, int max_version = INT_MAX) {
  auto store = SqlStore::open(server().uri(name), max_version);
  if (!store) return store.error();
  return (*store)->applied_migrations();
}

// The schema version of the database `name`, without migrating it.
model::Result<int> version_of(const std::string& name) {
  auto store = SqlStore::open(server().uri(name), 0);
  if (!store) return store.error();
  return (*store)->schema_version();
}

using Schema = std::map<std::string, std::set<std::string>>;  // table or view -> column names

Schema postgres_schema(Connection& conn) {
  Schema out;
  auto rows = conn.exec(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'");
  EXPECT_TRUE(rows.ok());
  for (int i = 0; rows.ok() && i < rows->size(); ++i) out[rows->text_at(i, 0)].insert(rows->text_at(i, 1));
  return out;
}

// Column 0 of every row, joined with " " when a row has several columns.
std::set<std::string> lines(Connection& conn, const char* sql) {
  auto rows = conn.exec(sql);
  EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().detail);
  std::set<std::string> out;
  for (int i = 0; rows.ok() && i < rows->size(); ++i) {
    std::string line;
    for (int c = 0; c < rows->columns(); ++c) line += (c > 0 ? " " : "") + rows->text_at(i, c);
    out.insert(line);
  }
  return out;
}

// "index <name> on <table>(<columns>)" for indexes made by CREATE INDEX (not by a constraint).
std::set<std::string> postgres_indexes(Connection& conn) {
  return lines(conn,
               "SELECT 'index ' || ic.relname || ' on ' || tc.relname || '(' ||"
               " string_agg(a.attname, ',' ORDER BY k.ord) || ')'"
               " FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"
               " JOIN pg_class tc ON tc.oid = i.indrelid"
               " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)"
               " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
               " WHERE tc.relnamespace = 'public'::regnamespace"
               " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
               " GROUP BY ic.relname, tc.relname");
}

// "<table> primary(<columns>)" and "<table> unique(<columns>)".
std::set<std::string> postgres_keys(Connection& conn) {
  return lines(conn,
               "SELECT cl.relname || CASE c.contype WHEN 'p' THEN ' primary(' ELSE ' unique(' END ||"
               " string_agg(a.attname, ',' ORDER BY k.ord) || ')'"
               " FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid"
               " CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)"
               " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum"
               " WHERE c.contype IN ('p', 'u') AND cl.relnamespace = 'public'::regnamespace"
               " GROUP BY cl.relname, c.oid, c.contype");
}

// "<table>.<column> -> <table>.<column> on delete <action>" (every key here has one column).
std::set<std::string> postgres_foreign_keys(Connection& conn) {
  return lines(conn,
               "SELECT cl.relname || '.' || a.attname || ' -> ' || rc.relname || '.' || ra.attname ||"
               " ' on delete ' || CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'"
               " WHEN 'd' THEN 'SET DEFAULT' WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END"
               " FROM pg_constraint c"
               " JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class rc ON rc.oid = c.confrelid"
               " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
               " JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]"
               " WHERE c.contype = 'f'");
}

struct SqliteSchema {
  Schema columns;
  std::set<std::string> indexes;
  std::set<std::string> keys;
  std::set<std::string> foreign_keys;
};

SqliteSchema sqlite_schema(const std::string& path) {
  SqliteSchema out;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  auto each = [db](const std::string& sql, auto on_row) {
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(stmt) == SQLITE_ROW) on_row(stmt);
    sqlite3_finalize(stmt);
  };
  auto text = [](sqlite3_stmt* s, int col) {
    const unsigned char* v = sqlite3_column_text(s, col);
    return std::string(v != nullptr ? reinterpret_cast<const char*>(v) : "");
  };
  auto index_columns = [&](const std::string& index) {
    std::map<int, std::string> by_seq;
    each("PRAGMA index_info(" + index + ")",
         [&](sqlite3_stmt* s) { by_seq[sqlite3_column_int(s, 0)] = text(s, 2); });
    std::string cols;
    for (const auto& [seq, name] : by_seq) cols += (cols.empty() ? "" : ",") + name;
    return cols;
  };
  std::vector<std::string> tables;
  each("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'",
       [&](sqlite3_stmt* s) { tables.push_back(text(s, 0)); });
  for (const auto& t : tables) {
    out.columns[t];
    std::map<int, std::string> pk;  // position in the key -> column
    each("PRAGMA table_info(" + t + ")", [&](sqlite3_stmt* s) {
      out.columns[t].insert(text(s, 1));
      if (const int at = sqlite3_column_int(s, 5); at > 0) pk[at] = text(s, 1);
    });
    if (!pk.empty()) {
      std::string cols;
      for (const auto& [at, name] : pk) cols += (cols.empty() ? "" : ",") + name;
      out.keys.insert(t + " primary(" + cols + ")");
    }
    each("PRAGMA index_list(" + t + ")", [&](sqlite3_stmt* s) {
      const std::string name = text(s, 1);
      const std::string origin = text(s, 3);
      if (origin == "u") out.keys.insert(t + " unique(" + index_columns(name) + ")");
      if (origin == "c") out.indexes.insert("index " + name + " on " + t + "(" + index_columns(name) + ")");
    });
    each("PRAGMA foreign_key_list(" + t + ")", [&](sqlite3_stmt* s) {
      out.foreign_keys.insert(t + "." + text(s, 3) + " -> " + text(s, 2) + "." + text(s, 4) + " on delete " +
                              text(s, 6));
    });
  }
  sqlite3_close(db);
  return out;
}

TEST(PostgresMigrations, ApplyOnAFreshDatabaseThenAreANoOp) {
  auto conn = fresh_database("fresh");
  ASSERT_NE(conn, nullptr);
  auto v0 = version_of("fresh");
  ASSERT_TRUE(v0.ok()) << v0.error().detail;
  EXPECT_EQ(*v0, 0);

  auto first = migrate("fresh");
  ASSERT_TRUE(first.ok()) << first.error().detail;
  std::vector<std::string> all;
  for (const Migration& m : all_migrations()) all.emplace_back(m.name);
  EXPECT_EQ(*first, all);
  auto v1 = version_of("fresh");
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(*v1, all_migrations().back().version);

  auto second = migrate("fresh");
  ASSERT_TRUE(second.ok()) << second.error().detail;
  EXPECT_TRUE(second->empty());
  auto rows = conn->exec("SELECT COUNT(*) FROM schema_migrations");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->int_at(0, 0), static_cast<std::int64_t>(all.size()));
}

TEST(PostgresMigrations, UpgradeAnOlderDatabase) {
  auto conn = fresh_database("older");
  ASSERT_NE(conn, nullptr);
  auto old = migrate("older", 3);
  ASSERT_TRUE(old.ok()) << old.error().detail;
  EXPECT_EQ(old->size(), 3U);
  // Data written at version 3 survives the later migrations (0006 moves message bodies).
  ASSERT_TRUE(
      conn->exec_script(
              "INSERT INTO contracts(name, created_at) VALUES ('c', 1);"
              "INSERT INTO users(contract_id, email, email_key, name, role, password_hash, created_at)"
              " VALUES (1, 'u@x.org', 'u@x.org', 'U', 'user', 'h', 1);"
              "INSERT INTO mailboxes(user_id, contract_id, provider, address, canonical_address,"
              " created_at, updated_at) VALUES (1, 1, 'import', 'u@x.org', 'u@x.org', 1, 1);"
              "INSERT INTO messages(mailbox_id, owner_user_id, contract_id, provider_message_id,"
              " direction, sent_at, text_body, created_at) VALUES (1, 1, 1, 'p1', 'inbound', 1,"
              " 'hello', 1)")
          .ok());
  auto rest = migrate("older");
  ASSERT_TRUE(rest.ok()) << rest.error().detail;
  EXPECT_EQ(rest->size(), all_migrations().size() - 3);
  auto body = conn->exec("SELECT text_body FROM message_bodies WHERE message_id = $1", {"1"});
  ASSERT_TRUE(body.ok()) << body.error().detail;
  ASSERT_EQ(body->size(), 1);
  EXPECT_EQ(body->text_at(0, 0), "hello");
}

TEST(PostgresMigrations, NodesMigratingAtOnceApplyEachMigrationOnce) {
  auto setup = fresh_database("together");
  ASSERT_NE(setup, nullptr);
  constexpr int kNodes = 4;
  std::vector<model::Result<std::vector<std::string>>> results(kNodes, std::vector<std::string>{});
  {
    std::vector<std::jthread> nodes;
    for (int i = 0; i < kNodes; ++i) {
      nodes.emplace_back([&, i] { results[i] = migrate("together"); });
    }
  }
  std::size_t applied = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().detail;
    applied += r->size();
  }
  EXPECT_EQ(applied, all_migrations().size());
  auto rows = setup->exec("SELECT COUNT(*) FROM schema_migrations");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->int_at(0, 0), static_cast<std::int64_t>(all_migrations().size()));
}

TEST(PostgresMigrations, SchemaMeansTheSameAsSqlite) {
  auto conn = fresh_database("same_schema");
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(migrate("same_schema").ok());

  const auto dir = std::filesystem::temp_directory_path() / ("hiresync-schema-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "hs.db").string();
  {
    auto store = SqlStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error().detail;
  }
  const SqliteSchema lite = sqlite_schema(path);
  std::filesystem::remove_all(dir);

  EXPECT_EQ(postgres_schema(*conn), lite.columns);
  EXPECT_EQ(postgres_indexes(*conn), lite.indexes);
  EXPECT_EQ(postgres_keys(*conn), lite.keys);
  EXPECT_EQ(postgres_foreign_keys(*conn), lite.foreign_keys);
  EXPECT_FALSE(lite.columns.empty());
  EXPECT_TRUE(lite.indexes.contains("index message_candidates_thread on message_candidates(thread_id)"));
  EXPECT_TRUE(lite.keys.contains("member_emails primary(member_id,position)"));
  EXPECT_TRUE(lite.keys.contains("mailboxes unique(contract_id,canonical_address,provider)"));
  EXPECT_TRUE(lite.foreign_keys.contains("users.contract_id -> contracts.id on delete CASCADE"));

  // Ids are generated as SQLite's rowids are: an insert without one gets 1, 2, ...
  auto id = conn->exec("INSERT INTO contracts(name, created_at) VALUES ($1, $2) RETURNING id", {"acme", "1"});
  ASSERT_TRUE(id.ok()) << id.error().detail;
  EXPECT_EQ(id->int_at(0, 0), 1);
  // Uniqueness holds: the same name again is refused.
  auto dup = conn->exec("INSERT INTO contracts(name, created_at) VALUES ($1, $2)", {"acme", "2"});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  EXPECT_NE(dup.error().detail.find("23505"), std::string::npos) << dup.error().detail;
}

TEST(PostgresConnection, ParametersAreBoundNeverSpliced) {
  auto conn = connect(server().uri());
  ASSERT_NE(conn, nullptr);
  const std::string hostile = "x'); DROP TABLE schema_migrations; --";
  auto echo = conn->exec("SELECT $1::text, $2::text IS NULL", {hostile, std::nullopt});
  ASSERT_TRUE(echo.ok()) << echo.error().detail;
  EXPECT_EQ(echo->text_at(0, 0), hostile);
  EXPECT_EQ(echo->text_at(0, 1), "t");
}

TEST(PostgresConnection, ErrorsAreClassifiedForTheRetryPath) {
  auto conn = connect(server().uri());
  ASSERT_NE(conn, nullptr);
  auto bad = conn->exec("SELEC 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInternal);
  EXPECT_NE(bad.error().detail.find("SQLSTATE 42601"), std::string::npos) << bad.error().detail;

  // A serialization failure raised by the server maps to kTransient.
  auto serialization =
      conn->exec("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$");
  ASSERT_FALSE(serialization.ok());
  EXPECT_EQ(serialization.error().code, ErrorCode::kTransient) << serialization.error().detail;
  auto deadlock =
      conn->exec("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = 'deadlock_detected'; END $$");
  ASSERT_FALSE(deadlock.ok());
  EXPECT_EQ(deadlock.error().code, ErrorCode::kTransient) << deadlock.error().detail;
}

TEST(PostgresConnection, ATerminatedBackendIsTransient) {
  auto victim = connect(server().uri());
  auto admin = connect(server().uri());
  ASSERT_NE(victim, nullptr);
  ASSERT_NE(admin, nullptr);
  const int pid = victim->backend_pid();
  ASSERT_GT(pid, 0);
  auto killed = admin->exec("SELECT pg_terminate_backend($1)", {std::to_string(pid)});
  ASSERT_TRUE(killed.ok()) << killed.error().detail;
  EXPECT_EQ(killed->text_at(0, 0), "t");
  auto after = victim->exec("SELECT 1");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, ErrorCode::kTransient) << after.error().detail;
}

TEST(PostgresConnection, AnUnreachableServerIsTransientAndThePasswordStaysOut) {
  auto conn = Connection::open("postgresql://hs:Sup3rSecretPw@127.0.0.1:1/hiresync?connect_timeout=5");
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error().code, ErrorCode::kTransient);
  EXPECT_EQ(conn.error().detail.find("Sup3rSecretPw"), std::string::npos) << conn.error().detail;

  auto garbled = Connection::open("postgresql://hs:Sup3rSecretPw@127.0.0.1:1/db?nonsense=1");
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(garbled.error().detail.find("Sup3rSecretPw"), std::string::npos) << garbled.error().detail;
}

TEST(PostgresUri, RecognizedAndRedacted) {
  EXPECT_TRUE(is_postgres_uri("postgresql://u@h/db"));
  EXPECT_TRUE(is_postgres_uri("postgres://u@h/db"));
  EXPECT_FALSE(is_postgres_uri("./hiresync-data/hiresync.db"));
  EXPECT_FALSE(is_postgres_uri("/tmp/postgresql://x"));
  EXPECT_EQ(redact_uri("postgresql://u:pw@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(redact_uri("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(redact_uri("postgres://h/db"), "postgres://h/db");
}

}  // namespace
}  // namespace hiresync::store::postgres
