#include "sandbox/google/mime_tree.hpp"

#include <algorithm>
#include <cctype>

#include "net/http.hpp"

namespace hiresync::sandbox::google {

namespace {

constexpr int kMaxDepth = 32;
constexpr std::size_t kSnippetChars = 200;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The line starting at `pos` without its line break; `next` gets the start of the next line.
std::string_view line_at(std::string_view raw, std::size_t pos, std::size_t& next) {
  const std::size_t lf = raw.find('\n', pos);
  std::size_t end = lf == std::string_view::npos ? raw.size() : lf;
  next = lf == std::string_view::npos ? raw.size() : lf + 1;
  if (end > pos && raw[end - 1] == '\r') --end;
  return raw.substr(pos, end - pos);
}

bool is_field_line(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  return std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon),
                     [](unsigned char c) { return c > 32 && c < 127; });
}

struct ContentType {
  std::string type = "text/plain";
  std::string boundary;
  std::string name;
};

// Parameter `key` of a structured header value (quoted or not; RFC 2231 `key*` with a charset
// prefix is percent-decoded).
std::string parameter(std::string_view value, std::string_view key) {
  std::size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;  // past ';'
    while (i < value.size() && std::isspace(static_cast<unsigned char>(value[i]))) ++i;
    const std::size_t key_start = i;
    while (i < value.size() && value[i] != '=' && value[i] != ';') ++i;
    const std::string_view k = trim(value.substr(key_start, i - key_start));
    if (i >= value.size() || value[i] == ';') continue;
    ++i;  // past '='
    while (i < value.size() && value[i] == ' ') ++i;
    std::string v;
    if (i < value.size() && value[i] == '"') {
      for (++i; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        v.push_back(value[i]);
      }
      i = value.find(';', i);
    } else {
      const std::size_t end = value.find(';', i);
      v = std::string(
          trim(value.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i)));
      i = end;
    }
    if (iequals(k, key)) return v;
    if (k.size() == key.size() + 1 && k.back() == '*' && iequals(k.substr(0, key.size()), key)) {
      const std::size_t q = v.rfind('\'');
      return net::url_decode(q == std::string::npos ? v : v.substr(q + 1), false);
    }
  }
  return {};
}

ContentType content_type(const HeaderList& headers, std::string_view fallback) {
  ContentType ct;
  ct.type = std::string(fallback);
  const std::string value = header_value(headers, "Content-Type");
  if (value.empty()) return ct;
  std::string type = lower(trim(std::string_view(value).substr(0, value.find(';'))));
  if (type.find('/') != std::string::npos) ct.type = type;
  ct.boundary = parameter(value, "boundary");
  ct.name = parameter(value, "name");
  return ct;
}

std::string decode_body(std::string_view body, const HeaderList& headers) {
  const std::string cte = lower(trim(header_value(headers, "Content-Transfer-Encoding")));
  if (cte == "base64") return decode_base64(body);
  if (cte == "quoted-printable") return decode_quoted_printable(body);
  return std::string(body);
}

// The bodies of the parts of a multipart body, preamble and epilogue dropped.
std::vector<std::string_view> split_multipart(std::string_view body, const std::string& boundary) {
  std::vector<std::string_view> parts;
  const std::string delimiter = "--" + boundary;
  std::size_t pos = 0;
  std::size_t part_start = std::string_view::npos;
  while (pos < body.size()) {
    std::size_t next = 0;
    const std::string_view line = line_at(body, pos, next);
    if (line.substr(0, delimiter.size()) == delimiter) {
      const std::string_view tail = trim(line.substr(delimiter.size()));
      const bool closing = tail.substr(0, 2) == "--";
      if (tail.empty() || closing) {
        if (part_start != std::string_view::npos) {
          std::size_t end = pos;  // drop the line break that belongs to the delimiter
          if (end > part_start && body[end - 1] == '\n') --end;
          if (end > part_start && body[end - 1] == '\r') --end;
          parts.push_back(body.substr(part_start, end - part_start));
        }
        if (closing) return parts;
        part_start = next;
      }
    }
    pos = next;
  }
  if (part_start != std::string_view::npos && part_start < body.size())
    parts.push_back(body.substr(part_start));
  return parts;
}

