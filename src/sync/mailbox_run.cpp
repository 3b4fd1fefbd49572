// A mailbox run: execute, tokens, and the searches and change feed of steps 2-4 (mailbox_run.hpp).
// The page handling is in mailbox_run_page.cpp, the watch renewal in mailbox_run_watch.cpp.
#include "sync/mailbox_run.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <utility>

#include "sync/mailbox_run_call.hpp"

namespace hiresync::sync {

using model::ErrorCode;
using model::Status;
using providers::MailClient;

namespace {

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

}  // namespace hiresync::sync
