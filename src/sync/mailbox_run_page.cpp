// The two phases of one page of a mailbox run: fetch (metadata, batched, then raw content) and commit.
#include <algorithm>
#include <random>
#include <set>
#include <utility>

#include "mime/mime.hpp"
#include "sync/mailbox_run.hpp"
#include "sync/mailbox_run_call.hpp"

namespace hiresync::sync {

using model::ErrorCode;
using model::Status;
using providers::MailClient;

namespace {

// The content fetched in phase one, handed to ingest in phase two.
class PrefetchedSource final : public ingest::MessageSource {
 public:
  explicit PrefetchedSource(const std::string& raw) : raw_(raw) {}
  model::Result<std::string> fetch_raw() override {
    if (raw_.empty()) return model::make_error(ErrorCode::kInternal, "content was not prefetched");
    return raw_;
  }

 private:
  const std::string& raw_;
};

// Messages the provider labels as not (yet, or no longer) real mail: a draft (Gmail adds a new
// message id on every autosave; the sent message gets another new id), spam, trash, a chat. They
// are never stored; the reason is counted as a skip. docs/sync.md "Drafts, spam, trash, chat".
const char* not_mail_reason(const std::vector<std::string>& labels) {
  static constexpr std::pair<const char*, const char*> kLabels[] = {
      {"DRAFT", "draft"}, {"SPAM", "spam"}, {"TRASH", "trash"}, {"CHAT", "chat"}};
  for (const auto& [label, reason] : kLabels) {
    if (std::find(labels.begin(), labels.end(), label) != labels.end()) return reason;
  }
  return nullptr;
}

}  // namespace

std::vector<model::Result<providers::MessageMetadata>> MailboxRun::fetch_metadata(
    const std::vector<std::string>& ids) {
  using Metadata = model::Result<providers::MessageMetadata>;
  if (ids.size() == 1) {  // handle_page asks one id at a time when the provider does not batch
    std::vector<Metadata> out;
    out.push_back(call<providers::MessageMetadata>(
        MailClient::Call::kGetMetadata, "messages.get.metadata",
        [&](const std::string& t) { return ctx_.mail.metadata(t, ids.front()); }));
    return out;
  }
  // A batch's calls can be refused one by one (Gmail's per-user concurrency and rate limits); those
  // are sent again, alone of the others, after a pause of the whole budget (Retry-After or backoff).
  constexpr int kRetries = 3;
  std::vector<Metadata> out(ids.size(), model::make_error(ErrorCode::kTransient, "not fetched"));
  std::vector<std::size_t> pending(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) pending[i] = i;
  std::mt19937_64 rng(std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    std::vector<std::string> want;
    want.reserve(pending.size());
    for (const std::size_t i : pending) want.push_back(ids[i]);
    auto results = call<std::vector<Metadata>>(
        MailClient::Call::kGetMetadata, "messages.get.metadata.batch",
        [&](const std::string& t) { return ctx_.mail.metadata_batch(t, want); },
        static_cast<int>(want.size()));
    if (!results || results->size() != want.size()) {
      const model::Error e =
          results ? model::make_error(ErrorCode::kMalformedInput, "batch answer size") : results.error();
      for (const std::size_t i : pending) out[i] = e;
      return out;
    }
    std::vector<std::size_t> limited;
    std::int64_t retry_after_s = -1;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      Metadata& r = (*results)[k];
      if (!r && r.error().code == ErrorCode::kRateLimited) {
        limited.push_back(pending[k]);
        retry_after_s = std::max<std::int64_t>(retry_after_s, r.error().retry_after_s);
      }
      out[pending[k]] = std::move(r);
    }
    if (limited.empty() || attempt > kRetries) return out;
    ctx_.metrics.increment("hiresync_batch_part_retries_total", {{"provider", ctx_.mailbox.provider}},
                           static_cast<double>(limited.size()));
    const std::int64_t wait_ms =
        retry_after_s > 0 ? retry_after_s * 1000 : backoff_ms(attempt, 1000, 32000, rng);
    ctx_.budget.pause_until(ctx_.now_ms() + wait_ms);
    pending = std::move(limited);
  }
}

