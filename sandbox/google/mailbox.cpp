#include "sandbox/google/mailbox.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "mime/mime.hpp"
#include "sandbox/google/mime_tree.hpp"

namespace hiresync::sandbox::google {

using model::ErrorCode;
using model::make_error;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool has_all(const std::vector<std::string>& labels, const std::vector<std::string>& wanted) {
  return std::all_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
    return std::find(labels.begin(), labels.end(), w) != labels.end();
  });
}

std::optional<std::uint64_t> parse_u64(const std::string& s) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<HistoryType> parse_history_type(const std::string& name) {
  if (name == "messageAdded") return HistoryType::kMessageAdded;
  if (name == "messageDeleted") return HistoryType::kMessageDeleted;
  if (name == "labelAdded") return HistoryType::kLabelAdded;
  if (name == "labelRemoved") return HistoryType::kLabelRemoved;
  return std::nullopt;
}

model::Result<PreparedMessage> prepare_message(const std::string& folder, std::string raw,
                                               std::int64_t internal_date_ms) {
  PreparedMessage m;
  if (folder == "inbox") {
    m.labels = {"INBOX", "UNREAD"};
  } else if (folder == "sent") {
    m.labels = {"SENT"};
  } else if (folder == "spam") {
    m.labels = {"SPAM", "UNREAD"};
  } else if (folder == "trash") {
    m.labels = {"TRASH"};
  } else if (folder == "chat") {
    m.labels = {"CHAT"};
  } else if (folder == "draft") {
    m.labels = {"DRAFT"};  // a draft message carries no other label (sandbox/README.md)
  } else {
    return make_error(ErrorCode::kInvalidArgument, "folder must be inbox, sent, spam, trash, chat or draft");
  }
  m.internal_date_ms = internal_date_ms;
  if (auto headers = mime::parse_headers(raw); headers.ok()) {
    for (const model::Participant& p : headers->participants) {
      std::string email = lower(p.address.email);
      switch (p.role) {
        case model::HeaderRole::kFrom:
          m.search.from.push_back(std::move(email));
          break;
        case model::HeaderRole::kTo:
          m.search.to.push_back(std::move(email));
          break;
        case model::HeaderRole::kCc:
          m.search.cc.push_back(std::move(email));
          break;
        case model::HeaderRole::kBcc:
          m.search.bcc.push_back(std::move(email));
          break;
        default:
          break;  // Sender and Reply-To are not searched by from:
      }
    }
    m.search.message_id = headers->message_id;
    m.search.subject = headers->subject;
    if (!headers->in_reply_to.empty()) m.parent_ids.push_back(lower(headers->in_reply_to));
    for (const std::string& ref : headers->references) m.parent_ids.push_back(lower(ref));
  }
  m.search.snippet = make_snippet(parse_mime_tree(raw));
  m.search.internal_date_ms = internal_date_ms;
  m.search.labels = m.labels;
  m.raw = std::move(raw);
  return m;
}

const StoredMessage& Mailbox::deliver(PreparedMessage m, const std::string& id, std::uint64_t history_id,
                                      const std::string& thread_id) {
  StoredMessage s;
  s.id = id;
  s.history_id = history_id;
  s.seq = messages_.size();
  s.thread_id = thread_id;
  for (const std::string& parent : m.parent_ids) {
    if (!s.thread_id.empty()) break;
    const auto it = thread_by_rfc_id_.find(parent);
    if (it != thread_by_rfc_id_.end()) {
      s.thread_id = it->second;
      break;
    }
  }
  if (s.thread_id.empty()) {
    s.thread_id = id;
    ++thread_count_;
  }
  if (!m.search.message_id.empty()) thread_by_rfc_id_.emplace(lower(m.search.message_id), s.thread_id);
  s.content = std::move(m);

  record({history_id, HistoryType::kMessageAdded, s.id, s.thread_id, s.content.labels, {}});
  index_.emplace(id, messages_.size());
  messages_.push_back(std::move(s));
  return messages_.back();
}

void Mailbox::record(HistoryRecord r) {
  current_history_id_ = r.id;
  history_.push_back(std::move(r));
  while (history_.size() > retention_) {
    min_valid_start_ = history_.front().id;
    history_.pop_front();
  }
}

model::Status Mailbox::remove(const std::string& id, std::uint64_t history_id) {
  const auto it = index_.find(id);
  if (it == index_.end()) return make_error(ErrorCode::kNotFound, "no message " + id);
  StoredMessage& m = messages_[it->second];
  m.removed = true;
  index_.erase(it);
  record({history_id, HistoryType::kMessageDeleted, m.id, m.thread_id, m.content.labels, {}});
  return {};
}

