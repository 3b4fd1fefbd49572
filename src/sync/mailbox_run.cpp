#include "sync/mailbox_run.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <utility>

#include "mime/mime.hpp"

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

ingest::MailboxScope scope_of(const store::Mailbox& mb, const model::Contract& contract) {
  ingest::MailboxScope scope;
  scope.mailbox_id = mb.id;
  scope.owner_user_id = mb.user_id;
  scope.contract_id = mb.contract_id;
  scope.match.sync_enabled = mb.provider == model::to_string(contract.settings.email_provider);
  scope.match.owner_address = mb.address;
  scope.match.internal_domains = contract.settings.internal_domains;
  return scope;
}

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

void MailboxRun::crash_if(std::string_view point) const {
  if (!ctx_.crash_point.empty() && ctx_.crash_point == point) std::_Exit(137);  // as SIGKILL: no cleanup
}

MailboxRun::MailboxRun(RunContext ctx)
    : ctx_(std::move(ctx)), ingestor_(ctx_.store, *ctx_.index, scope_of(ctx_.mailbox, ctx_.contract)) {}

Status MailboxRun::execute() {
  auto cursor = parse_cursor(ctx_.mailbox.cursor);
  if (!cursor) return cursor.error();
  cursor_ = *cursor;
  if (auto st = ensure_tokens(); !st) return st;
  if (cursor_.history_id.empty() || cursor_.backfilling) {
    if (auto st = backfill(); !st) return st;
  }
  if (auto st = targeted(); !st) return st;
  // Push is (re)established before the changes are read, never after: what arrives once the watch
  // stands is pushed, and what arrived before it is in the changes read next. The other order left
  // a gap in which a message arrived unpushed after the last read, waiting for the fallback poll.
  if (auto st = renew_watch(); !st) return st;
  return incremental();
}

Status MailboxRun::ensure_tokens() {
  auto tokens = ctx_.vault.open(ctx_.mailbox.token_ciphertext, ctx_.mailbox.user_id, ctx_.mailbox.provider);
  if (!tokens) {
    return model::Error{ErrorCode::kConsentRequired, "tokens: " + tokens.error().detail, "access_revoked",
                        -1};
  }
  tokens_ = *tokens;
  if (tokens_.expires_at - 60 <= ctx_.now_ms() / 1000) return refresh_tokens();
  return Status();
}

Status MailboxRun::refresh_tokens() {
  if (tokens_.refresh_token.empty()) {
    return model::Error{ErrorCode::kConsentRequired, "no refresh token", "access_revoked", -1};
  }
  auto fresh = ctx_.oauth.refresh(tokens_.refresh_token);
  ctx_.metrics.increment("hiresync_token_refreshes_total",
                         {{"provider", ctx_.mailbox.provider}, {"outcome", fresh ? "ok" : "error"}});
  if (!fresh) return fresh.error();
  crash_if("refresh_response");
  if (fresh->refresh_token.empty()) fresh->refresh_token = tokens_.refresh_token;  // Google: not rotated
  // Stored before use: a provider that rotates refresh tokens has already invalidated the old one.
  if (auto st = ctx_.store.save_tokens(ctx_.mailbox.id,
                                       ctx_.vault.seal(*fresh, ctx_.mailbox.user_id, ctx_.mailbox.provider));
      !st) {
    return st;
  }
  crash_if("refresh_stored");
  tokens_ = *fresh;
  refreshed_ = true;
  return Status();
}

template <typename T, typename Fn>
model::Result<T> MailboxRun::call(MailClient::Call which, const char* endpoint, Fn&& fn, int times) {
  for (int attempt = 0;; ++attempt) {
    if (!ctx_.budget.acquire(static_cast<std::int64_t>(ctx_.mail.cost(which)) * times, ctx_.stop)) {
      return model::make_error(ErrorCode::kTransient, "engine stopping");
    }
    model::Result<T> r = fn(tokens_.access_token);
    const char* status = r ? "ok" : model::to_string(r.error().code);
    ctx_.metrics.increment("hiresync_provider_calls_total",
                           {{"provider", ctx_.mailbox.provider}, {"endpoint", endpoint}, {"status", status}});
    if (r || r.error().code != ErrorCode::kAuthExpired) {
      if (!r && r.error().code == ErrorCode::kRateLimited && r.error().retry_after_s > 0) {
        ctx_.budget.pause_until(ctx_.now_ms() + r.error().retry_after_s * 1000LL);
      }
      return r;
    }
    // 401: the access token is refused. Refresh once per run; a second refusal means the grant
    // itself is gone.
    if (attempt > 0 || refreshed_) {
      return model::Error{ErrorCode::kConsentRequired, "access token refused after refresh", "access_revoked",
                          -1};
    }
    if (auto st = refresh_tokens(); !st) return st.error();
  }
}

