// Control calls that change a Gmail mailbox the way a person's mail client does (sandbox/README.md,
// "Drafts, spam, trash, chat"): saving and sending drafts, and label changes (trash, spam, any
// messages.modify). Each writes the history records Gmail writes for it, and pushes when the
// account's watch wants the change.
#include <algorithm>

#include "sandbox/google/errors.hpp"
#include "sandbox/google/google_sandbox.hpp"
#include "sandbox/google/random.hpp"

namespace hiresync::sandbox::google {

namespace {

net::Response ok_json(const nlohmann::json& j) { return net::Response::json(200, j.dump()); }

net::Response unknown(const std::string& what) {
  return api_error(404, "Requested entity was not found: " + what, "global", "notFound", "NOT_FOUND");
}

// A JSON array of strings at `key` ("" when fine, else the error text).
std::string read_labels(const nlohmann::json& body, const char* key, std::vector<std::string>& out) {
  if (!body.contains(key)) return {};
  if (!body[key].is_array()) return std::string(key) + " must be an array of label ids";
  for (const auto& l : body[key]) {
    if (!l.is_string()) return std::string(key) + " must be an array of label ids";
    out.push_back(l.get<std::string>());
  }
  return {};
}

}  // namespace

std::optional<net::Response> GoogleSandbox::account_action(const std::string& address,
                                                           const std::string& action,
                                                           const nlohmann::json& body) {
  if (action == "drafts") return save_draft(address, body);
  constexpr std::string_view kDrafts = "drafts/";
  constexpr std::string_view kSend = "/send";
  if (action.rfind(kDrafts, 0) == 0 && action.size() > kDrafts.size() + kSend.size() &&
      action.compare(action.size() - kSend.size(), kSend.size(), kSend) == 0) {
    return send_draft(address, action.substr(kDrafts.size(), action.size() - kDrafts.size() - kSend.size()));
  }
  constexpr std::string_view kMessages = "messages/";
  if (action.rfind(kMessages, 0) != 0) return std::nullopt;
  const std::size_t slash = action.find('/', kMessages.size());
  if (slash == std::string::npos) return std::nullopt;
  const std::string id = action.substr(kMessages.size(), slash - kMessages.size());
  const std::string verb = action.substr(slash + 1);
  // Gmail's messages.trash adds TRASH; moving to spam ("Report spam") adds SPAM; both take the
  // message out of the inbox.
  if (verb == "trash") return modify_labels(address, id, {"TRASH"}, {"INBOX"});
  if (verb == "spam") return modify_labels(address, id, {"SPAM"}, {"INBOX"});
  if (verb == "modify") {
    std::vector<std::string> add, remove;
    std::string bad = read_labels(body, "addLabelIds", add);
    if (bad.empty()) bad = read_labels(body, "removeLabelIds", remove);
    if (!bad.empty()) return bad_request(bad);
    return modify_labels(address, id, add, remove);
  }
  return std::nullopt;
}

net::Response GoogleSandbox::save_draft(const std::string& address, const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("raw") || !body["raw"].is_string())
    return bad_request("raw (RFC 5322 text) is required");
  std::string draft_id;
  if (body.contains("draft_id")) {
    if (!body["draft_id"].is_string()) return bad_request("draft_id must be a string");
    draft_id = body["draft_id"].get<std::string>();
  }
  auto prepared = prepare_message("draft", body["raw"].get<std::string>(), clock_.now_ms());
  if (!prepared.ok()) return bad_request(prepared.error().detail);
  const std::lock_guard lock(mu_);
  const auto it = accounts_.find(address);
  if (it == accounts_.end()) return unknown("account " + address);
  Account& a = it->second;
  std::string thread_id;
  if (!draft_id.empty()) {
    // drafts.update: the draft keeps its id; its message is destroyed and replaced by a new one.
    const auto d = a.drafts.find(draft_id);
    if (d == a.drafts.end()) return unknown("draft " + draft_id);
    if (const StoredMessage* old = a.mailbox->find(d->second)) thread_id = old->thread_id;
    (void)a.mailbox->remove(d->second, next_history_id());
  } else {
    draft_id = "r" + std::to_string(1'000'000'000 + random_below(1'000'000'000));
  }
  const std::uint64_t history_id = next_history_id();
  const StoredMessage& s =
      a.mailbox->deliver(std::move(prepared).value(), new_message_id(*a.mailbox), history_id, thread_id);
  a.drafts[draft_id] = s.id;
  return ok_json({{"draft_id", draft_id},
                  {"id", s.id},
                  {"thread_id", s.thread_id},
                  {"history_id", std::to_string(history_id)}});
}

net::Response GoogleSandbox::send_draft(const std::string& address, const std::string& draft_id) {
  bool push = false;
  std::uint64_t history_id = 0;
  nlohmann::json out;
  {
    const std::lock_guard lock(mu_);
    const auto it = accounts_.find(address);
    if (it == accounts_.end()) return unknown("account " + address);
    Account& a = it->second;
    const auto d = a.drafts.find(draft_id);
    if (d == a.drafts.end()) return unknown("draft " + draft_id);
    const StoredMessage* draft = a.mailbox->find(d->second);
    if (draft == nullptr) return unknown("draft " + draft_id);
    // drafts.send: the draft is deleted and a new message, with a new id and the SENT label, is
    // created (developers.google.com/workspace/gmail/api/guides/drafts).
    auto prepared = prepare_message("sent", draft->content.raw, clock_.now_ms());
    if (!prepared.ok()) return bad_request(prepared.error().detail);
    const std::string thread_id = draft->thread_id;
    (void)a.mailbox->remove(d->second, next_history_id());
    a.drafts.erase(d);
    history_id = next_history_id();
    push = watch_wants(a, prepared->labels);
    const StoredMessage& s =
        a.mailbox->deliver(std::move(prepared).value(), new_message_id(*a.mailbox), history_id, thread_id);
    out = {{"id", s.id}, {"thread_id", s.thread_id}, {"history_id", std::to_string(history_id)}};
  }
  if (push) push_->notify(address, history_id);
  return ok_json(out);
}

net::Response GoogleSandbox::modify_labels(const std::string& address, const std::string& id,
                                           const std::vector<std::string>& add,
                                           const std::vector<std::string>& remove) {
  bool push = false;
  std::uint64_t history_id = 0;
  nlohmann::json out;
  {
    const std::lock_guard lock(mu_);
    const auto it = accounts_.find(address);
    if (it == accounts_.end()) return unknown("account " + address);
    Account& a = it->second;
    const StoredMessage* m = a.mailbox->find(id);
    if (m == nullptr) return unknown("message " + id);
    const std::vector<std::string> before = m->content.labels;
    const std::uint64_t added_id = next_history_id();
    const std::uint64_t removed_id = next_history_id();
    auto used = a.mailbox->modify(id, add, remove, added_id, removed_id);
    if (!used.ok()) return unknown("message " + id);
    history_id = a.mailbox->current_history_id();
    push = !used->empty() && (watch_wants(a, before) || watch_wants(a, m->content.labels));
    out = {{"id", id}, {"labelIds", m->content.labels}, {"history_id", std::to_string(history_id)}};
  }
  if (push) push_->notify(address, history_id);
  return ok_json(out);
}

}  // namespace hiresync::sandbox::google
