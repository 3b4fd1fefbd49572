// bench_floor: the lower bound for any tool that looks at every message of a corpus.
//
// Walks DIR recursively and reads every regular file once, entirely, into one reusable buffer
// (open, read until EOF, close), then prints "<files> files <bytes> bytes". Nothing is parsed. The
// bench divides every contender's wall time by this one's, so "2x floor" means "twice the cost of
// just getting the bytes into memory" on the same (warm) page cache.
//
// Exit status: 0 when every file was read; 1 when any file or directory could not be read (each is
// reported on stderr and skipped, the rest is still read); 2 on bad usage.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

namespace {

constexpr std::size_t kInitialBuffer = std::size_t{1} << 20;

struct Totals {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t errors = 0;
};

// Reads the whole file at `path` into `buffer` (grown as needed, never shrunk). Returns the number
// of bytes read, or -1 with errno set when the file could not be opened or read.
long long ReadWhole(const char* path, std::vector<char>& buffer) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  std::size_t used = 0;
  for (;;) {
    if (used == buffer.size()) buffer.resize(buffer.size() * 2);
    const ssize_t n = ::read(fd, buffer.data() + used, buffer.size() - used);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      return -1;
    }
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return static_cast<long long>(used);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  namespace fs = std::filesystem;
  std::vector<char> buffer(kInitialBuffer);
  Totals totals;
  std::error_code ec;
  fs::recursive_directory_iterator it(argv[1], fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    std::fprintf(stderr, "bench_floor: %s: %s\n", argv[1], ec.message().c_str());
    return 1;
  }
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) {
      std::fprintf(stderr, "bench_floor: %s\n", ec.message().c_str());
      ++totals.errors;
      ec.clear();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    const long long n = ReadWhole(it->path().c_str(), buffer);
    if (n < 0) {
      std::fprintf(stderr, "bench_floor: %s: %s\n", it->path().c_str(), std::strerror(errno));
      ++totals.errors;
      continue;
    }
    ++totals.files;
    totals.bytes += static_cast<std::uint64_t>(n);
  }
  std::printf("%llu files %llu bytes\n", static_cast<unsigned long long>(totals.files),
              static_cast<unsigned long long>(totals.bytes));
  return totals.errors == 0 ? 0 : 1;
}
