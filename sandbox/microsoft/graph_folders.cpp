// The mailFolder methods of MicrosoftSandbox (Graph v1.0 mailFolder resource; "List mailFolders",
// "Get mailFolder", "List childFolders"; sandbox/README.md cites the pages): GET /me/mailFolders
// (the top level under the hidden root, without hidden folders unless includeHiddenFolders=true),
// GET /me/mailFolders/{id|wellKnownName}, GET /me/mailFolders/{id}/childFolders. Pages of $top
// (default 10) with an @odata.nextLink carrying $skip. v1.0 has no wellKnownName property: a client
// learns a well-known folder's id by getting it by name. The folder delta ("mailFolder: delta"):
// GET /me/mailFolders/delta (the top level) and /me/mailFolders/{id}/childFolders/delta, one page
// ending in an @odata.deltaLink; the next round lists the folders created since (hidden ones too).
#include <algorithm>
#include <charconv>

#include "sandbox/microsoft/format.hpp"
#include "sandbox/microsoft/microsoft_sandbox.hpp"

namespace hiresync::sandbox::microsoft {

namespace {

constexpr std::size_t kMaxFolderPage = 1000;

std::size_t number(const std::optional<std::string>& text, std::size_t fallback) {
  if (!text) return fallback;
  std::size_t v = 0;
  const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  return ec == std::errc() && ptr == text->data() + text->size() ? v : fallback;
}

nlohmann::json folder_json(const GraphMailbox& mailbox, const Folder& f, bool with_hidden) {
  std::size_t children = 0;
  for (const Folder* child : mailbox.children(f.key)) children += with_hidden || !child->hidden ? 1 : 0;
  const std::size_t total = mailbox.count_in(f.key);
  return {{"id", f.id},
          {"displayName", f.display_name},
          {"parentFolderId",
           f.parent_key.empty() ? mailbox.folder_id("msgfolderroot") : mailbox.folder(f.parent_key)->id},
          {"childFolderCount", children},
          {"unreadItemCount", total},
          {"totalItemCount", total},
          {"isHidden", f.hidden}};
}

}  // namespace

net::Response MicrosoftSandbox::folders(const net::Request& req, const Caller& c, const std::string& method,
                                        const std::string& folder) {
  const bool hidden = lower(req.param("includeHiddenFolders").value_or("")) == "true";
  const std::lock_guard lock(mu_);
  GraphMailbox& mailbox = *accounts_[c.settings.address].mailbox;
  std::string parent;
  if (method == "folders.delta") return folder_delta(req, c, mailbox, folder);
  if (method != "folders.list") {
    const auto key = mailbox.resolve_folder(folder);
    if (!key) return graph_err(404, "ErrorItemNotFound", "The specified object was not found in the store.");
    if (method == "folders.get") {
      nlohmann::json j = folder_json(mailbox, *mailbox.folder(*key), hidden);
      j["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#users('" + c.settings.user_id +
                            "')/mailFolders/$entity";
      return net::Response::json(200, j.dump());
    }
    parent = *key;
  }
  const std::size_t top = std::clamp<std::size_t>(number(req.param("$top"), 10), 1, kMaxFolderPage);
  const std::size_t skip = number(req.param("$skip"), 0);
  nlohmann::json out = {{"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#users('" +
                                               c.settings.user_id + "')/mailFolders"},
                        {"value", nlohmann::json::array()}};
  std::size_t total = 0;
  for (const Folder* f : mailbox.children(parent)) {
    if (f->hidden && !hidden) continue;
    if (total >= skip && total < skip + top) out["value"].push_back(folder_json(mailbox, *f, hidden));
    ++total;
  }
  if (skip + top < total) {
    net::Fields next;
    for (const auto& [name, value] : req.query) {
      if (name != "$skip") next.emplace_back(name, value);
    }
    next.emplace_back("$skip", std::to_string(skip + top));
    out["@odata.nextLink"] = c.base + req.path + "?" + net::encode_query(next);
  }
  return net::Response::json(200, out.dump());
}

net::Response MicrosoftSandbox::folder_delta(const net::Request& req, const Caller& c, GraphMailbox& mailbox,
                                             const std::string& folder) {
  std::string parent;
  if (!folder.empty()) {
    const auto key = mailbox.resolve_folder(folder);
    if (!key) return graph_err(404, "ErrorItemNotFound", "The specified object was not found in the store.");
    parent = *key;
  }
  const auto round = mailbox.folder_delta(parent, req.param("$deltatoken").value_or(""));
  if (!round) {
    return graph_err(410, "SyncStateNotFound",
                     "The sync state generation is not found; generation=0;[highest=1]");
  }
  nlohmann::json out = {
      {"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#Collection(mailFolder)"},
      {"value", nlohmann::json::array()}};
  for (const Folder* f : round->first) out["value"].push_back(folder_json(mailbox, *f, true));
  const std::string path =
      folder.empty() ? "/v1.0/me/mailFolders/delta"
                     : "/v1.0/me/mailFolders('" + mailbox.folder_id(parent) + "')/childFolders/delta";
  out["@odata.deltaLink"] = c.base + path + "?$deltatoken=" + round->second;
  return net::Response::json(200, out.dump());
}

}  // namespace hiresync::sandbox::microsoft
