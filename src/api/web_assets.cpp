#include "api/web_assets.hpp"

#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include "api/errors.hpp"

namespace hiresync::api {

namespace {

constexpr const char* kUiCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

constexpr std::string_view kStaticPrefix = "/static/";
constexpr const char* kIndex = "index.html";

struct TypeOf {
  std::string_view extension;
  std::string_view type;
};
constexpr std::array kTypes{
    TypeOf{".html", "text/html; charset=utf-8"},
    TypeOf{".js", "text/javascript; charset=utf-8"},
    TypeOf{".mjs", "text/javascript; charset=utf-8"},
    TypeOf{".css", "text/css; charset=utf-8"},
    TypeOf{".svg", "image/svg+xml"},
    TypeOf{".png", "image/png"},
    TypeOf{".ico", "image/x-icon"},
    TypeOf{".json", "application/json"},
    TypeOf{".txt", "text/plain; charset=utf-8"},
    TypeOf{".map", "application/json"},
    TypeOf{".woff2", "font/woff2"},
};

// True when `rel` ("static/app.js") names a file below the root without leaving it.
bool safe_relative(std::string_view rel) {
  if (rel.empty()) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = rel.find('/', start);
    const std::string_view seg =
        rel.substr(start, slash == std::string_view::npos ? rel.npos : slash - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return rel.find('\\') == std::string_view::npos && rel.find('\0') == std::string_view::npos;
}

const std::unordered_map<std::string_view, std::string_view>& embedded_index() {
  static const auto* const kIndexMap = [] {
    auto* m = new std::unordered_map<std::string_view, std::string_view>();
    for (const WebFile& f : embedded_web_files()) (*m)[f.path] = f.data;
    return m;
  }();
  return *kIndexMap;
}

// The file's bytes from the folder, or nullopt when it is absent, not a regular file, or resolves
// (through links) outside the folder.
std::optional<std::string> read_from_dir(const std::string& web_dir, std::string_view rel) {
  std::error_code ec;
  const auto root = std::filesystem::canonical(web_dir, ec);
  if (ec) return std::nullopt;
  const auto file = std::filesystem::weakly_canonical(root / std::filesystem::path(rel), ec);
  if (ec) return std::nullopt;
  const auto root_text = root.string() + "/";
  if (file.string().rfind(root_text, 0) != 0) return std::nullopt;
  if (!std::filesystem::is_regular_file(file, ec) || ec) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  return std::move(buf).str();
}

std::optional<std::string> read_file(const std::string& web_dir, std::string_view rel) {
  if (!safe_relative(rel)) return std::nullopt;
  if (!web_dir.empty()) return read_from_dir(web_dir, rel);
  const auto& index = embedded_index();
  auto it = index.find(rel);
  if (it == index.end()) return std::nullopt;
  return std::string(it->second);
}

bool under(std::string_view path, std::string_view prefix) {
  if (path.rfind(prefix, 0) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

}  // namespace

std::string content_type_of(std::string_view path) {
  const auto slash = path.rfind('/');
  const auto dot = path.rfind('.');
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
    std::string ext(path.substr(dot));
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& t : kTypes) {
      if (t.extension == ext) return std::string(t.type);
    }
  }
  return "application/octet-stream";
}

bool is_ui_path(std::string_view path) {
  for (std::string_view reserved : {"/api", "/oauth", "/webhooks", "/healthz", "/metrics"}) {
    if (under(path, reserved)) return false;
  }
  return !path.empty() && path.front() == '/';
}

void add_ui_headers(net::Fields& headers) {
  headers.emplace_back("Content-Security-Policy", kUiCsp);
  headers.emplace_back("X-Content-Type-Options", "nosniff");
  headers.emplace_back("Referrer-Policy", "no-referrer");
}

net::Response serve_ui(std::string_view path, const std::string& web_dir) {
  std::string rel = kIndex;
  if (path.rfind(kStaticPrefix, 0) == 0) rel = "static/" + std::string(path.substr(kStaticPrefix.size()));
  net::Response response;
  if (auto bytes = read_file(web_dir, rel)) {
    response.status = 200;
    response.headers.emplace_back("Content-Type", content_type_of(rel));
    // Revalidate every time: file names carry no content hash.
    response.headers.emplace_back("Cache-Control", "no-cache");
    response.body = std::move(*bytes);
  } else {
    response =
        error_response(problem_error(model::ErrorCode::kNotFound, kRouteNotFound, "no UI file " + rel));
  }
  add_ui_headers(response.headers);
  return response;
}

}  // namespace hiresync::api
