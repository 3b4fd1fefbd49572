#include "sandbox/microsoft/graph_mailbox.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <set>

#include "sandbox/google/random.hpp"
#include "sandbox/microsoft/format.hpp"

namespace hiresync::sandbox::microsoft {

namespace {

// Graph's well-known folder names with Outlook's English display names (mailFolder resource).
const char* const kWellKnown[][2] = {
    {"inbox", "Inbox"},     {"sentitems", "Sent Items"}, {"deleteditems", "Deleted Items"},
    {"archive", "Archive"}, {"drafts", "Drafts"},        {"junkemail", "Junk Email"},
    {"outbox", "Outbox"}};

std::string rfc_key(const std::string& internet_message_id) {
  std::string id = internet_message_id;
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  return lower(id);
}

}  // namespace

GraphMailbox::GraphMailbox(std::string account) : account_(std::move(account)) {
  for (const auto& known : kWellKnown)
    folders_.push_back(Folder{known[0], folder_id(known[0]), known[1], "", false});
}

model::Result<Folder> GraphMailbox::create_folder(const std::string& display_name,
                                                  const std::string& parent_key, bool hidden) {
  if (display_name.empty())
    return model::make_error(model::ErrorCode::kInvalidArgument, "displayName is empty");
  if (!parent_key.empty() && folder(parent_key) == nullptr)
    return model::make_error(model::ErrorCode::kInvalidArgument, "unknown parent folder");
  for (const Folder* sibling : children(parent_key)) {
    if (lower(sibling->display_name) == lower(display_name))
      return model::make_error(model::ErrorCode::kInvalidArgument,
                               "A folder with the specified name already exists.");
  }
  Folder f;
  f.id = folder_id("folder-" + std::to_string(folders_.size()));
  f.key = f.id;
  f.display_name = display_name;
  f.parent_key = parent_key;
  f.hidden = hidden;
  folders_.push_back(f);
  return f;
}

model::Status GraphMailbox::add_rule(InboxRule rule) {
  if (rule.from.empty() && rule.subject_contains.empty())
    return model::make_error(model::ErrorCode::kInvalidArgument, "a rule needs from or subject_contains");
  if (folder(rule.folder) == nullptr)
    return model::make_error(model::ErrorCode::kInvalidArgument, "unknown folder");
  rule.from = lower(rule.from);
  rule.subject_contains = lower(rule.subject_contains);
  rules_.push_back(std::move(rule));
  return {};
}

const Folder* GraphMailbox::folder(const std::string& key) const {
  for (const Folder& f : folders_) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::vector<const Folder*> GraphMailbox::children(const std::string& parent_key) const {
  std::vector<const Folder*> out;
  for (const Folder& f : folders_) {
    if (f.parent_key == parent_key) out.push_back(&f);
  }
  return out;
}

std::size_t GraphMailbox::count_in(const std::string& key) const {
  std::size_t n = 0;
  for (const auto& [id, index] : by_immutable_) n += messages_[index].folder == key ? 1 : 0;
  return n;
}

std::optional<std::pair<std::vector<const Folder*>, std::string>> GraphMailbox::folder_delta(
    const std::string& parent_key, const std::string& token) {
  std::size_t from = 0;
  if (!token.empty()) {
    const auto it = folder_tokens_.find(token);
    if (it == folder_tokens_.end() || it->second.first != parent_key) return std::nullopt;
    from = it->second.second;
  }
  std::vector<const Folder*> out;
  for (std::size_t i = from; i < folders_.size(); ++i) {
    if (folders_[i].parent_key == parent_key) out.push_back(&folders_[i]);
  }
  std::string next = google::random_token(36);
  folder_tokens_[next] = {parent_key, folders_.size()};
  return std::make_pair(std::move(out), std::move(next));
}

std::string GraphMailbox::new_rest_id() { return "AAMkAG" + google::random_token(66) + "AAA="; }

const StoredMessage& GraphMailbox::deliver(MessageContent content, const std::string& folder) {
  StoredMessage m;
  m.immutable_id = "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A" + google::random_token(36) + "AAA=";
  m.rest_id = new_rest_id();
  m.folder = folder;
  m.change_key = "CQAAABYAAAA" + google::random_token(18);
  m.seq = ++seq_;
  if (folder == "inbox") {
    const std::string from = content.from.empty() ? std::string() : lower(content.from.front().address);
    const std::string subject = lower(content.subject);
    for (const InboxRule& rule : rules_) {
      if ((rule.from.empty() || rule.from == from) &&
          (rule.subject_contains.empty() || subject.find(rule.subject_contains) != std::string::npos)) {
        m.folder = rule.folder;
        break;
      }
    }
  }
  for (const std::string& parent : content.parent_ids) {
    if (const auto it = conversation_by_rfc_id_.find(parent); it != conversation_by_rfc_id_.end()) {
      m.conversation_id = it->second;
      break;
    }
  }
  if (m.conversation_id.empty()) m.conversation_id = "AAQkAGI2" + google::random_token(45) + "=";
  if (!content.internet_message_id.empty())
    conversation_by_rfc_id_.emplace(rfc_key(content.internet_message_id), m.conversation_id);
  m.content = std::move(content);
  log_[m.folder].push_back(Change{m.seq, m.immutable_id, false, {}, {}});
  by_immutable_[m.immutable_id] = messages_.size();
  rest_to_immutable_[m.rest_id] = m.immutable_id;
  messages_.push_back(std::move(m));
  return messages_.back();
}

StoredMessage* GraphMailbox::find_mutable(const std::string& id) {
  auto it = by_immutable_.find(id);
  if (it == by_immutable_.end()) {
    const auto rest = rest_to_immutable_.find(id);
    if (rest == rest_to_immutable_.end()) return nullptr;
    it = by_immutable_.find(rest->second);
    if (it == by_immutable_.end()) return nullptr;
  }
  return &messages_[it->second];
}

const StoredMessage* GraphMailbox::find(const std::string& id) const {
  return const_cast<GraphMailbox*>(this)->find_mutable(id);
}

const StoredMessage* GraphMailbox::move(const std::string& id, const std::string& folder) {
  StoredMessage* m = find_mutable(id);
  if (m == nullptr || m->folder == folder) return m;
  log_[m->folder].push_back(Change{++seq_, m->immutable_id, true, m->rest_id, "changed"});
  rest_to_immutable_.erase(m->rest_id);
  m->rest_id = new_rest_id();
  rest_to_immutable_[m->rest_id] = m->immutable_id;
  m->folder = folder;
  m->change_key = "CQAAABYAAAA" + google::random_token(18);
  log_[folder].push_back(Change{++seq_, m->immutable_id, false, {}, {}});
  return m;
}

bool GraphMailbox::remove(const std::string& id) {
  StoredMessage* m = find_mutable(id);
  if (m == nullptr) return false;
  log_[m->folder].push_back(Change{++seq_, m->immutable_id, true, m->rest_id, "deleted"});
  rest_to_immutable_.erase(m->rest_id);
  by_immutable_.erase(m->immutable_id);
  m->folder.clear();  // the slot stays (pointers into the deque stay valid) but is unreachable
  return true;
}

std::vector<const StoredMessage*> GraphMailbox::newest_first() const {
  std::vector<const StoredMessage*> out;
  for (const auto& [id, index] : by_immutable_) out.push_back(&messages_[index]);
  std::sort(out.begin(), out.end(), [](const StoredMessage* a, const StoredMessage* b) {
    if (a->content.received_ms != b->content.received_ms)
      return a->content.received_ms > b->content.received_ms;
    return a->seq > b->seq;
  });
  return out;
}

std::string GraphMailbox::folder_id(const std::string& folder) const {
  if (const Folder* f = this->folder(folder)) return f->id;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  const std::string seed = account_ + "/" + folder;
  SHA256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), digest);
  return "AQMkAD" + net::base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), 24)) +
         "AAA=";
}

