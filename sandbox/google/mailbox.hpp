// One Gmail account's mailbox: messages, threads and the history log (shared/PROTOCOLS.md A.3, A.5).
//
// Not thread-safe: GmailStore (store.hpp) owns every Mailbox and serialises access with its lock.
// Ids come from the caller so the store can keep them unique across the sandbox.
//
// Threading rule (a simplification of Gmail's): a delivered message whose In-Reply-To or References
// names the Message-ID of a message already in this mailbox joins that message's thread; otherwise
// it starts a thread whose id is its own id (as Gmail does for the first message of a thread).
//
// History: every delivery appends one messageAdded record, a removal one messageDeleted record, and a
// label change one labelAdded or labelRemoved record (sandbox/README.md, "Drafts, spam, trash,
// chat"). At most `retention` records are kept; dropping the oldest makes every startHistoryId
// below the dropped record's id invalid (404), as does expire_history() for everything before the
// current history id.
//
// Removed messages (a replaced or sent draft) leave the mailbox: get answers 404, list skips them.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/result.hpp"
#include "sandbox/google/query.hpp"

namespace hiresync::sandbox::google {

// A message parsed once, before it takes the store's lock.
struct PreparedMessage {
  std::string raw;
  std::vector<std::string> labels;  // by folder: INBOX+UNREAD, SENT, SPAM+UNREAD, TRASH, CHAT, DRAFT
  std::int64_t internal_date_ms = 0;
  SearchableMessage search;             // addresses, Message-ID, subject, snippet, labels
  std::vector<std::string> parent_ids;  // In-Reply-To then References (lower case, no brackets)
};

// Parses `raw` for `folder` ("inbox", "sent", "spam", "trash", "chat" or "draft"). kInvalidArgument
// for another folder. Never fails on odd message content (Gmail accepts anything). Thread-safe.
model::Result<PreparedMessage> prepare_message(const std::string& folder, std::string raw,
                                               std::int64_t internal_date_ms);

struct StoredMessage {
  std::string id;
  std::string thread_id;
  std::uint64_t history_id = 0;
  std::uint64_t seq = 0;  // delivery order, breaks internalDate ties
  bool removed = false;   // deleted (a replaced or sent draft): invisible to get and list
  PreparedMessage content;
};

struct ListPage {
  std::vector<const StoredMessage*> messages;
  std::string next_page_token;  // empty on the last page
  std::size_t result_size_estimate = 0;
};

enum class HistoryType { kMessageAdded, kMessageDeleted, kLabelAdded, kLabelRemoved };

// history.list's historyTypes value ("messageAdded", ...); nullopt for another name.
std::optional<HistoryType> parse_history_type(const std::string& name);

struct HistoryRecord {
  std::uint64_t id = 0;
  HistoryType type = HistoryType::kMessageAdded;
  std::string message_id;
  std::string thread_id;
  std::vector<std::string> labels;          // the message's labels after the change
  std::vector<std::string> changed_labels;  // labelAdded/labelRemoved: the labels added or removed
};

struct HistoryPage {
  std::vector<const HistoryRecord*> records;
  std::string next_page_token;
};

class Mailbox {
 public:
  Mailbox(std::uint64_t created_history_id, std::size_t retention)
      : current_history_id_(created_history_id), retention_(retention == 0 ? 1 : retention) {}

  // Stores `m` under `id` with history record `history_id` (greater than every earlier one) and
  // returns it. `id` must be new in this mailbox. `thread_id` non-empty: join that thread (a
  // replaced or sent draft stays in its thread) instead of threading by the references.
  const StoredMessage& deliver(PreparedMessage m, const std::string& id, std::uint64_t history_id,
                               const std::string& thread_id = "");
  // Removes message `id` with a messageDeleted record. kNotFound when there is no such message.
  model::Status remove(const std::string& id, std::uint64_t history_id);
  // Adds then removes labels of message `id` (Gmail's messages.modify): a labelAdded record with id
  // `added_id` and a labelRemoved record with id `removed_id` (> added_id), each only when a label
  // actually changed. kNotFound for an unknown message. Returns the history ids used (0, 1 or 2).
  model::Result<std::vector<std::uint64_t>> modify(const std::string& id, const std::vector<std::string>& add,
                                                   const std::vector<std::string>& remove,
                                                   std::uint64_t added_id, std::uint64_t removed_id);

  const StoredMessage* find(const std::string& id) const;
  bool contains(const std::string& id) const { return index_.count(id) != 0; }
  std::size_t size() const { return messages_.size(); }
  std::size_t thread_count() const { return thread_count_; }
  std::uint64_t current_history_id() const { return current_history_id_; }

  // messages.list: newest first by internalDate; every label in `label_ids` required; messages in
  // SPAM or TRASH only when `include_spam_trash`. `page_token` is an offset this function issued.
  // kInvalidArgument for a bad page token.
  model::Result<ListPage> list(const Query& q, const std::vector<std::string>& label_ids,
                               std::size_t max_results, const std::string& page_token,
                               bool include_spam_trash = false) const;

  // history.list: records after `start` (or after the page token), increasing ids, of the `types`
  // (empty: all). kCursorInvalid when `start` is older than what is kept;
  // kInvalidArgument for a bad page token.
  model::Result<HistoryPage> history(std::uint64_t start, const std::vector<HistoryType>& types,
                                     const std::string& label_id, std::size_t max_results,
                                     const std::string& page_token) const;

  // Forgets every history record: any start below the current history id is now invalid.
  void expire_history();

 private:
  void record(HistoryRecord r);

  std::deque<StoredMessage> messages_;                   // deque: pointers stay valid as it grows
  std::map<std::string, std::size_t> index_;             // id -> position in messages_
  std::map<std::string, std::string> thread_by_rfc_id_;  // Message-ID -> thread id
  std::size_t thread_count_ = 0;
  std::deque<HistoryRecord> history_;
  std::uint64_t current_history_id_;
  std::uint64_t min_valid_start_ = 0;  // starts below this are 404
  std::size_t retention_;
};

}  // namespace hiresync::sandbox::google