Status MailboxRun::save_state(const std::string& state) {
  if (ctx_.mailbox.state == state) return Status();
  ctx_.mailbox.state = state;
  return ctx_.store.set_mailbox_state(ctx_.mailbox.id, state, "", "", 0);
}

std::vector<std::string> MailboxRun::candidate_addresses(const std::vector<model::Id>& members) {
  std::set<std::string> out;
  for (const model::Id id : members) {
    auto member = ctx_.store.get_member(id);
    if (!member || member->email_discovery != model::Discovery::kAnyone) continue;
    for (const auto& email : member->emails) out.insert(email);
  }
  return {out.begin(), out.end()};
}

providers::SearchQuery MailboxRun::query_for(const std::vector<std::string>& addresses, std::size_t from,
                                             std::int64_t after_s) const {
  providers::SearchQuery q;
  const std::size_t end =
      std::min(addresses.size(), from + static_cast<std::size_t>(ctx_.addresses_per_query));
  q.addresses.assign(addresses.begin() + static_cast<std::ptrdiff_t>(from),
                     addresses.begin() + static_cast<std::ptrdiff_t>(end));
  q.after_s = after_s;
  return q;
}

Status MailboxRun::backfill() {
  const std::int64_t now_s = ctx_.now_ms() / 1000;
  if (!cursor_.backfilling) {
    auto profile = call<providers::MailboxProfile>(
        MailClient::Call::kProfile, "profile", [&](const std::string& t) { return ctx_.mail.profile(t); });
    if (!profile) return profile.error();
    cursor_.backfilling = true;
    cursor_.start_history_id = profile->cursor;
    cursor_.chunk = 0;
    cursor_.page_token.clear();
    const std::int64_t window = now_s - static_cast<std::int64_t>(ctx_.backfill_days) * 86400;
    // A resync after an expired cursor starts a day before the last complete sync, not at the window's
    // start: nothing older can be missing, and the seen ids make the overlap free.
    cursor_.window_after_s = cursor_.history_id.empty() || ctx_.mailbox.last_good_sync_at == 0
                                 ? window
                                 : std::max(window, ctx_.mailbox.last_good_sync_at - 86400);
    if (auto st = ctx_.store.save_cursor(ctx_.mailbox.id, serialize(cursor_)); !st) return st;
  }
  if (auto st = save_state("backfilling"); !st) return st;

  auto saved = ctx_.store.saved_member_ids(ctx_.mailbox.contract_id);
  if (!saved) return saved.error();
  const std::vector<std::string> addresses = candidate_addresses(*saved);
  const auto per = static_cast<std::size_t>(std::max(1, ctx_.addresses_per_query));
  const auto chunks = static_cast<std::int64_t>((addresses.size() + per - 1) / per);
  while (cursor_.chunk < chunks) {
    if (auto st = ctx_.store.set_backfill_progress(ctx_.mailbox.id, cursor_.chunk, chunks); !st) return st;
    const providers::SearchQuery q =
        query_for(addresses, static_cast<std::size_t>(cursor_.chunk) * per, cursor_.window_after_s);
    if (auto st = search_pages(q, true); !st) return st;
  }
  SyncCursor done = cursor_;
  done.backfilling = false;
  done.history_id = cursor_.start_history_id;
  done.chunk = 0;
  done.page_token.clear();
  if (auto tx = ctx_.store.begin("backfill_done"); tx) {
    if (auto st = ctx_.store.save_cursor(ctx_.mailbox.id, serialize(done)); !st) return st;
    if (auto st = ctx_.store.set_backfill_progress(ctx_.mailbox.id, chunks, chunks); !st) return st;
    if (auto st = (*tx)->commit(); !st) return st;
  } else {
    return tx.error();
  }
  cursor_ = done;
  return Status();
}

