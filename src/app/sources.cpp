#include "app/sources.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace hiresync::app {

namespace fs = std::filesystem;
using model::ErrorCode;
using model::make_error;

namespace {

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Recursive listing with readdir and plain strings: std::filesystem's path objects made listing
// a 6,000-file corpus cost more than parsing it.
void walk(const std::string& dir, std::vector<std::string>& out) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;  // unreadable folders are skipped, as unreadable mail would be
  struct Item {
    std::string name;
    unsigned char type;
  };
  std::vector<Item> items;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;  // ".", "..", and hidden entries (editor and sync litter)
    items.push_back(Item{e->d_name, e->d_type});
  }
  ::closedir(d);
  // Byte order of the names: stable across machines and locales.
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.name < b.name; });
  const std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  // A maildir: messages live in new/ and cur/; tmp/ holds half-delivered files.
  const bool maildir = is_dir(prefix + "cur") && is_dir(prefix + "new");
  for (const Item& item : items) {
    const std::string path = prefix + item.name;
    unsigned char type = item.type;
    if (type == DT_UNKNOWN || type == DT_LNK) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) continue;  // a dangling link
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      if (maildir && item.name == "tmp") continue;
      walk(path, out);
    } else if (type == DT_REG) {
      out.emplace_back(path);
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

// Offset of the next "\n\nFrom " at or after `from`, or npos. Scans for the rare 'F' with memchr
// (vectorized) and checks around it: memmem's generic search, or find() stopping at every '\n',
// cost more than the rest of reading an unmatched message.
std::size_t find_separator(std::string_view content, std::size_t from) {
  constexpr std::string_view kFrom = "From ";
  std::size_t pos = from + 2;  // the 'F' follows two newlines
  while (pos < content.size()) {
    const void* f = std::memchr(content.data() + pos, 'F', content.size() - pos);
    if (f == nullptr) return std::string_view::npos;
    pos = static_cast<std::size_t>(static_cast<const char*>(f) - content.data());
    if (content[pos - 1] == '\n' && content[pos - 2] == '\n' && content.substr(pos, kFrom.size()) == kFrom) {
      return pos - 2;
    }
    ++pos;
  }
  return std::string_view::npos;
}

}  // namespace

model::Result<Inputs> expand_inputs(const std::vector<std::string>& args) {
  Inputs out;
  for (const auto& arg : args) {
    const fs::path p(arg);
    std::error_code ec;
    const auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) {
      return make_error(ErrorCode::kInvalidArgument, arg + ": no such file or directory");
    }
    if (fs::is_directory(status)) {
      walk(arg, out.files);
    } else if (fs::is_regular_file(status)) {
      out.files.push_back(arg);
    } else {
      out.unreadable.emplace_back(arg, arg + ": not a regular file");
    }
  }
  return out;
}

model::Result<std::string_view> read_file(const std::string& path, std::string& buffer) {
  // O_NONBLOCK: a FIFO or device must not hang the import; for regular files it changes nothing.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return make_error(ErrorCode::kInvalidArgument, path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kInvalidArgument, path + ": not a regular file");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (buffer.size() < size) buffer.resize(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, buffer.data() + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string detail = path;
      detail.append(": ").append(std::strerror(errno));
      ::close(fd);
      return make_error(ErrorCode::kInvalidArgument, std::move(detail));
    }
    if (n == 0) break;  // the file shrank while we read it
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return std::string_view(buffer.data(), done);
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
    const std::size_t hit = find_separator(content, search);
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

std::string source_label(const std::string& path, const FoundMessage& m) {
  std::string label = path;
  if (m.index > 0) label += "#" + std::to_string(m.index);
  return label;
}

}  // namespace hiresync::app
