// `hiresync migrate`: brings the schema of a SQLite file or a PostgreSQL database to the version
// this binary was built with, and says which migrations it applied.
#include <filesystem>
#include <ostream>

#include "app/commands.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/sql/sql_store.hpp"

namespace hiresync::app {

int run_migrate(const CommonOptions& common, std::ostream& out, std::ostream& err) {
  const bool postgres = store::postgres::is_postgres_uri(common.db);
  const std::string shown = postgres ? store::postgres::redact_uri(common.db) : common.db;
  if (!postgres) {
    const std::filesystem::path p(common.db);
    if (p.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(p.parent_path(), ec);
      if (ec) {
        err << "hiresync migrate: cannot create " << p.parent_path().string() << ": " << ec.message() << "\n";
        return 1;
      }
    }
  }
  auto opened = store::SqlStore::open(common.db);  // applies every pending migration
  if (!opened) {
    err << "hiresync migrate: " << shown << ": " << opened.error().detail << "\n";
    return 1;
  }
  auto version = (*opened)->schema_version();
  if (!version) {
    err << "hiresync migrate: " << shown << ": " << version.error().detail << "\n";
    return 1;
  }
  const auto& applied = (*opened)->applied_migrations();
  for (const auto& name : applied) out << "applied " << name << "\n";
  out << (applied.empty() ? "schema already current" : "schema now") << " at version " << *version << "\n";
  return 0;
}

}  // namespace hiresync::app