std::optional<std::string> GraphMailbox::resolve_folder(const std::string& name_or_id) const {
  const std::string name = lower(name_or_id);
  for (const Folder& f : folders_) {
    if (name_or_id == f.id || (f.key != f.id && name == f.key)) return f.key;
  }
  return std::nullopt;
}

std::optional<std::string> GraphMailbox::find_folder(const std::string& name_id_or_display) const {
  if (auto key = resolve_folder(name_id_or_display)) return key;
  for (const Folder& f : folders_) {
    if (lower(f.display_name) == lower(name_id_or_display)) return f.key;
  }
  return std::nullopt;
}

DeltaPage GraphMailbox::delta_initial(const std::string& folder, std::vector<std::string> select,
                                      std::int64_t since_ms, std::size_t page_size) {
  Round round;
  round.folder = folder;
  round.select = std::move(select);
  round.end_watermark = seq_;
  for (const StoredMessage* m : newest_first()) {
    if (m->folder != folder || (since_ms >= 0 && m->content.received_ms < since_ms)) continue;
    round.entries.push_back(Change{m->seq, m->immutable_id, false, {}, {}});
  }
  return start_round(std::move(round), page_size);
}

model::Result<DeltaPage> GraphMailbox::delta_follow(const std::string& token, bool is_delta_token,
                                                    std::size_t page_size) {
  if (!is_delta_token) {
    const auto it = skips_.find(token);
    if (it == skips_.end() || rounds_.count(it->second.round) == 0)
      return model::make_error(model::ErrorCode::kCursorInvalid, "unknown skip token");
    return serve(it->second.round, it->second.offset, page_size);
  }
  const auto it = cursors_.find(token);
  if (it == cursors_.end()) return model::make_error(model::ErrorCode::kCursorInvalid, "unknown delta token");
  const Cursor cursor = it->second;
  Round round;
  round.folder = cursor.folder;
  round.select = cursor.select;
  round.end_watermark = seq_;
  std::map<std::string, Change> last;  // the last change per message since the watermark
  for (const Change& c : log_[cursor.folder]) {
    if (c.seq > cursor.watermark) last[c.immutable_id] = c;
  }
  std::vector<Change> changes;
  changes.reserve(last.size());
  for (auto& [id, c] : last) changes.push_back(std::move(c));
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.seq < b.seq; });
  for (Change& c : changes) {
    if (!c.removed) {
      const StoredMessage* m = find(c.immutable_id);
      if (m == nullptr || m->folder != cursor.folder) continue;  // left again since: the removal follows
    }
    round.entries.push_back(std::move(c));
  }
  if (replays_ > 0) round.end_watermark = cursor.watermark;  // start_round duplicates entries too
  return start_round(std::move(round), page_size);
}

