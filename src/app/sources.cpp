#include "app/sources.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hiresync::app {

namespace fs = std::filesystem;
using model::ErrorCode;
using model::make_error;

namespace {

bool is_hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

void walk(const fs::path& dir, std::vector<fs::path>& out) {
  std::vector<fs::directory_entry> entries;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, fs::directory_options::skip_permission_denied, ec)) {
    if (!is_hidden(e.path())) entries.push_back(e);
  }
  std::sort(entries.begin(), entries.end(),
            [](const fs::directory_entry& a, const fs::directory_entry& b) { return a.path() < b.path(); });
  // A maildir: messages live in new/ and cur/; tmp/ holds half-delivered files.
  const bool maildir = fs::is_directory(dir / "cur", ec) && fs::is_directory(dir / "new", ec);
  for (const auto& e : entries) {
    if (e.is_directory(ec)) {
      if (maildir && e.path().filename() == "tmp") continue;
      walk(e.path(), out);
    } else if (e.is_regular_file(ec)) {
      out.push_back(e.path());
    }
  }
}

// "From sender Thu Aug 22 12:36:23 2002": a separator has a sender word and a time of day.
bool looks_like_separator(std::string_view line) {
  if (line.substr(0, 5) != "From ") return false;
  for (std::size_t i = 5; i + 4 < line.size(); ++i) {
    auto digit = [&](std::size_t k) { return line[k] >= '0' && line[k] <= '9'; };
    if (line[i + 2] == ':' && digit(i) && digit(i + 1) && digit(i + 3) && digit(i + 4)) return true;
  }
  return false;
}

std::string_view line_at(std::string_view s, std::size_t pos) {
  const std::size_t end = s.find('\n', pos);
  return s.substr(pos, end == std::string_view::npos ? s.size() - pos : end - pos);
}

}  // namespace

model::Result<std::vector<fs::path>> expand_inputs(const std::vector<std::string>& args) {
  std::vector<fs::path> out;
  for (const auto& arg : args) {
    const fs::path p(arg);
    std::error_code ec;
    const auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) {
      return make_error(ErrorCode::kInvalidArgument, arg + ": no such file or directory");
    }
    if (fs::is_directory(status)) {
      walk(p, out);
    } else {
      out.push_back(p);
    }
  }
  return out;
}

model::Status read_file(const fs::path& path, std::string& buffer) {
  // O_NONBLOCK: a FIFO or device must not hang the import; for regular files it changes nothing.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return make_error(ErrorCode::kInvalidArgument, path.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kInvalidArgument, path.string() + ": not a regular file");
  }
  buffer.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t n = ::read(fd, buffer.data() + done, buffer.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      return make_error(ErrorCode::kInvalidArgument, path.string() + ": " + reason);
    }
    if (n == 0) break;  // the file shrank while we read it
    done += static_cast<std::size_t>(n);
  }
  buffer.resize(done);
  ::close(fd);
  return {};
}

std::vector<FoundMessage> split_messages(std::string_view content) {
  std::vector<FoundMessage> out;
  if (!looks_like_separator(line_at(content, 0))) {
    out.push_back(FoundMessage{content, 0});
    return out;
  }
  std::size_t start = content.find('\n');
  start = start == std::string_view::npos ? content.size() : start + 1;
  std::size_t search = start;
  for (;;) {
    const std::size_t hit = content.find("\n\nFrom ", search);
    if (hit == std::string_view::npos) break;
    const std::size_t line_start = hit + 2;
    if (!looks_like_separator(line_at(content, line_start))) {
      search = line_start;
      continue;
    }
    out.push_back(FoundMessage{content.substr(start, hit + 1 - start), static_cast<int>(out.size()) + 1});
    std::size_t next = content.find('\n', line_start);
    start = next == std::string_view::npos ? content.size() : next + 1;
    search = start;
  }
  out.push_back(FoundMessage{content.substr(start), static_cast<int>(out.size()) + 1});
  if (out.size() == 1) out[0].index = 0;
  return out;
}

std::string source_label(const fs::path& path, const FoundMessage& m) {
  std::string label = path.string();
  if (m.index > 0) label += "#" + std::to_string(m.index);
  return label;
}

}  // namespace hiresync::app
