// Numbered schema migrations, embedded from src/store/migrations/NNNN_name.sql at build time.
// Shared by every backend where the SQL allows; where it does not, NNNN_name.postgres.sql beside the
// shared file is PostgreSQL's variant (embed_migrations.cmake states the rule). Persisted format: DO
// NOT edit an applied migration, on either backend.
#pragma once

#include <vector>

namespace hiresync::store {

struct Migration {
  int version;       // NNNN of the file name; strictly increasing
  const char* name;  // file name
  const char* sql;   // the whole file: what SQLite runs
  // What PostgreSQL runs: the NNNN_name.postgres.sql variant when there is one, else `sql`.
  const char* postgres_sql;
};

// All migrations in version order.
const std::vector<Migration>& all_migrations();

}  // namespace hiresync::store
