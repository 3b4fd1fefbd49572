// Test support: the database a store-level test runs on. `make test` runs these tests twice, once
// per backend (tests/CMakeLists.txt and src/store/CMakeLists.txt register the PostgreSQL run with
// HIRESYNC_TEST_BACKEND=postgres), so one test body proves the contract on both.
#pragma once

#include <string>
#include <vector>

namespace hiresync::store::testing {

// True when HIRESYNC_TEST_BACKEND is "postgres".
bool use_postgres();

// `sqlite_path` when testing SQLite. On PostgreSQL, the URI of a new, empty database on this
// process's private PostgreSQL 15 server (postgres/pg_test_server.hpp, started on first use and
// stopped when the process ends); every call gives another database, so tests stay independent.
// Throws std::runtime_error when the server cannot start or the database cannot be created.
std::string test_database(const std::string& sqlite_path);

// Raw SQL on a test database (a SQLite path or a PostgreSQL URI) from outside the store: to write
// rows as an older version did, or to look at what the store left. `exec` runs statements without
// parameters and returns false (with the reason in `error`) when one fails; `query` returns every
// row of one statement as text ("" for NULL), empty on error.
bool exec(const std::string& db, const std::string& sql, std::string* error = nullptr);
std::vector<std::vector<std::string>> query(const std::string& db, const std::string& sql);

}  // namespace hiresync::store::testing
