// ASCII-only, locale-free string helpers for header syntax. Internal to src/mime.
#pragma once

#include <cstddef>
#include <string_view>

namespace hiresync::mime {

inline char to_lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive (ASCII) comparison of `text` with `lower`, which must already be lowercase.
inline bool equals_lower(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (to_lower_ascii(text[i]) != lower[i]) return false;
  }
  return true;
}

// Offset of the first case-insensitive (ASCII) occurrence of `lower` (lowercase, non-empty) in
// `text` at or after `from`, or npos. Linear in text.size() * lower.size().
inline std::size_t find_lower(std::string_view text, std::string_view lower, std::size_t from = 0) {
  for (std::size_t i = from; i + lower.size() <= text.size(); ++i) {
    if (equals_lower(text.substr(i, lower.size()), lower)) return i;
  }
  return std::string_view::npos;
}

}  // namespace hiresync::mime
