#include "store/postgres/pg_test_server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "store/postgres/pg_connection.hpp"

extern char** environ;

namespace hiresync::store::postgres {

namespace {

// A loopback port nobody listens on right now (the kernel's pick; released before use, so a
// start can still lose a race: the constructor retries).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("pg test server: socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  if (port == 0) throw std::runtime_error("pg test server: no free loopback port");
  return port;
}

std::string read_file(const std::filesystem::path& path) {
  std::string out;
  if (FILE* f = std::fopen(path.c_str(), "r"); f != nullptr) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

}  // namespace

TestServer::TestServer() {
  const char* env_bin = std::getenv("HIRESYNC_PG_BIN");
  bin_ = env_bin != nullptr && *env_bin != '\0' ? env_bin : "/usr/lib/postgresql/15/bin";
  if (!std::filesystem::exists(bin_ / "initdb") || !std::filesystem::exists(bin_ / "pg_ctl")) {
    throw std::runtime_error("PostgreSQL 15 is not installed: no initdb or pg_ctl in " + bin_.string() +
                             " (run scripts/install-deps.sh test, or set HIRESYNC_PG_BIN)");
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "hiresync-pg-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("pg test server: mkdtemp failed");
  dir_ = tmpl;
  std::filesystem::create_directory(dir_ / "sock");
  as_postgres_ = geteuid() == 0;
  if (as_postgres_) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) throw std::runtime_error("running as root and there is no postgres account");
    for (const auto& p : {dir_, dir_ / "sock"}) {
      if (chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown " + p.string());
    }
  }
  const std::string data = (dir_ / "data").string();
  const std::string log = (dir_ / "server.log").string();
  if (run({"initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"}) !=
      0) {
    throw std::runtime_error("initdb failed; see " + (dir_ / "initdb.log").string());
  }
  for (int attempt = 0; attempt < 3 && !started_; ++attempt) {
    port_ = free_port();
    options_ = "-p " + std::to_string(port_) + " -k " + (dir_ / "sock").string() +
               " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
               " -c full_page_writes=off";
    started_ = run({"pg_ctl", "start", "-D", data, "-l", log, "-w", "-t", "60", "-o", options_}) == 0;
  }
  if (!started_) throw std::runtime_error("pg_ctl start failed:\n" + read_file(log));
  auto admin = Connection::open(uri("postgres"));
  if (!admin) throw std::runtime_error("pg test server: " + admin.error().detail);
  if (auto created = (*admin)->exec("CREATE DATABASE hiresync"); !created) {
    throw std::runtime_error("pg test server: " + created.error().detail);
  }
}

TestServer::~TestServer() {
  if (started_) (void)run({"pg_ctl", "stop", "-D", (dir_ / "data").string(), "-m", "fast", "-w"});
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void TestServer::restart() {
  const std::string data = (dir_ / "data").string();
  const std::string log = (dir_ / "server.log").string();
  if (run({"pg_ctl", "restart", "-D", data, "-l", log, "-m", "fast", "-w", "-t", "60", "-o", options_}) !=
      0) {
    throw std::runtime_error("pg_ctl restart failed:\n" + read_file(log));
  }
}

TestServer& shared_test_server() {
  static TestServer instance;
  return instance;
}

std::string TestServer::uri(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

int TestServer::run(const std::vector<std::string>& args) const {
  std::vector<std::string> argv;
  if (as_postgres_) argv = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  argv.push_back((bin_ / args[0]).string());
  argv.insert(argv.end(), args.begin() + 1, args.end());
  std::vector<char*> c_argv;
  c_argv.reserve(argv.size() + 1);
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);

  // Output goes to a log in the folder (initdb and pg_ctl are chatty); stdin is /dev/null.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = (dir_ / (args[0] + ".log")).string();
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, c_argv[0], &actions, nullptr, c_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace hiresync::store::postgres