void walk(std::string_view raw, const std::string& part_id, std::string_view default_type, int depth,
          MimePart& out) {
  std::string_view body;
  split_message(raw, out.headers, body);
  out.part_id = part_id;
  const ContentType ct = content_type(out.headers, default_type);
  out.mime_type = ct.type;
  out.filename = parameter(header_value(out.headers, "Content-Disposition"), "filename");
  if (out.filename.empty()) out.filename = ct.name;
  if (ct.type.rfind("multipart/", 0) == 0 && !ct.boundary.empty() && depth < kMaxDepth) {
    const std::string child_default = ct.type == "multipart/digest" ? "message/rfc822" : "text/plain";
    int index = 0;
    for (const std::string_view child : split_multipart(body, ct.boundary)) {
      MimePart part;
      walk(child, part_id.empty() ? std::to_string(index) : part_id + "." + std::to_string(index),
           child_default, depth + 1, part);
      out.parts.push_back(std::move(part));
      ++index;
    }
    return;
  }
  out.body = decode_body(body, out.headers);
}

const MimePart* find_text(const MimePart& p, std::string_view type) {
  if (p.parts.empty()) {
    const bool attachment = !p.filename.empty() ||
                            lower(header_value(p.headers, "Content-Disposition")).rfind("attachment", 0) == 0;
    return p.mime_type == type && !attachment ? &p : nullptr;
  }
  for (const MimePart& child : p.parts) {
    if (const MimePart* found = find_text(child, type)) return found;
  }
  return nullptr;
}

std::string strip_tags(std::string_view html) {
  std::string out;
  bool in_tag = false;
  for (const char c : html) {
    if (c == '<')
      in_tag = true;
    else if (c == '>')
      in_tag = false, out.push_back(' ');
    else if (!in_tag)
      out.push_back(c);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

void split_message(std::string_view raw, HeaderList& headers, std::string_view& body) {
  headers.clear();
  body = raw.substr(raw.size());
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t next = 0;
    const std::string_view line = line_at(raw, pos, next);
    if (line.empty()) {
      body = raw.substr(next);
      break;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !headers.empty()) {
      headers.back().second += std::string(line);
    } else if (is_field_line(line)) {
      const std::size_t colon = line.find(':');
      headers.emplace_back(std::string(trim(line.substr(0, colon))), std::string(line.substr(colon + 1)));
    } else if (headers.empty()) {
      body = raw.substr(pos);  // no header block at all
      break;
    }
    pos = next;
  }
  for (auto& [name, value] : headers) value = std::string(trim(value));
}

std::string header_value(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return std::string(trim(v));
  }
  return {};
}

MimePart parse_mime_tree(std::string_view raw) {
  MimePart root;
  walk(raw, "", "text/plain", 0, root);
  return root;
}

std::string make_snippet(const MimePart& root) {
  std::string text;
  if (const MimePart* plain = find_text(root, "text/plain")) {
    text = plain->body;
  } else if (const MimePart* html = find_text(root, "text/html")) {
    text = strip_tags(html->body);
  }
  std::string collapsed;
  bool space = false;
  std::size_t chars = 0;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !collapsed.empty();
      continue;
    }
    const bool starts_char = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_char && (chars + (space ? 1 : 0)) >= kSnippetChars) break;
    if (space) {
      collapsed.push_back(' ');
      ++chars;
      space = false;
    }
    collapsed.push_back(c);
    if (starts_char) ++chars;
  }
  return net::html_escape(collapsed);
}

std::string decode_base64(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=')
      break;
    if (v < 0) continue;
    buffer = (buffer << 6U) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
    }
  }
  return out;
}

std::string decode_quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '=') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\n') {  // soft line break
      ++i;
    } else if (i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
      i += 2;
    } else if (i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace hiresync::sandbox::google
