#include <string>

#include "ingest/ingest.hpp"

namespace hiresync::ingest {
namespace {

constexpr std::size_t kSnippetBytes = 200;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

// Appends `text` with runs of whitespace collapsed to one space, stopping at `limit` bytes.
void append_collapsed(std::string& out, std::string_view text, bool skip_tags) {
  bool in_tag = false;
  for (char c : text) {
    if (out.size() >= kSnippetBytes + 4) break;
    if (skip_tags) {
      if (c == '<') {
        in_tag = true;
        continue;
      }
      if (in_tag) {
        if (c == '>') {
          in_tag = false;
          if (!out.empty() && out.back() != ' ') out.push_back(' ');
        }
        continue;
      }
    }
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

std::string make_snippet(const model::ParsedMessage& message) {
  std::string out;
  if (!message.text.empty()) {
    append_collapsed(out, message.text, false);
  } else {
    append_collapsed(out, message.html, true);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > kSnippetBytes) {
    std::size_t cut = kSnippetBytes;
    // Never split a UTF-8 sequence: back up over continuation bytes.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "…";
  }
  return out;
}

}  // namespace hiresync::ingest