Status MailboxRun::handle_page(const std::vector<providers::MessageRef>& refs,
                               const std::optional<SyncCursor>& commit_cursor, bool live) {
  // Phase one: fetch, no transaction held while the provider answers.
  std::vector<Prepared> prepared;
  std::set<std::string> in_page;
  std::optional<model::Error> failure;
  std::string failed_id;
  std::vector<const providers::MessageRef*> unseen;
  for (const auto& ref : refs) {
    if (!in_page.insert(ref.id).second) continue;
    auto seen = ctx_.store.was_seen(ctx_.mailbox.id, ref.id);
    if (!seen) return seen.error();
    if (!*seen) unseen.push_back(&ref);
  }
  // Headers are fetched a batch ahead of the loop below (one id at a time without batching).
  const auto batch = static_cast<std::size_t>(std::max(1, ctx_.mail.metadata_batch_size()));
  std::vector<model::Result<providers::MessageMetadata>> fetched;
  for (std::size_t i = 0; i < unseen.size(); ++i) {
    const providers::MessageRef& ref = *unseen[i];
    if (i % batch == 0) {
      std::vector<std::string> ids;
      for (std::size_t j = i; j < std::min(unseen.size(), i + batch); ++j) ids.push_back(unseen[j]->id);
      fetched = fetch_metadata(ids);
    }
    Prepared p;
    p.incoming.provider_message_id = ref.id;
    p.incoming.provider_thread_id = ref.thread_id;
    auto& meta = fetched[i % batch];
    if (!meta) {
      if (meta.error().code == ErrorCode::kNotFound) {  // deleted since it was listed
        p.kind = Prepared::Kind::kVanished;
        prepared.push_back(std::move(p));
        continue;
      }
      failure = meta.error();
      failed_id = ref.id;
      break;
    }
    if (const char* reason = not_mail_reason(meta->labels)) {
      p.kind = Prepared::Kind::kNotMail;
      p.not_mail = reason;
      prepared.push_back(std::move(p));
      continue;
    }
    if (!meta->ref.thread_id.empty()) p.incoming.provider_thread_id = meta->ref.thread_id;
    p.internal_date_ms = meta->internal_date_ms;
    auto headers = mime::parse_headers(meta->raw_headers);
    if (!headers) {
      p.kind = Prepared::Kind::kMalformed;
      prepared.push_back(std::move(p));
      continue;
    }
    p.incoming.headers = std::move(*headers);
    // Graph's conversationId only hints at a thread: the references come first (threading.hpp).
    p.incoming.provider_thread_is_hint = ctx_.mail.thread_id_is_fallback();
    p.assessed = ingestor_.assess(p.incoming.headers);
    if (p.assessed.reason == model::Reason::kMatched) {
      auto stored = ctx_.store.find_message(ctx_.mailbox.id, ref.id);
      if (!stored) return stored.error();
      if (!*stored) {
        auto raw = call<std::string>(MailClient::Call::kGetRaw, "messages.get.raw",
                                     [&](const std::string& t) { return ctx_.mail.raw(t, ref.id); });
        if (!raw) {
          if (raw.error().code == ErrorCode::kNotFound) {
            p.kind = Prepared::Kind::kVanished;
            prepared.push_back(std::move(p));
            continue;
          }
          failure = raw.error();
          failed_id = ref.id;
          break;
        }
        p.raw = std::move(*raw);
      }
    }
    prepared.push_back(std::move(p));
  }

  // Phase two: one transaction for the page's writes and, when the page completed, its cursor.
  auto tx = ctx_.store.begin("sync_page");
  if (!tx) return tx.error();
  std::vector<std::int64_t> latencies_ms;
  store::MailboxCounts not_mail;  // assessed here, not by ingest: counted beside its counts
  for (auto& p : prepared) {
    const std::string& id = p.incoming.provider_message_id;
    if (p.kind == Prepared::Kind::kMalformed) ingestor_.count_malformed();
    if (p.kind == Prepared::Kind::kNotMail) {
      ++not_mail.seen;
      ++not_mail.skipped[p.not_mail];
    }
    if (p.kind == Prepared::Kind::kMessage) {
      PrefetchedSource source(p.raw);
      auto r = ingestor_.ingest(p.incoming, p.assessed, source);
      if (!r) return r.error();
      if (r->outcome == ingest::Outcome::kSynced && live && p.internal_date_ms > 0) {
        latencies_ms.push_back(ctx_.now_ms() - p.internal_date_ms);
      }
    }
    if (auto st = ctx_.store.mark_seen(ctx_.mailbox.id, id); !st) return st;
    if (auto st = ctx_.store.clear_fetch_failure(ctx_.mailbox.id, id); !st) return st;
  }
  if (failure) {
    if (auto st = ctx_.store.record_fetch_failure(ctx_.mailbox.id, failed_id, failure->detail); !st)
      return st;
  } else if (commit_cursor) {
    if (auto st = ctx_.store.save_cursor(ctx_.mailbox.id, serialize(*commit_cursor)); !st) return st;
    // With the cursor, the spends that paid for it: a node killed in the middle of a backfill
    // leaves the next one the quota it used (docs/sync.md "Budgets across nodes").
    if (auto st = ctx_.store.save_quota_window(ctx_.mailbox.id, ctx_.budget.save()); !st) return st;
  }
  store::MailboxCounts counts = ingestor_.pending_counts();
  if (auto st = ingestor_.flush_counts(); !st) return st;
  if (not_mail.seen > 0) {
    if (auto st = ctx_.store.add_mailbox_counts(ctx_.mailbox.id, not_mail); !st) return st;
    for (const auto& [reason, n] : not_mail.skipped) counts.skipped[reason] += n;
  }
  if (auto st = (*tx)->commit(); !st) return st;

  // Metrics only once committed: what they count is visible.
  const metrics::Labels provider{{"provider", ctx_.mailbox.provider}};
  if (counts.synced > 0) ctx_.metrics.increment("hiresync_messages_synced_total", provider, counts.synced);
  for (const auto& [reason, n] : counts.skipped) {
    ctx_.metrics.increment("hiresync_messages_skipped_total",
                           {{"provider", ctx_.mailbox.provider}, {"reason", reason}}, static_cast<double>(n));
  }
  for (const std::int64_t ms : latencies_ms) {
    ctx_.metrics.observe("hiresync_push_to_visible_seconds", provider, static_cast<double>(ms) / 1000.0);
  }
  if (failure) return *failure;
  return Status();
}

}  // namespace hiresync::sync
