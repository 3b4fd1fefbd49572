// One Exchange Online mailbox as Graph shows it (shared/PROTOCOLS.md B.2, B.3): folders, inbox
// rules, messages, ids, conversations and per-folder delta rounds.
//
// Folders: the well-known ones (inbox, sentitems, deleteditems, archive, drafts, junkemail, outbox)
// exist from the start under the hidden root (msgfolderroot); more are created at the top level or
// as children of any folder. A folder's key is its well-known name, else its id; ids are stable
// and account-specific. resolve_folder() accepts a well-known name (any case) or an id, as Graph's
// paths do.
//
// Inbox rules (Exchange server-side rules): a message delivered to the inbox is filed by the first
// rule it matches (sender address equal, and/or subject containing a text, case-insensitive) straight
// into the rule's folder; it never shows in the inbox.
//
// Ids: every message has an immutable id (stable for life) and a REST id that is replaced each time
// the message moves to another folder. find() accepts the current REST id or the immutable id; a
// REST id from before a move is unknown (404), as in Exchange.
//
// Conversations: a message whose In-Reply-To or References names the Message-ID of a message
// already here joins its conversation; otherwise it starts a new one.
//
// Delta: each folder keeps a change log (created/moved in = upsert, moved out = removed "changed",
// deleted = removed "deleted"). A round starts from the folder's content (initial: optionally only
// receivedDateTime >= since) or from a delta token's watermark (the last change per message since
// then), is frozen into a list, and is served page by page under skip tokens; the last page gets a
// delta token. Tokens live server-side, so replaying a nextLink or deltaLink gives the same answer,
// and evict() makes them unknown (the caller answers 410 SyncStateNotFound). A replay fault makes
// the next rounds serve each entry twice and hand out a delta token at the round's start watermark,
// so the next round repeats them.
//
// Not thread-safe: MicrosoftSandbox serialises access with its lock.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/result.hpp"
#include "sandbox/microsoft/graph_message.hpp"

namespace hiresync::sandbox::microsoft {

struct Folder {
  std::string key;                           // well-known name, else the id
  std::string id, display_name, parent_key;  // parent "" for the top level
  bool hidden = false;
};

struct InboxRule {
  std::string from;              // lower case; "" = any sender
  std::string subject_contains;  // lower case; "" = any subject
  std::string folder;            // a folder key
};

struct StoredMessage {
  MessageContent content;
  std::string immutable_id, rest_id, conversation_id, folder, change_key;
  std::uint64_t seq = 0;  // delivery order
};

// One entry of a delta page: a message (present) or a removal.
struct DeltaEntry {
  const StoredMessage* message = nullptr;
  std::string removed_rest_id, removed_immutable_id, reason;
};

struct DeltaPage {
  std::vector<DeltaEntry> entries;
  std::string skip_token;   // non-empty: more pages (nextLink)
  std::string delta_token;  // non-empty: the round is done (deltaLink)
  std::string folder;
  std::vector<std::string> select;
};

class GraphMailbox {
 public:
  explicit GraphMailbox(std::string account);

  // Stores a message in `folder` (a folder key) and returns it. Mail delivered to the inbox goes
  // through the inbox rules first.
  const StoredMessage& deliver(MessageContent content, const std::string& folder);
  // Creates a folder under `parent_key` ("" = the top level). kInvalidArgument for an unknown
  // parent, an empty name, or a name its siblings already use (Exchange: ErrorFolderExists).
  model::Result<Folder> create_folder(const std::string& display_name, const std::string& parent_key,
                                      bool hidden = false);
  // Adds an inbox rule (appended: earlier rules win). kInvalidArgument without a condition or with an
  // unknown folder.
  model::Status add_rule(InboxRule rule);
  const Folder* folder(const std::string& key) const;
  // The child folders of `parent_key` ("" = the top level), in creation order.
  std::vector<const Folder*> children(const std::string& parent_key) const;
  std::size_t count_in(const std::string& key) const;
  // A folder delta round over the children of `parent_key` ("" = the top level): with an empty
  // `token` every folder, else the folders created since the round that handed `token` out. Returns
  // the folders and the next round's token; nullopt for an unknown token. (No folder is ever
  // deleted or renamed here, so a round only lists additions.)
  std::optional<std::pair<std::vector<const Folder*>, std::string>> folder_delta(
      const std::string& parent_key, const std::string& token);
  const StoredMessage* find(const std::string& id) const;
  // Moves a message (new REST id). nullptr when unknown. Moving to its own folder changes nothing.
  const StoredMessage* move(const std::string& id, const std::string& folder);
  // Deletes a message for good. False when unknown.
  bool remove(const std::string& id);

  // Every message, newest receivedDateTime first.
  std::vector<const StoredMessage*> newest_first() const;
  // The id of a folder key (for a name that is no folder: a stable id derived from it).
  std::string folder_id(const std::string& folder) const;
  // The folder key for a well-known name (any case) or a folder id; nullopt otherwise.
  std::optional<std::string> resolve_folder(const std::string& name_or_id) const;
  // As resolve_folder, and also a display name (any case; the first in creation order): for the
  // control API only, Graph's paths take ids and well-known names.
  std::optional<std::string> find_folder(const std::string& name_id_or_display) const;

  // Starts a round (page 1). `since_ms` < 0: no filter.
  DeltaPage delta_initial(const std::string& folder, std::vector<std::string> select, std::int64_t since_ms,
                          std::size_t page_size);
  // Follows a skip token or a delta token. kCursorInvalid when unknown or evicted.
  model::Result<DeltaPage> delta_follow(const std::string& token, bool is_delta_token, std::size_t page_size);
  // Evicts every token of `folder` (all folders when empty).
  void evict(const std::string& folder);
  void add_replays(int count) { replays_ += count; }

 private:
  struct Change {
    std::uint64_t seq;
    std::string immutable_id;
    bool removed;
    std::string rest_id, reason;  // for removals: the id the client knew
  };
  struct Round {
    std::string folder;
    std::vector<std::string> select;
    std::vector<Change> entries;  // messages are looked up again when served
    std::uint64_t end_watermark = 0;
  };
  struct Skip {
    std::uint64_t round;
    std::size_t offset;
  };
  struct Cursor {
    std::string folder;
    std::vector<std::string> select;
    std::uint64_t watermark;
  };

  StoredMessage* find_mutable(const std::string& id);
  std::string new_rest_id();
  DeltaPage start_round(Round round, std::size_t page_size);
  DeltaPage serve(std::uint64_t round_id, std::size_t offset, std::size_t page_size);

  std::string account_;
  std::vector<Folder> folders_;  // creation order
  std::vector<InboxRule> rules_;
  std::map<std::string, std::pair<std::string, std::size_t>> folder_tokens_;  // -> parent, folders_ size
  std::deque<StoredMessage> messages_;
  std::map<std::string, std::size_t> by_immutable_;
  std::map<std::string, std::string> rest_to_immutable_;  // current REST ids only
  std::map<std::string, std::string> conversation_by_rfc_id_;
  std::map<std::string, std::vector<Change>> log_;  // per folder
  std::uint64_t seq_ = 0;
  std::map<std::uint64_t, Round> rounds_;
  std::map<std::string, Skip> skips_;
  std::map<std::string, Cursor> cursors_;
  std::uint64_t next_round_ = 1;
  int replays_ = 0;
};

}  // namespace hiresync::sandbox::microsoft
