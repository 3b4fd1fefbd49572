// SqlStore: messages, threads, GDPR erasure and suppression.
#include <algorithm>
#include <set>

#include "model/json_text.hpp"
#include "store/sql/sql_store.hpp"

namespace hiresync::store {

namespace {

constexpr const char* kSelectMessageByProviderId =
    "SELECT id FROM messages WHERE mailbox_id = ? AND provider_message_id = ?";
constexpr const char* kSelectMessageMembers =
    "SELECT member_id FROM message_candidates WHERE message_id = ? ORDER BY position";
constexpr const char* kInsertMessage =
    "INSERT INTO messages(mailbox_id, owner_user_id, contract_id, provider_message_id, provider_thread_id,"
    " rfc_message_id, in_reply_to, refs, kind, direction, visibility, subject, sent_at, snippet, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
// Bodies live apart from the rows that listings read (migrations/0006_message_bodies.sql).
constexpr const char* kInsertMessageBody =
    "INSERT INTO message_bodies(message_id, text_body, html_body) VALUES (?, ?, ?)";
// All participants of a message in one statement: a JSON array of [role, name, email, canonical].
// PostgreSQL does not type a parameter from an INSERT ... SELECT's target, hence the casts.
constexpr sql::DialectSql kInsertParticipants = {
    "INSERT INTO message_participants(message_id, position, role, name, email, canonical)"
    " SELECT ?1, key, value->>0, value->>1, value->>2, value->>3 FROM json_each(?2)",
    "INSERT INTO message_participants(message_id, position, role, name, email, canonical)"
    " SELECT ?1::bigint, j.ord - 1, j.value->>0, j.value->>1, j.value->>2, j.value->>3"
    " FROM json_array_elements(?2::json) WITH ORDINALITY AS j(value, ord)"};
constexpr const char* kInsertAttachment =
    "INSERT INTO attachments(message_id, position, filename, content_type, size) VALUES (?, ?, ?, ?, ?)";
// Numbered in link order (migrations/0008_candidate_link_order.sql).
constexpr const char* kInsertLink =
    "INSERT INTO message_candidates(message_id, member_id, thread_id, position) VALUES (?1, ?2, ?3,"
    " (SELECT COUNT(*) FROM message_candidates WHERE message_id = ?1)) ON CONFLICT DO NOTHING";
// Keys travel as one JSON array parameter (json_each): one statement per message rather than one
// per key, as a mailing-list reply carries a dozen References.
constexpr sql::DialectSql kSelectThreadsByKeys = {
    "SELECT DISTINCT tk.thread_id FROM json_each(?3) k JOIN thread_keys tk"
    " ON tk.owner_user_id = ?1 AND tk.member_id = ?2 AND tk.key = k.value ORDER BY tk.thread_id",
    "SELECT DISTINCT tk.thread_id FROM json_array_elements_text(?3::json) AS k(value) JOIN thread_keys tk"
    " ON tk.owner_user_id = ?1 AND tk.member_id = ?2 AND tk.key = k.value ORDER BY tk.thread_id"};
constexpr const char* kInsertThread =
    "INSERT INTO threads(owner_user_id, member_id, contract_id, subject, last_message_at, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
constexpr const char* kMoveLinks = "UPDATE message_candidates SET thread_id = ?1 WHERE thread_id = ?2";
constexpr const char* kMoveKeys = "UPDATE thread_keys SET thread_id = ?1 WHERE thread_id = ?2";
constexpr sql::DialectSql kMergeThreadTime = {
    "UPDATE threads SET last_message_at = MAX(last_message_at,"
    " (SELECT last_message_at FROM threads WHERE id = ?2)) WHERE id = ?1",
    "UPDATE threads SET last_message_at = GREATEST(last_message_at,"
    " (SELECT last_message_at FROM threads WHERE id = ?2)) WHERE id = ?1"};
constexpr const char* kDeleteThread = "DELETE FROM threads WHERE id = ?";
constexpr sql::DialectSql kInsertThreadKeys = {
    "INSERT INTO thread_keys(owner_user_id, member_id, key, thread_id)"
    " SELECT ?1, ?2, value, ?4 FROM json_each(?3) WHERE true ON CONFLICT DO NOTHING",
    "INSERT INTO thread_keys(owner_user_id, member_id, key, thread_id)"
    " SELECT ?1::bigint, ?2::bigint, value, ?4::bigint FROM json_array_elements_text(?3::json) AS k(value)"
    " ON CONFLICT DO NOTHING"};
constexpr sql::DialectSql kTouchThread = {
    "UPDATE threads SET last_message_at = MAX(last_message_at, ?) WHERE id = ?",
    "UPDATE threads SET last_message_at = GREATEST(last_message_at, ?::bigint) WHERE id = ?"};
constexpr const char* kSelectThreadsOf =
    "SELECT t.id, t.owner_user_id, t.member_id, t.subject, t.last_message_at,"
    " (SELECT COUNT(*) FROM message_candidates mc WHERE mc.thread_id = t.id)"
    " FROM threads t WHERE t.owner_user_id = ? AND t.member_id = ? ORDER BY t.last_message_at DESC, t.id "
    "DESC";
constexpr const char* kSelectThreadMessages =
    "SELECT m.id FROM message_candidates mc JOIN messages m ON m.id = mc.message_id WHERE mc.thread_id = ?"
    " ORDER BY m.sent_at, m.id";
constexpr const char* kCountMessages = "SELECT COUNT(*) FROM messages WHERE mailbox_id = ?";

constexpr const char* kInsertSuppression =
    "INSERT INTO suppressions(kind, digest, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING";
constexpr const char* kSelectSuppression = "SELECT 1 FROM suppressions WHERE kind = ? AND digest = ?";
constexpr const char* kSelectSuppressions = "SELECT digest FROM suppressions WHERE kind = ? ORDER BY digest";
constexpr const char* kSelectMessagesByParticipant =
    "SELECT DISTINCT message_id FROM message_participants WHERE canonical = ?";
constexpr const char* kSelectMessagesByMember =
    "SELECT DISTINCT message_id FROM message_candidates WHERE member_id = ?";
constexpr const char* kSelectMessageKey =
    "SELECT COALESCE(NULLIF(rfc_message_id, ''), provider_message_id) FROM messages WHERE id = ?";
constexpr const char* kDeleteMessage = "DELETE FROM messages WHERE id = ?";
constexpr const char* kDeleteEmptyThreads =
    "DELETE FROM threads WHERE NOT EXISTS (SELECT 1 FROM message_candidates mc WHERE mc.thread_id = "
    "threads.id)";

}  // namespace

Result<std::optional<StoredMessageRef>> SqlStore::find_message(Id mailbox_id,
                                                               std::string_view provider_message_id) {
  StoredMessageRef ref;
  {
    auto q = db_->prepare(kSelectMessageByProviderId);
    if (!q) return q.error();
    q->bind_all(mailbox_id, provider_message_id);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return std::optional<StoredMessageRef>();
    ref.message_id = q->int_at(0);
  }
  auto q = db_->prepare(kSelectMessageMembers);
  if (!q) return q.error();
  auto members = q->bind_all(ref.message_id).ints();
  if (!members) return members.error();
  ref.member_ids = std::move(*members);
  return std::optional<StoredMessageRef>(std::move(ref));
}

Result<Id> SqlStore::insert_message(const NewMessage& m) {
  return mailbox_write("insert_message", [&]() -> Result<Id> {
    return in_tx("insert_message", [&]() -> Result<Id> {
      const auto& h = m.content.headers;
      auto q = db_->prepare(kInsertMessage);
      if (!q) return q.error();
      q->bind_all(m.mailbox_id, m.owner_user_id, m.contract_id, m.provider_message_id);
      if (m.provider_thread_id.empty()) {
        q->bind(5, nullptr);
      } else {
        q->bind(5, m.provider_thread_id);
      }
      q->bind(6, h.message_id).bind(7, h.in_reply_to).bind(8, model::json_string_array(h.references));
      q->bind(9, m.kind).bind(10, model::to_string(m.direction)).bind(11, model::to_string(m.visibility));
      q->bind(12, h.subject).bind(13, h.date).bind(14, m.snippet).bind(15, unix_now());
      auto inserted = q->single_int();
      if (!inserted) return inserted.error();
      const Id id = *inserted;
      {
        auto body = db_->prepare(kInsertMessageBody);
        if (!body) return body.error();
        if (auto st = body->bind_all(id, m.content.text, m.content.html).run(); !st) return st.error();
      }

      if (!h.participants.empty()) {
        std::string rows = "[";
        for (std::size_t i = 0; i < h.participants.size(); ++i) {
          const auto& p = h.participants[i];
          rows += i > 0 ? ",[" : "[";
          model::append_json_string(rows, model::to_string(p.role));
          rows.push_back(',');
          model::append_json_string(rows, p.address.name);
          rows.push_back(',');
          model::append_json_string(rows, p.address.email);
          rows.push_back(',');
          model::append_json_string(rows,
                                    i < m.participant_canonicals.size() ? m.participant_canonicals[i] : "");
          rows.push_back(']');
        }
        rows.push_back(']');
        auto ins = db_->prepare(kInsertParticipants);
        if (!ins) return ins.error();
        if (auto st = ins->bind_all(id, rows).run(); !st) return st.error();
      }
      for (std::size_t i = 0; i < m.content.attachments.size(); ++i) {
        const auto& a = m.content.attachments[i];
        auto ins = db_->prepare(kInsertAttachment);
        if (!ins) return ins.error();
        ins->bind_all(id, static_cast<std::int64_t>(i), a.filename, a.content_type,
                      static_cast<std::int64_t>(a.size));
        if (auto st = ins->run(); !st) return st.error();
      }
      return id;
    });
  });
}

Status SqlStore::link_candidate(Id message_id, Id member_id, Id thread_id) {
  return mailbox_write("link_candidate", [&]() -> Status {
    auto link = db_->prepare(kInsertLink);
    if (!link) return link.error();
    return link->bind_all(message_id, member_id, thread_id).run();
  });
}

Result<std::vector<Id>> SqlStore::threads_with_keys(Id owner_user_id, Id member_id,
                                                    const std::vector<std::string>& keys) {
  auto q = db_->prepare(kSelectThreadsByKeys);
  if (!q) return q.error();
  return q->bind_all(owner_user_id, member_id, model::json_string_array(keys)).ints();
}

Result<Id> SqlStore::create_thread(Id owner_user_id, Id member_id, Id contract_id, const std::string& subject,
                                   std::int64_t last_message_at) {
  return mailbox_write("create_thread", [&]() -> Result<Id> {
    auto q = db_->prepare(kInsertThread);
    if (!q) return q.error();
    return q->bind_all(owner_user_id, member_id, contract_id, subject, last_message_at, unix_now())
        .single_int();
  });
}

Status SqlStore::merge_thread(Id into, Id from) {
  return mailbox_write("merge_thread", [&]() -> Status {
    if (into == from) return {};
    return in_tx("merge_thread", [&]() -> Status {
      for (const char* sql : {kMoveLinks, kMoveKeys, db_->pick(kMergeThreadTime)}) {
        auto q = db_->prepare(sql);
        if (!q) return q.error();
        if (auto st = q->bind_all(into, from).run(); !st) return st;
      }
      auto del = db_->prepare(kDeleteThread);
      if (!del) return del.error();
      return del->bind_all(from).run();
    });
  });
}

Status SqlStore::add_thread_keys(Id thread_id, Id owner_user_id, Id member_id,
                                 const std::vector<std::string>& keys) {
  return mailbox_write("add_thread_keys", [&]() -> Status {
    auto q = db_->prepare(kInsertThreadKeys);
    if (!q) return q.error();
    return q->bind_all(owner_user_id, member_id, model::json_string_array(keys), thread_id).run();
  });
}

Status SqlStore::touch_thread(Id thread_id, std::int64_t message_time) {
  return mailbox_write("touch_thread", [&]() -> Status {
    auto q = db_->prepare(kTouchThread);
    if (!q) return q.error();
    return q->bind_all(message_time, thread_id).run();
  });
}

Result<std::vector<ThreadSummary>> SqlStore::threads_of(Id owner_user_id, Id member_id) {
  auto q = db_->prepare(kSelectThreadsOf);
  if (!q) return q.error();
  q->bind_all(owner_user_id, member_id);
  std::vector<ThreadSummary> out;
  for (;;) {
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(
        ThreadSummary{q->int_at(0), q->int_at(1), q->int_at(2), q->text_at(3), q->int_at(4), q->int_at(5)});
  }
  return out;
}

Result<std::vector<Id>> SqlStore::thread_message_ids(Id thread_id) {
  auto q = db_->prepare(kSelectThreadMessages);
  if (!q) return q.error();
  return q->bind_all(thread_id).ints();
}

Result<std::int64_t> SqlStore::count_messages(Id mailbox_id) {
  auto q = db_->prepare(kCountMessages);
  if (!q) return q.error();
  q->bind_all(mailbox_id);
  auto row = q->step();
  if (!row) return row.error();
  return q->int_at(0);
}

// --- privacy ---------------------------------------------------------------------------------

Status SqlStore::add_suppression(const std::string& kind, const std::string& digest) {
  auto q = db_->prepare(kInsertSuppression);
  if (!q) return q.error();
  return q->bind_all(kind, digest, unix_now()).run();
}

Result<bool> SqlStore::is_suppressed(const std::string& kind, const std::string& digest) {
  auto q = db_->prepare(kSelectSuppression);
  if (!q) return q.error();
  q->bind_all(kind, digest);
  return q->step();
}

Result<std::vector<std::string>> SqlStore::suppressed_digests(const std::string& kind) {
  auto q = db_->prepare(kSelectSuppressions);
  if (!q) return q.error();
  return q->bind_all(kind).texts();
}

Result<std::set<Id>> SqlStore::message_ids_of_person(const std::vector<std::string>& canonicals,
                                                     Id member_id) {
  std::set<Id> ids;
  auto collect = [&](const char* sql, const auto& param) -> Status {
    auto q = db_->prepare(sql);
    if (!q) return q.error();
    auto found = q->bind_all(param).ints();
    if (!found) return found.error();
    ids.insert(found->begin(), found->end());
    return {};
  };
  for (const auto& c : canonicals) {
    if (auto st = collect(kSelectMessagesByParticipant, c); !st) return st.error();
  }
  if (member_id != 0) {
    if (auto st = collect(kSelectMessagesByMember, member_id); !st) return st.error();
  }
  return ids;
}

Result<std::vector<std::string>> SqlStore::erase_messages_of(const std::vector<std::string>& canonicals,
                                                             Id member_id) {
  return in_tx("erase_messages_of", [&]() -> Result<std::vector<std::string>> {
    auto ids = message_ids_of_person(canonicals, member_id);
    if (!ids) return ids.error();
    std::vector<std::string> keys;
    for (Id id : *ids) {
      {
        auto k = db_->prepare(kSelectMessageKey);
        if (!k) return k.error();
        k->bind_all(id);
        auto row = k->step();
        if (!row) return row.error();
        if (*row) keys.push_back(k->text_at(0));
      }
      auto del = db_->prepare(kDeleteMessage);
      if (!del) return del.error();
      if (auto st = del->bind_all(id).run(); !st) return st.error();
    }
    auto empty = db_->prepare(kDeleteEmptyThreads);
    if (!empty) return empty.error();
    if (auto st = empty->run(); !st) return st.error();
    return keys;
  });
}

}  // namespace hiresync::store