model::Result<std::vector<std::uint64_t>> Mailbox::modify(const std::string& id,
                                                          const std::vector<std::string>& add,
                                                          const std::vector<std::string>& remove,
                                                          std::uint64_t added_id, std::uint64_t removed_id) {
  const auto it = index_.find(id);
  if (it == index_.end()) return make_error(ErrorCode::kNotFound, "no message " + id);
  StoredMessage& m = messages_[it->second];
  std::vector<std::string>& labels = m.content.labels;
  std::vector<std::string> added, removed;
  for (const std::string& l : add) {
    if (std::find(labels.begin(), labels.end(), l) != labels.end()) continue;
    labels.push_back(l);
    added.push_back(l);
  }
  for (const std::string& l : remove) {
    const auto pos = std::find(labels.begin(), labels.end(), l);
    if (pos == labels.end()) continue;
    labels.erase(pos);
    removed.push_back(l);
  }
  m.content.search.labels = labels;
  std::vector<std::uint64_t> used;
  if (!added.empty()) {
    used.push_back(added_id);
    record({added_id, HistoryType::kLabelAdded, m.id, m.thread_id, labels, added});
  }
  if (!removed.empty()) {
    used.push_back(removed_id);
    record({removed_id, HistoryType::kLabelRemoved, m.id, m.thread_id, labels, removed});
  }
  if (!used.empty()) m.history_id = used.back();
  return used;
}

const StoredMessage* Mailbox::find(const std::string& id) const {
  const auto it = index_.find(id);
  return it == index_.end() ? nullptr : &messages_[it->second];
}

model::Result<ListPage> Mailbox::list(const Query& q, const std::vector<std::string>& label_ids,
                                      std::size_t max_results, const std::string& page_token,
                                      bool include_spam_trash) const {
  std::size_t offset = 0;
  if (!page_token.empty()) {
    const auto parsed = parse_u64(page_token);
    if (!parsed) return make_error(ErrorCode::kInvalidArgument, "Invalid pageToken");
    offset = *parsed;
  }
  std::vector<const StoredMessage*> matches;
  for (const StoredMessage& m : messages_) {
    if (m.removed) continue;
    if (!include_spam_trash &&
        (has_all(m.content.labels, {"SPAM"}) || has_all(m.content.labels, {"TRASH"}))) {
      continue;
    }
    if (has_all(m.content.labels, label_ids) && q.matches(m.content.search)) matches.push_back(&m);
  }
  std::sort(matches.begin(), matches.end(), [](const StoredMessage* a, const StoredMessage* b) {
    if (a->content.internal_date_ms != b->content.internal_date_ms) {
      return a->content.internal_date_ms > b->content.internal_date_ms;
    }
    return a->seq > b->seq;
  });
  ListPage page;
  page.result_size_estimate = matches.size();
  if (offset >= matches.size()) return page;
  const std::size_t end = std::min(matches.size(), offset + max_results);
  page.messages.assign(matches.begin() + static_cast<std::ptrdiff_t>(offset),
                       matches.begin() + static_cast<std::ptrdiff_t>(end));
  if (end < matches.size()) page.next_page_token = std::to_string(end);
  return page;
}

model::Result<HistoryPage> Mailbox::history(std::uint64_t start, const std::vector<HistoryType>& types,
                                            const std::string& label_id, std::size_t max_results,
                                            const std::string& page_token) const {
  if (start < min_valid_start_) return make_error(ErrorCode::kCursorInvalid, "startHistoryId expired");
  std::uint64_t after = start;
  if (!page_token.empty()) {
    const auto parsed = parse_u64(page_token);
    if (!parsed) return make_error(ErrorCode::kInvalidArgument, "Invalid pageToken");
    after = std::max(after, *parsed);
  }
  HistoryPage page;
  auto it = std::upper_bound(history_.begin(), history_.end(), after,
                             [](std::uint64_t v, const HistoryRecord& r) { return v < r.id; });
  for (; it != history_.end(); ++it) {
    if (!types.empty() && std::find(types.begin(), types.end(), it->type) == types.end()) continue;
    if (!label_id.empty() && std::find(it->labels.begin(), it->labels.end(), label_id) == it->labels.end()) {
      continue;
    }
    if (page.records.size() == max_results) {
      page.next_page_token = std::to_string(page.records.back()->id);
      break;
    }
    page.records.push_back(&*it);
  }
  return page;
}

void Mailbox::expire_history() {
  history_.clear();
  min_valid_start_ = current_history_id_;
}

}  // namespace hiresync::sandbox::google
