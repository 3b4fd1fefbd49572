// Test support: a private PostgreSQL 15 server for one test binary. The constructor runs `initdb`
// into a fresh temporary folder, starts the server with `pg_ctl` on a free loopback port (its unix
// socket inside that folder, durability off: tests need no crash safety), waits until it accepts
// connections and creates the database `hiresync`; the destructor stops it (`pg_ctl stop -m fast`)
// and removes the folder. No system service is used or touched.
//
// initdb refuses to run as root: as root, every server command runs as the `postgres` system
// account (`runuser -u postgres --`) and the folder is handed to it.
//
// The binaries come from $HIRESYNC_PG_BIN, else /usr/lib/postgresql/15/bin. When they are missing,
// or the server does not start, the constructor throws std::runtime_error saying why (and that
// `scripts/install-deps.sh test` installs them): a test must fail, never skip, without PostgreSQL.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace hiresync::store::postgres {

class TestServer {
 public:
  TestServer();
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // postgresql://postgres@127.0.0.1:PORT/<database> (trust authentication on loopback).
  std::string uri(const std::string& database = "hiresync") const;
  int port() const { return port_; }

  // Restarts the server (`pg_ctl restart -m fast`: every connection is cut, as in a failover or an
  // upgrade) on the same port and waits until it accepts connections again. Throws when it fails.
  void restart();

 private:
  // Runs a server binary (as `postgres` when we are root); returns its exit status.
  int run(const std::vector<std::string>& args) const;

  std::filesystem::path dir_;
  std::filesystem::path bin_;
  bool as_postgres_ = false;
  bool started_ = false;
  int port_ = 0;
  std::string options_;  // the server's command line options (port, socket folder, durability)
};

// The one server of this test process, started on first use (test binaries that share it across
// source files: each test takes a database of its own).
TestServer& shared_test_server();

}  // namespace hiresync::store::postgres
