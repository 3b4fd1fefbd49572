// Schema migrations on PostgreSQL: the same numbered files as SQLite (store/migrations.hpp), each
// migration's PostgreSQL text (its .postgres.sql variant when it has one), and the same bookkeeping
// as the SQLite store: a `schema_migrations(version, name, applied_at)` row per applied migration,
// the schema's version being the highest one.
#pragma once

#include <climits>
#include <string>
#include <vector>

#include "model/result.hpp"
#include "store/postgres/pg_connection.hpp"

namespace hiresync::store::postgres {

// Applies, in version order, every migration above the database's version and up to `max_version`
// (tests use a lower one to build an "older" database). Each migration runs in its own transaction
// together with its schema_migrations row, so a failure or crash leaves the last good version.
// Idempotent: a second call applies nothing. Safe when several nodes migrate at once: each
// transaction holds an advisory lock and re-reads the version under it.
// Returns the file names applied, in order (empty when the schema was already current).
// Errors: the connection's (kTransient when it was lost; the caller may simply run it again), or
// kInternal naming the migration that failed.
model::Result<std::vector<std::string>> apply_migrations(Connection& conn, int max_version = INT_MAX);

// The highest applied migration version: 0 for an empty database.
model::Result<int> schema_version(Connection& conn);

}  // namespace hiresync::store::postgres
