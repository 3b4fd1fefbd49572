// `hiresync migrate`: brings the schema of a SQLite file or a PostgreSQL database to the version
// this binary was built with, and says which migrations it applied.
#include <filesystem>
#include <ostream>

#include "app/commands.hpp"
#include "store/migrations.hpp"
#include "store/postgres/pg_migrate.hpp"
#include "store/sql/sql_store.hpp"

namespace hiresync::app {

namespace {

void report(const std::vector<std::string>& applied, int version, std::ostream& out) {
  for (const auto& name : applied) out << "applied " << name << "\n";
  out << (applied.empty() ? "schema already current" : "schema now") << " at version " << version << "\n";
}

int migrate_postgres(const std::string& uri, std::ostream& out, std::ostream& err) {
  const std::string shown = store::postgres::redact_uri(uri);
  auto conn = store::postgres::Connection::open(uri);
  if (!conn) {
    err << "hiresync migrate: " << conn.error().detail << "\n";
    return 1;
  }
  auto applied = store::postgres::apply_migrations(**conn);
  if (!applied) {
    err << "hiresync migrate: " << shown << ": " << applied.error().detail << "\n";
    return 1;
  }
  auto version = store::postgres::schema_version(**conn);
  if (!version) {
    err << "hiresync migrate: " << shown << ": " << version.error().detail << "\n";
    return 1;
  }
  report(*applied, *version, out);
  return 0;
}

int migrate_sqlite(const std::string& path, std::ostream& out, std::ostream& err) {
  const std::filesystem::path p(path);
  if (p.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) {
      err << "hiresync migrate: cannot create " << p.parent_path().string() << ": " << ec.message() << "\n";
      return 1;
    }
  }
  // The version before: opening with max_version 0 applies nothing (it only ensures the
  // bookkeeping table exists, which the full open creates anyway).
  int before = 0;
  {
    auto old = store::SqlStore::open(path, 0);
    if (!old) {
      err << "hiresync migrate: cannot open the database " << path << ": " << old.error().detail << "\n";
      return 1;
    }
    auto v = (*old)->schema_version();
    if (!v) {
      err << "hiresync migrate: " << path << ": " << v.error().detail << "\n";
      return 1;
    }
    before = *v;
  }
  auto opened = store::SqlStore::open(path);  // applies every pending migration
  if (!opened) {
    err << "hiresync migrate: " << path << ": " << opened.error().detail << "\n";
    return 1;
  }
  auto after = (*opened)->schema_version();
  if (!after) {
    err << "hiresync migrate: " << path << ": " << after.error().detail << "\n";
    return 1;
  }
  std::vector<std::string> applied;
  for (const store::Migration& m : store::all_migrations()) {
    if (m.version > before && m.version <= *after) applied.emplace_back(m.name);
  }
  report(applied, *after, out);
  return 0;
}

}  // namespace

int run_migrate(const CommonOptions& common, std::ostream& out, std::ostream& err) {
  if (store::postgres::is_postgres_uri(common.db)) return migrate_postgres(common.db, out, err);
  return migrate_sqlite(common.db, out, err);
}

std::string postgres_not_available(const std::string& db, const char* command) {
  if (!store::postgres::is_postgres_uri(db)) return {};
  return std::string("hiresync ") + command + ": the PostgreSQL store is not available yet for " + command +
         "; only `migrate` (docs/postgres.md)";
}

}  // namespace hiresync::app
