// One sync run of one mailbox (the engine guarantees one at a time per mailbox):
//
//  1. Tokens: open the stored tokens; refresh when the access token expires within a minute. A
//     refreshed token set is stored before its access token is used.
//  2. Backfill (first connect, or a resync after the cursor expired): take the provider's cursor
//     first (Gmail getProfile.historyId), then search the window for the contract's candidates'
//     addresses, a chunk of addresses per query (Gmail `q`: "(from:a OR to:a OR cc:a OR bcc:a ...)
//     after:T"), page by page. Searching by address rather than listing the mailbox keeps the
//     quota spent proportional to candidate mail, not to the mailbox (bench/RESULTS.md).
//     Then the cursor becomes the one taken in step 2, so mail that arrived meanwhile comes through
//     the change feed (seen ids make the overlap free).
//  3. Targeted backfills: the same search for each member saved since (one member at a time).
//  4. Incremental: the change feed (Gmail history.list) from the stored cursor, page by page.
//  5. Watch renewal (Gmail users.watch) when it is older than the renewal period.
//
// Every page is handled in two phases. First, without a transaction: for each id not yet seen,
// fetch its metadata (headers only), match, and for matched messages fetch the raw content. Then
// one transaction: ingest each prepared message, mark the ids seen and, when the page completed,
// the new cursor: cursor and writes commit together. When a fetch fails, the messages before it
// commit, the failure is recorded (shown in status) and the cursor stays where it was, so the
// next run retries from there: the cursor never passes a message whose fetch failed.
//
// Errors returned are classified (providers/provider.hpp); the engine turns them into a state.
//
// The code follows the roles: mailbox_run.cpp (steps 1-4), mailbox_run_page.cpp (the two phases of a
// page), mailbox_run_watch.cpp (step 5); mailbox_run_call.hpp defines call() for all three.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/ingest.hpp"
#include "match/candidate_index.hpp"
#include "metrics/metrics.hpp"
#include "providers/provider.hpp"
#include "store/store.hpp"
#include "sync/budget.hpp"
#include "sync/cursor.hpp"
#include "sync/tokens.hpp"

namespace hiresync::sync {

struct RunContext {
  store::Store& store;
  store::Mailbox mailbox;
  model::Contract contract;
  std::shared_ptr<const match::CandidateIndex> index;
  providers::OAuthClient& oauth;
  providers::MailClient& mail;
  providers::WatchRequest watch;  // topic or webhook and client state; state comes from the cursor
  QuotaBudget& budget;
  const TokenVault& vault;
  metrics::Registry& metrics;
  const std::atomic<bool>& stop;
  Clock now_ms;
  int backfill_days = 365;
  int watch_renew_s = 86400;
  int addresses_per_query = 8;
  bool force_watch = false;       // renew the watch now (Graph reauthorizationRequired)
  bool drop_watch_state = false;  // the provider dropped it: create a new one
  std::string crash_point;        // EngineConfig::crash_point
  int watch_retry_base_s = 60;    // EngineConfig: a failed watch is retried with backoff
  int watch_retry_cap_s = 21600;
  std::function<void(const char* level, const std::string& message)> log;  // may be empty
};

class MailboxRun {
 public:
  explicit MailboxRun(RunContext ctx);
  // Runs steps 1-5. Returns the first error that stopped the run (classified); the work committed
  // before it stays committed.
  model::Status execute();

 private:
  struct Prepared {
    ingest::IncomingMessage incoming;
    match::MatchResult assessed;
    std::string raw;
    std::int64_t internal_date_ms = 0;
    enum class Kind { kMessage, kVanished, kMalformed, kNotMail } kind = Kind::kMessage;
    const char* not_mail = "";  // kNotMail: the skip reason (draft, spam, trash, chat)
  };

  model::Status ensure_tokens();
  model::Status refresh_tokens();
  // Calls the provider with the access token under the budget (`times` calls of `which`: a batch);
  // one refresh on kAuthExpired.
  template <typename T, typename Fn>
  model::Result<T> call(providers::MailClient::Call which, const char* endpoint, Fn&& fn, int times = 1);
  // The metadata of `ids`, in their order: one call for a single id, else one batch request
  // (MailClient::metadata_batch), retrying rate-limited calls alone with backoff (a few times); each failure
  // stays the failure of its id.
  std::vector<model::Result<providers::MessageMetadata>> fetch_metadata(const std::vector<std::string>& ids);

  model::Status backfill();
  model::Status targeted();
  model::Status incremental();
  // Step 5. Push is an accelerator: a watch the provider refuses for a reason other than the
  // grant itself is recorded as the mailbox's push problem (retried with backoff, cleared by the
  // next success) and the run goes on polling; only a genuine token or grant refusal fails it.
  model::Status renew_watch();
  // Searches `query` page by page; when `resumable` (the backfill), each page's commit stores the
  // position reached, so a crash resumes there.
  model::Status search_pages(const providers::SearchQuery& query, bool resumable);
  // The two phases of one page. `commit_cursor`: the cursor to store with the writes (nullopt:
  // leave it).
  model::Status handle_page(const std::vector<providers::MessageRef>& refs,
                            const std::optional<SyncCursor>& commit_cursor, bool live);
  std::vector<std::string> candidate_addresses(const std::vector<model::Id>& members);
  // The search for addresses[from, from + addresses_per_query) received after `after_s`.
  providers::SearchQuery query_for(const std::vector<std::string>& addresses, std::size_t from,
                                   std::int64_t after_s) const;
  model::Status save_state(const std::string& state);
  // Ends the process at a named crash point when the engine was configured to (crash tests).
  void crash_if(std::string_view point) const;

  RunContext ctx_;
  ingest::Ingestor ingestor_;
  SyncCursor cursor_;
  providers::Tokens tokens_;
  bool refreshed_ = false;
};

}  // namespace hiresync::sync
