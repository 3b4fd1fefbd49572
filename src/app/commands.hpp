// The `hiresync` subcommands that work on a database. Each returns the process exit code:
// 0 success, 1 a runtime failure (unreadable input, database error), 2 bad arguments
// (unknown owner, missing file, bad seed). Human output goes to `out`, diagnostics to `err`.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace hiresync::app {

struct CommonOptions {
  std::string db;  // resolved path
};

// `hiresync migrate`: applies every pending schema migration to the SQLite file or the PostgreSQL
// database (`postgresql://` or `postgres://` URI) at common.db and prints one line per migration
// applied, then the schema's version. Idempotent. Exit 1 when the database cannot be opened or
// reached or a migration fails (the message never shows the URI's password).
int run_migrate(const CommonOptions& common, std::ostream& out, std::ostream& err);

int run_seed(const CommonOptions& common, const std::string& file, std::ostream& out, std::ostream& err);

struct ImportOptions {
  std::string owner;
  bool json = false;
  std::vector<std::string> paths;
  int threads = 0;  // 0: one per core
};
int run_import(const CommonOptions& common, const ImportOptions& options, std::ostream& out,
               std::ostream& err);

struct ExplainOptions {
  std::string owner;
  bool json = false;
  std::string file;
};
int run_explain(const CommonOptions& common, const ExplainOptions& options, std::ostream& out,
                std::ostream& err);

struct EraseOptions {
  std::string email;
  bool json = false;
};
int run_gdpr_erase(const CommonOptions& common, const EraseOptions& options, std::ostream& out,
                   std::ostream& err);

// `hiresync serve`: API, UI and sync workers in one process until SIGINT or SIGTERM. `flags` are
// the command line's values (config file, listen, db, public URL, sandbox); the rest comes from the
// TOML file and the environment (api/config.hpp). Exit 2 for a bad configuration, 1 when the
// database or the listen address cannot be used. On PostgreSQL the process is one node of a cluster
// (docs/postgres.md "Cluster"), named by node_id (default <hostname>:<port>).
struct ServeOptions {
  std::string config_file;
  std::string listen;
  std::string db;
  std::string public_url;
  std::string sandbox;
  std::string log_level;
  std::string node_id;
};
int run_serve(const ServeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace hiresync::app