Status MailboxRun::search_pages(const providers::SearchQuery& query, bool resumable) {
  std::string page_token = resumable ? cursor_.page_token : "";
  for (;;) {
    auto page = call<providers::ListPage>(
        MailClient::Call::kList, "messages.list",
        [&](const std::string& t) { return ctx_.mail.list(t, query, page_token, 500); });
    if (!page) {
      // A stale page token (after a long pause) restarts this query; seen ids skip the repeats.
      if (page.error().code == ErrorCode::kMalformedInput && !page_token.empty()) {
        page_token.clear();
        continue;
      }
      return page.error();
    }
    if (!page->incomplete.empty()) {
      // A provider's result cap left some out (Graph: past 1,000 for one address on one day).
      ctx_.metrics.increment("hiresync_search_incomplete_total", {{"provider", ctx_.mailbox.provider}});
    }
    std::optional<SyncCursor> next;
    if (resumable) {
      next = cursor_;
      if (page->next_page_token.empty()) {
        next->chunk += 1;
        next->page_token.clear();
      } else {
        next->page_token = page->next_page_token;
      }
    }
    if (auto st = handle_page(page->messages, next, false); !st) return st;
    if (next) cursor_ = *next;
    if (page->next_page_token.empty()) return Status();
    page_token = page->next_page_token;
  }
}

Status MailboxRun::targeted() {
  auto members = ctx_.store.targeted_backfills(ctx_.mailbox.id);
  if (!members) return members.error();
  const std::int64_t after = ctx_.now_ms() / 1000 - static_cast<std::int64_t>(ctx_.backfill_days) * 86400;
  for (const model::Id member : *members) {
    const std::vector<std::string> addresses = candidate_addresses({member});
    for (std::size_t i = 0; i < addresses.size(); i += static_cast<std::size_t>(ctx_.addresses_per_query)) {
      if (auto st = search_pages(query_for(addresses, i, after), false); !st) return st;
    }
    if (auto st = ctx_.store.remove_targeted_backfill(ctx_.mailbox.id, member); !st) return st;
  }
  return Status();
}

Status MailboxRun::incremental() {
  std::string page_token;
  for (;;) {
    auto page = call<providers::ChangePage>(
        MailClient::Call::kHistory, "history.list",
        [&](const std::string& t) { return ctx_.mail.changes(t, cursor_.history_id, page_token); });
    if (!page) {
      if (page.error().code != ErrorCode::kCursorInvalid) return page.error();
      // The cursor expired: resync the window (from the last good sync), then continue live.
      ctx_.metrics.increment("hiresync_cursor_resyncs_total", {{"provider", ctx_.mailbox.provider}});
      cursor_.backfilling = false;
      if (auto st = backfill(); !st) return st;
      page_token.clear();
      continue;
    }
    const bool last = page->next_page_token.empty();
    std::optional<SyncCursor> next;
    if (last) {
      next = cursor_;
      next->history_id = page->cursor;
    }
    if (auto st = handle_page(page->added, next, true); !st) return st;
    if (last) {
      cursor_ = *next;
      return save_state("live");
    }
    page_token = page->next_page_token;
  }
}

namespace {

// Problems of a watch refusal that are the grant's own (the mailbox cannot sync at all without
// the user or IT acting): these still move the mailbox to needs_reauth. Anything else a watch
// answers (a subscription the provider refuses, a webhook it cannot validate, an unclassified
// 4xx) is push's own problem.
bool grant_problem(const model::Error& e) {
  if (e.code == ErrorCode::kAuthExpired) return true;
  if (e.code != ErrorCode::kConsentRequired) return false;
  static constexpr std::string_view kGrant[] = {
      "access_revoked", "no_mailbox",   "mailbox_on_premises",    "insufficient_scope",
      "not_assigned",   "org_internal", "admin_consent_required", "admin_policy_enforced"};
  return std::find(std::begin(kGrant), std::end(kGrant), e.problem) != std::end(kGrant);
}

}  // namespace

