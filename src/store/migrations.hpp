// Numbered schema migrations, embedded from src/store/migrations/NNNN_name.sql at build time.
// Shared by every backend where the SQL allows. Persisted format: DO NOT edit an applied migration.
#pragma once

#include <vector>

namespace hiresync::store {

struct Migration {
  int version;       // NNNN of the file name; strictly increasing
  const char* name;  // file name
  const char* sql;   // the whole file
};

// All migrations in version order.
const std::vector<Migration>& all_migrations();

}  // namespace hiresync::store
