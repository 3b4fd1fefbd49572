// Running the real `hiresync` binary from tests: a fresh temporary folder per test, and a helper
// that runs a command line and captures its exit code, stdout and stderr.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hiresync::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  nlohmann::json json() const;  // stdout parsed as JSON (a test failure when it is not)
};

// Runs `args` (argv[0] is HIRESYNC_BIN unless given) with extra environment entries "K=V".
CommandResult run(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

// A temporary folder removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to path()/name (creating folders) and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

inline std::string bin() { return HIRESYNC_BIN; }
inline std::filesystem::path source_dir() { return HIRESYNC_SOURCE_DIR; }

}  // namespace hiresync::testing
