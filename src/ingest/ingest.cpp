#include "ingest/ingest.hpp"

#include <chrono>

#include "ingest/threading.hpp"
#include "mime/mime.hpp"

namespace hiresync::ingest {

using model::Reason;

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::kSynced:
      return "synced";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kMalformed:
      return "malformed";
  }
  return "skipped";
}

std::string message_suppression_key(const model::MessageHeaders& headers,
                                    std::string_view provider_message_id) {
  return headers.message_id.empty() ? std::string(provider_message_id) : headers.message_id;
}

model::Result<model::ParsedMessage> MessageSource::fetch_parsed() {
  auto raw = fetch_raw();
  if (!raw) return raw.error();
  return mime::parse_message(*raw);
}

Ingestor::Ingestor(store::Store& store, const match::CandidateIndex& index, MailboxScope scope)
    : store_(store), index_(index), scope_(std::move(scope)) {}

match::MatchResult Ingestor::assess(const model::MessageHeaders& headers) const {
  return match::match_message(headers, scope_.match, index_);
}

model::Result<IngestResult> Ingestor::ingest(const IncomingMessage& message, MessageSource& source) {
  return ingest(message, assess(message.headers), source);
}

model::Result<IngestResult> Ingestor::ingest(const IncomingMessage& message,
                                             const match::MatchResult& assessed, MessageSource& source) {
  IngestResult result;
  if (assessed.reason != Reason::kMatched) {
    result.outcome = Outcome::kSkipped;
    result.reason = assessed.reason;
    count(result);
    return result;
  }

  auto existing = store_.find_message(scope_.mailbox_id, message.provider_message_id);
  if (!existing) return existing.error();
  if (*existing) {
    result.outcome = Outcome::kDuplicate;
    result.reason = Reason::kMatched;
    result.message_id = (*existing)->message_id;
    result.member_ids = (*existing)->member_ids;
    count(result);
    return result;
  }

  const std::string key = message_suppression_key(message.headers, message.provider_message_id);
  if (index_.is_message_suppressed(key)) {
    result.outcome = Outcome::kSkipped;
    result.reason = Reason::kErased;
    count(result);
    return result;
  }

  auto parsed = source.fetch_parsed();
  if (!parsed) {
    if (parsed.error().code != model::ErrorCode::kMalformedInput) return parsed.error();
    result.outcome = Outcome::kMalformed;
    result.reason = Reason::kMalformed;
    result.detail = parsed.error().detail;
    count(result);
    return result;
  }
  auto stored = store_matched(message, assessed, std::move(*parsed));
  if (stored) count(*stored);
  return stored;
}

model::Result<IngestResult> Ingestor::store_matched(const IncomingMessage& message,
                                                    const match::MatchResult& assessed,
                                                    model::ParsedMessage parsed) {
  store::NewMessage m;
  m.mailbox_id = scope_.mailbox_id;
  m.owner_user_id = scope_.owner_user_id;
  m.contract_id = scope_.contract_id;
  m.provider_message_id = message.provider_message_id;
  m.provider_thread_id = message.provider_thread_id;
  const std::int64_t parsed_date = parsed.headers.date;
  m.content = std::move(parsed);
  // Participants, ids and subject come from the metadata that was matched, so what is stored is
  // exactly what the rules saw (a provider's metadata may differ from a re-parse in details).
  m.content.headers = message.headers;
  if (m.content.headers.date == 0) {
    m.content.headers.date = parsed_date != 0 ? parsed_date
                                              : std::chrono::duration_cast<std::chrono::seconds>(
                                                    std::chrono::system_clock::now().time_since_epoch())
                                                    .count();
  }
  m.direction = model::Direction::kInbound;
  for (const auto& v : assessed.participants) {
    m.participant_canonicals.push_back(v.canonical);
    const bool from_side = v.role == model::HeaderRole::kFrom || v.role == model::HeaderRole::kSender;
    if (from_side && v.reason == Reason::kOwnAddress) m.direction = model::Direction::kOutbound;
  }
  m.visibility = model::Visibility::kPrivate;  // synced mail is private to its owner until shared
  m.snippet = make_snippet(m.content);

  // Atomic on its own; inside the caller's transaction (the sync engine's cursor transaction, an
  // import batch) the caller's rollback undoes a failure, without a savepoint per message.
  std::unique_ptr<store::Transaction> tx;
  if (!store_.in_transaction()) {
    auto begun = store_.begin("ingest_message");
    if (!begun) return begun.error();
    tx = std::move(*begun);
  }
  auto id = store_.insert_message(m);
  if (!id) return id.error();
  const ThreadKeys keys = thread_keys(m.content.headers, message.provider_thread_id,
                                      message.provider_thread_is_hint, message.provider_message_id);
  for (model::Id member : assessed.matched_members) {
    auto thread = resolve_thread(store_, scope_.owner_user_id, member, scope_.contract_id, keys,
                                 m.content.headers.subject, m.content.headers.date);
    if (!thread) return thread.error();
    if (auto st = store_.link_candidate(*id, member, *thread); !st) return st.error();
  }
  if (tx) {
    if (auto st = tx->commit(); !st) return st.error();
  }

  IngestResult result;
  result.outcome = Outcome::kSynced;
  result.reason = Reason::kMatched;
  result.message_id = *id;
  result.member_ids = assessed.matched_members;
  return result;
}

void Ingestor::count(const IngestResult& r) {
  ++counts_.seen;
  switch (r.outcome) {
    case Outcome::kSynced:
      ++counts_.synced;
      break;
    case Outcome::kDuplicate:
      ++counts_.skipped["duplicate"];
      break;
    case Outcome::kSkipped:
      ++counts_.skipped[model::to_string(r.reason)];
      break;
    case Outcome::kMalformed:
      ++counts_.skipped["malformed"];
      break;
  }
}

void Ingestor::count_malformed() {
  IngestResult r;
  r.outcome = Outcome::kMalformed;
  count(r);
}

model::Status Ingestor::flush_counts() {
  if (counts_.seen == 0) return {};
  auto st = store_.add_mailbox_counts(scope_.mailbox_id, counts_);
  if (st) counts_ = store::MailboxCounts{};
  return st;
}

}  // namespace hiresync::ingest
