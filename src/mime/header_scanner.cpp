#include "mime/header_scanner.hpp"

#include <array>
#include <cstring>

namespace hiresync::mime {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kMboxMarker = "From ";

constexpr std::array<bool, 256> make_token_table() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}
constexpr std::array<bool, 256> kTokenChar = make_token_table();

bool is_token_char(char c) { return kTokenChar[static_cast<unsigned char>(c)]; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Characters unfold() rewrites or drops.
bool is_special(char c) {
  return static_cast<unsigned char>(c) <= '\r' && (c == '\n' || c == '\r' || c == '\t' || c == '\0');
}

}  // namespace

std::string_view skip_bom(std::string_view raw) {
  if (raw.starts_with(kBom)) raw.remove_prefix(kBom.size());
  return raw;
}

std::string_view skip_preamble(std::string_view raw) {
  raw = skip_bom(raw);
  if (raw.starts_with(kMboxMarker)) {
    const std::size_t lf = raw.find('\n');
    raw.remove_prefix(lf == std::string_view::npos ? raw.size() : lf + 1);
  }
  return raw;
}

HeaderScanner::HeaderScanner(std::string_view raw) : raw_(skip_preamble(raw)) {}

std::size_t HeaderScanner::line_end(std::size_t pos) const {
  const void* lf = std::memchr(raw_.data() + pos, '\n', raw_.size() - pos);
  return lf == nullptr ? raw_.size() : static_cast<std::size_t>(static_cast<const char*>(lf) - raw_.data());
}

bool HeaderScanner::next(RawField& field) {
  const std::size_t n = raw_.size();
  while (!done_ && pos_ < n) {
    const std::size_t start = pos_;
    const std::size_t lf = line_end(start);
    std::size_t content_end = lf;
    if (content_end > start && raw_[content_end - 1] == '\r') --content_end;
    pos_ = lf < n ? lf + 1 : n;

    if (content_end == start) break;  // the empty line that ends the header block

    if (is_blank(raw_[start])) {
      // A continuation of a line that was skipped below (fields consume their own continuations).
      if (!seen_field_) break;
      continue;
    }

    std::size_t i = start;
    while (i < content_end && is_token_char(raw_[i])) ++i;
    const std::size_t name_end = i;
    while (i < content_end && is_blank(raw_[i])) ++i;
    if (name_end == start || i == content_end || raw_[i] != ':') {
      if (seen_field_) continue;  // GMime ignores invalid lines inside the block, so do we
      break;                      // the input does not start with a header block
    }

    // Swallow the continuation lines, keeping the end of the last one (without its line break).
    std::size_t value_end = content_end;
    while (pos_ < n && is_blank(raw_[pos_])) {
      const std::size_t next_lf = line_end(pos_);
      value_end = next_lf;
      if (value_end > pos_ && raw_[value_end - 1] == '\r') --value_end;
      pos_ = next_lf < n ? next_lf + 1 : n;
    }

    seen_field_ = true;
    field.name = raw_.substr(start, name_end - start);
    field.value = raw_.substr(i + 1, value_end - (i + 1));
    return true;
  }
  done_ = true;
  return false;
}

void unfold(std::string_view value, std::string& out) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0'; };
  std::size_t begin = 0;
  std::size_t end = value.size();
  while (begin < end && is_space(value[begin])) ++begin;
  while (end > begin && is_space(value[end - 1])) --end;

  out.clear();
  out.reserve(end - begin);
  std::size_t i = begin;
  while (i < end) {
    // Copy the run of ordinary characters in one go; only line breaks, TAB and NUL need work.
    std::size_t run_end = i;
    while (run_end < end && !is_special(value[run_end])) ++run_end;
    out.append(value.data() + i, run_end - i);
    if (run_end == end) break;
    const char c = value[run_end];
    i = run_end + 1;
    if (c == '\n') continue;
    // `end` never stops right after a CR (it was trimmed), so value[i] exists.
    if (c == '\r' && value[i] == '\n') continue;
    out.push_back(' ');  // TAB, lone CR, NUL
  }
}

}  // namespace hiresync::mime
