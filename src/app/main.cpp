// `hiresync`: the command line. Only this folder wires the stages together.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.hpp"
#include "app/context.hpp"

namespace {

int run_main(int argc, char** argv) {
  using namespace hiresync::app;  // NOLINT(google-build-using-namespace): main only

  CLI::App app{"HireSync: syncs recruiters' mailboxes into the recruiting platform"};
  app.require_subcommand(1);
  std::string db_flag;
  app.add_option("--db", db_flag, "SQLite database (default $HIRESYNC_DB or ./hiresync-data/hiresync.db)");

  auto* seed =
      app.add_subcommand("seed", "load members, contracts, users, projects and candidates from JSON");
  std::string seed_file;
  seed->add_option("--db", db_flag, "SQLite database");
  seed->add_option("file", seed_file, "seed file (JSON)")->required();

  auto* import = app.add_subcommand("import", "run the ingest pipeline on raw messages as a user's mailbox");
  ImportOptions import_options;
  import->add_option("--db", db_flag, "SQLite database");
  import->add_option("--owner", import_options.owner, "email of the user whose mailbox this is")->required();
  import->add_flag("--json", import_options.json, "print one JSON object (shared/API.md)");
  import->add_option("--threads", import_options.threads,
                     "parser threads besides the main one (default: cores - 1, at most 3)");
  import->add_option("paths", import_options.paths, "files, directories, mbox files, maildirs")->required();

  auto* explain =
      app.add_subcommand("explain", "show, per participant, why a message would or would not sync");
  ExplainOptions explain_options;
  explain->add_option("--db", db_flag, "SQLite database");
  explain->add_option("--owner", explain_options.owner, "email of the user whose mailbox this is")
      ->required();
  explain->add_flag("--json", explain_options.json, "print JSON");
  explain->add_option("file", explain_options.file, "a raw message (or mbox) file")->required();

  auto* erase = app.add_subcommand("gdpr-erase", "erase every message of a person and suppress future sync");
  EraseOptions erase_options;
  erase->add_option("--db", db_flag, "SQLite database");
  erase->add_option("--email", erase_options.email, "any address of the person")->required();
  erase->add_flag("--json", erase_options.json, "print JSON");

  auto* migrate = app.add_subcommand("migrate", "apply the schema migrations to a SQLite file or PostgreSQL");
  migrate->add_option("--db", db_flag, "SQLite database or postgresql:// URI");

  auto* serve = app.add_subcommand("serve", "run the API, the web UI and the sync workers");
  ServeOptions serve_options;
  serve->add_option("--db", serve_options.db, "SQLite database");
  serve->add_option("--listen", serve_options.listen, "host:port to listen on (default 127.0.0.1:8080)");
  serve->add_option("--config", serve_options.config_file, "TOML configuration file");
  serve->add_option("--public-url", serve_options.public_url, "URL browsers use to reach this server");
  serve->add_option("--sandbox", serve_options.sandbox,
                    "base URL of a running hiresync-sandbox: every provider endpoint points there");
  serve->add_option("--log-level", serve_options.log_level, "debug, info, warn or error");
  serve->add_option("--node-id", serve_options.node_id,
                    "this node's name in a cluster on PostgreSQL (default <hostname>:<port>)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  const CommonOptions common{resolve_db_path(db_flag)};
  if (migrate->parsed()) return run_migrate(common, std::cout, std::cerr);
  // Only `migrate` speaks PostgreSQL in this increment; the others say so rather than treat the
  // URI as a file name.
  if (seed->parsed()) return run_seed(common, seed_file, std::cout, std::cerr);
  if (import->parsed()) return run_import(common, import_options, std::cout, std::cerr);
  if (explain->parsed()) return run_explain(common, explain_options, std::cout, std::cerr);
  if (erase->parsed()) return run_gdpr_erase(common, erase_options, std::cout, std::cerr);
  if (serve->parsed()) {
    if (serve_options.db.empty() && !db_flag.empty()) serve_options.db = db_flag;
    return run_serve(serve_options, std::cout, std::cerr);
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // The stages return errors as values; this is the last net for an allocation failure or a
  // library bug, so that the process says what happened instead of aborting silently.
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "hiresync: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "hiresync: internal error\n";
  }
  return 1;
}
