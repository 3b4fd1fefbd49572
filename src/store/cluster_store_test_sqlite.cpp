// cluster_store_test.cpp on SQLite: a file per test in a temporary folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/cluster_store_test_backend.hpp"

namespace hiresync::store::cluster_testing {

namespace fs = std::filesystem;

std::string cluster_test_database(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("hiresync-cluster-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return (dir / "test.db").string();
}

std::unique_ptr<SqlStore> cluster_test_open(const std::string& database) {
  auto s = SqlStore::open(database);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().detail);
  return s.ok() ? std::move(*s) : nullptr;
}

void cluster_test_drop(const std::string& database) { fs::remove_all(fs::path(database).parent_path()); }

}  // namespace hiresync::store::cluster_testing
