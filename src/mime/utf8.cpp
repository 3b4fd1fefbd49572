#include "mime/utf8.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

namespace hiresync::mime {
namespace {

// Windows-1252 code points for bytes 0x80-0x9F; the five unassigned bytes keep their ISO-8859-1
// (C1 control) meaning. Bytes 0xA0-0xFF are the same code point in both charsets.
constexpr std::array<char32_t, 32> kWindows1252High{
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the valid UTF-8 sequence at p[0..left), or 0 when the bytes there are not one.
std::size_t sequence_length(const unsigned char* p, std::size_t left) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;  // stray continuation byte or overlong 2-byte form
  if (c < 0xE0) return left >= 2 && is_continuation(p[1]) ? 2 : 0;
  if (c < 0xF0) {
    if (left < 3) return 0;
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // no surrogates
    return p[1] >= lo && p[1] <= hi && is_continuation(p[2]) ? 3 : 0;
  }
  if (c < 0xF5) {
    if (left < 4) return 0;
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;  // no overlong forms
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    return p[1] >= lo && p[1] <= hi && is_continuation(p[2]) && is_continuation(p[3]) ? 4 : 0;
  }
  return 0;
}

// Offset of the first byte >= 0x80 at or after `i`, or `size`.
std::size_t skip_ascii(const unsigned char* p, std::size_t i, std::size_t size) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  while (i + 8 <= size) {
    std::uint64_t word;
    std::memcpy(&word, p + i, sizeof word);
    if ((word & kHighBits) != 0) break;
    i += 8;
  }
  while (i < size && p[i] < 0x80) ++i;
  return i;
}

void append_code_point(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Offset of the first byte that does not start a valid sequence, or text.size().
std::size_t first_invalid(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while ((i = skip_ascii(p, i, size)) < size) {
    const std::size_t len = sequence_length(p + i, size - i);
    if (len == 0) return i;
    i += len;
  }
  return size;
}

}  // namespace

bool is_ascii(std::string_view text) {
  return skip_ascii(reinterpret_cast<const unsigned char*>(text.data()), 0, text.size()) == text.size();
}

bool is_valid_utf8(std::string_view text) { return first_invalid(text) == text.size(); }

void make_valid_utf8(std::string& text) {
  std::size_t i = first_invalid(text);
  if (i == text.size()) return;

  std::string out;
  out.reserve(text.size() + text.size() / 2);
  out.append(text, 0, i);
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  while (i < text.size()) {
    const std::size_t len = sequence_length(p + i, text.size() - i);
    if (len > 0) {
      out.append(text, i, len);
      i += len;
      continue;
    }
    const unsigned char c = p[i++];
    append_code_point(c < 0xA0 ? kWindows1252High[c - 0x80] : char32_t{c}, out);
  }
  text = std::move(out);
}

}  // namespace hiresync::mime