Status MailboxRun::renew_watch() {
  if (ctx_.watch.topic.empty() && ctx_.watch.notification_url.empty()) return Status();
  const std::int64_t now_s = ctx_.now_ms() / 1000;
  if (ctx_.drop_watch_state) cursor_.watch_state.clear();
  auto problem = ctx_.store.push_problem(ctx_.mailbox.id);
  if (!problem) return problem.error();
  const bool expiring = cursor_.watch_expires_ms / 1000 - now_s < 86400;
  const bool forced = ctx_.force_watch || ctx_.drop_watch_state;
  if (!forced && *problem && now_s < (*problem)->retry_at) return Status();  // backing off
  if (!forced && !*problem && !expiring && now_s - cursor_.watch_renewed_at_s < ctx_.watch_renew_s) {
    return Status();
  }
  providers::WatchRequest request = ctx_.watch;
  request.state = cursor_.watch_state;
  auto watch = call<providers::WatchResult>(
      MailClient::Call::kWatch, "watch", [&](const std::string& t) { return ctx_.mail.watch(t, request); });
  if (!watch) {
    const model::Error& e = watch.error();
    if (grant_problem(e)) return e;
    if (e.code == ErrorCode::kRateLimited || e.code == ErrorCode::kTransient) return Status();  // next run
    // Push cannot be set up: keep syncing by polling, say so, retry later with backoff.
    const bool graph = !ctx_.watch.notification_url.empty();
    const std::string cause = !e.problem.empty() && e.problem != "provider_error"
                                  ? e.problem
                                  : (graph ? "subscription_failed" : "watch_failed");
    const std::int64_t failures = *problem ? (*problem)->failures + 1 : 1;
    const std::int64_t delay =
        std::min<std::int64_t>(ctx_.watch_retry_cap_s, static_cast<std::int64_t>(ctx_.watch_retry_base_s)
                                                           << std::min<std::int64_t>(failures - 1, 20));
    if (auto st = ctx_.store.record_push_problem(ctx_.mailbox.id, cause, e.detail, now_s, now_s + delay);
        !st) {
      return st;
    }
    if (!*problem) {  // one line and one count when the problem starts, not per attempt
      ctx_.metrics.increment("hiresync_problems_raised_total", {{"cause", cause}});
      if (ctx_.log) {
        ctx_.log("error", "problem " + cause + " for mailbox " + std::to_string(ctx_.mailbox.id) +
                              ": push cannot be set up, polling only (" + e.detail + ")");
      }
    }
    return Status();
  }
  if (*problem) {
    if (auto st = ctx_.store.clear_push_problem(ctx_.mailbox.id); !st) return st;
    if (ctx_.log) {
      ctx_.log("info", "problem " + (*problem)->cause + " for mailbox " + std::to_string(ctx_.mailbox.id) +
                           " cleared: push is set up");
    }
  }
  cursor_.watch_expires_ms = watch->expires_at_ms;
  cursor_.watch_renewed_at_s = now_s;
  cursor_.watch_state = watch->state;
  return ctx_.store.save_cursor(ctx_.mailbox.id, serialize(cursor_));
}

std::vector<model::Result<providers::MessageMetadata>> MailboxRun::fetch_metadata(
    const std::vector<std::string>& ids) {
  using Metadata = model::Result<providers::MessageMetadata>;
  if (ids.size() == 1 || ctx_.mail.metadata_batch_size() <= 1) {
    std::vector<Metadata> out;
    for (const std::string& id : ids) {
      out.push_back(
          call<providers::MessageMetadata>(MailClient::Call::kGetMetadata, "messages.get.metadata",
                                           [&](const std::string& t) { return ctx_.mail.metadata(t, id); }));
      if (!out.back()) break;  // the page stops at the first failure: nothing after it is needed
    }
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
  std::vector<const providers::MessageRef*> todo;
  for (const auto& ref : refs) {
    if (!in_page.insert(ref.id).second) continue;
    auto seen = ctx_.store.was_seen(ctx_.mailbox.id, ref.id);
    if (!seen) return seen.error();
    if (!*seen) todo.push_back(&ref);
  }
  // Headers are fetched a batch ahead of the loop below (one id at a time without batching).
  const auto batch = static_cast<std::size_t>(std::max(1, ctx_.mail.metadata_batch_size()));
  std::vector<model::Result<providers::MessageMetadata>> fetched;
  for (std::size_t i = 0; i < todo.size(); ++i) {
    const providers::MessageRef& ref = *todo[i];
    if (i % batch == 0) {
      std::vector<std::string> ids;
      for (std::size_t j = i; j < std::min(todo.size(), i + batch); ++j) ids.push_back(todo[j]->id);
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
