// The web UI's files (web/ of the source tree) and the responses that serve them: embedded into
// the binary at build time (embed_web.cmake), or read from a folder on every request when one is
// configured (development: HIRESYNC_WEB_DIR). The UI is a single-page app: /static/** are its
// files, and every other UI path answers web/index.html, whose script routes in the browser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "net/http.hpp"

namespace hiresync::api {

// One embedded file. `path` is relative to web/ with '/' separators ("static/app.js").
struct WebFile {
  std::string_view path;
  std::string_view data;
};

// Every embedded file, generated at build time; empty when web/ did not exist then. Thread-safe.
const std::vector<WebFile>& embedded_web_files();

// The Content-Type for a file name by its extension; application/octet-stream when unknown.
std::string content_type_of(std::string_view path);

// True for the paths the UI answers: anything but /api, /oauth, /webhooks, /healthz, /metrics
// (and what is under them).
bool is_ui_path(std::string_view path);

// Adds the headers every UI response carries: the strict Content-Security-Policy (no inline script
// or style), X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer.
void add_ui_headers(net::Fields& headers);

// Answers a GET of a UI path (is_ui_path): "/static/<file>" is web/static/<file>, 404 when there
// is none; any other path is web/index.html (404 when there is none). With `web_dir` non-empty the
// file is read from that folder on this request, else taken from the embedded ones. A path with a
// "." or ".." segment, an empty segment, a backslash or a NUL byte, or one leading outside
// `web_dir` through a link, answers 404: nothing outside the UI's files is ever read. Every answer
// carries the UI headers. Never throws; thread-safe.
net::Response serve_ui(std::string_view path, const std::string& web_dir);

}  // namespace hiresync::api