DeltaPage GraphMailbox::start_round(Round round, std::size_t page_size) {
  if (replays_ > 0) {
    --replays_;
    std::vector<Change> doubled;
    for (const Change& c : round.entries) {
      doubled.push_back(c);
      doubled.push_back(c);
    }
    round.entries = std::move(doubled);
  }
  const std::uint64_t id = next_round_++;
  rounds_[id] = std::move(round);
  return serve(id, 0, page_size);
}

DeltaPage GraphMailbox::serve(std::uint64_t round_id, std::size_t offset, std::size_t page_size) {
  const Round& round = rounds_[round_id];
  DeltaPage page;
  page.folder = round.folder;
  page.select = round.select;
  const std::size_t end = std::min(round.entries.size(), offset + std::max<std::size_t>(page_size, 1));
  for (std::size_t i = offset; i < end; ++i) {
    const Change& c = round.entries[i];
    DeltaEntry e;
    if (c.removed) {
      e.removed_rest_id = c.rest_id;
      e.removed_immutable_id = c.immutable_id;
      e.reason = c.reason;
    } else {
      e.message = find(c.immutable_id);
      if (e.message == nullptr) {  // deleted since the round was frozen
        e.removed_immutable_id = c.immutable_id;
        e.removed_rest_id = c.immutable_id;
        e.reason = "deleted";
      }
    }
    page.entries.push_back(std::move(e));
  }
  if (end < round.entries.size()) {
    page.skip_token = google::random_token(36);
    skips_[page.skip_token] = Skip{round_id, end};
  } else {
    page.delta_token = google::random_token(36);
    cursors_[page.delta_token] = Cursor{round.folder, round.select, round.end_watermark};
  }
  return page;
}

void GraphMailbox::evict(const std::string& folder) {
  std::erase_if(cursors_, [&](const auto& kv) { return folder.empty() || kv.second.folder == folder; });
  std::set<std::uint64_t> gone;
  for (const auto& [id, r] : rounds_) {
    if (folder.empty() || r.folder == folder) gone.insert(id);
  }
  std::erase_if(skips_, [&](const auto& kv) { return gone.count(kv.second.round) != 0; });
  for (const std::uint64_t id : gone) rounds_.erase(id);
}

}  // namespace hiresync::sandbox::microsoft
