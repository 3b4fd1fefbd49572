// Ingest: the one path from a message to the store. The import command and the sync engine both
// call it; there is no second pipeline.
//
// For one message of a mailbox:
//  1. assess: the matching rules (match/rules.hpp) on the header participants only.
//  2. not matched: nothing is stored; the message is counted under its reason.
//  3. matched: if (mailbox, provider message id) is stored already -> `duplicate`, nothing changes.
//     If the message was erased under GDPR (the index knows its suppression) -> skipped `erased`.
//  4. only now is the full content asked of the MessageSource (the provider's "full"/"raw" fetch,
//     or the file already read) and parsed; a parse failure -> `malformed` with the parser's reason.
//  5. in one transaction: the message (visibility `private`, whatever the contract's InMail
//     default), its participants and attachment metadata, and for each matched candidate a link
//     into that candidate's thread (threading.hpp), which is its pipeline activity.
// Idempotent: ingesting the same message again reports `duplicate` and writes nothing.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "match/candidate_index.hpp"
#include "match/rules.hpp"
#include "model/message.hpp"
#include "model/result.hpp"
#include "store/store.hpp"

namespace hiresync::ingest {

// Where the full message comes from; passed in by the caller. Asked only for matched messages.
class MessageSource {
 public:
  virtual ~MessageSource() = default;
  // The whole raw RFC 5322 message. An Error is returned to the caller of ingest() unchanged
  // (a provider fetch failure is the sync engine's to retry; the message is not counted).
  virtual model::Result<std::string> fetch_raw() = 0;

  // The whole message, parsed. The default fetches the raw message and parses it with
  // mime::parse_message; a source that already parsed it (the import parses matched files on its
  // worker threads) returns that. kMalformedInput means the content itself cannot be parsed:
  // ingest records the message as malformed. Any other error is a fetch error, as above.
  virtual model::Result<model::ParsedMessage> fetch_parsed();
};

// The metadata of one message, as the provider listed it or as the header parser read it.
struct IncomingMessage {
  std::string provider_message_id;  // the idempotency key within the mailbox
  std::string provider_thread_id;   // empty when the provider has none
  // The provider thread id only hints at a conversation (Graph's conversationId): threading.hpp.
  bool provider_thread_is_hint = false;
  model::MessageHeaders headers;
};

enum class Outcome { kSynced, kDuplicate, kSkipped, kMalformed };
const char* to_string(Outcome o);

struct IngestResult {
  Outcome outcome = Outcome::kSkipped;
  model::Reason reason = model::Reason::kNoProfile;  // kMatched for synced and duplicate
  std::vector<model::Id> member_ids;                 // candidates the message is (or was) linked to
  model::Id message_id = 0;                          // set for synced and duplicate
  std::string detail;                                // the parser's reason, for malformed
};

// The mailbox a run works on.
struct MailboxScope {
  model::Id mailbox_id = 0;
  model::Id owner_user_id = 0;
  model::Id contract_id = 0;
  match::MailboxContext match;  // owner address, internal domains, whether syncing is enabled
};

// Builds the key under which an erased message is suppressed: its RFC Message-ID, else its
// provider id (the same key Store::erase_messages_of returns).
std::string message_suppression_key(const model::MessageHeaders& headers,
                                    std::string_view provider_message_id);

class Ingestor {
 public:
  // `store` and `index` must outlive the Ingestor. The index must describe scope.contract_id.
  Ingestor(store::Store& store, const match::CandidateIndex& index, MailboxScope scope);

  // Step 1 alone. Pure and thread-safe while nobody mutates the index, so a caller may run it on
  // worker threads and pass the result to ingest().
  match::MatchResult assess(const model::MessageHeaders& headers) const;

  // Steps 1-5. Errors: the source's fetch error, or a store error. Nothing of the message stays
  // written after an error: without a caller's transaction, ingest's own rolled back; inside the
  // caller's transaction, the caller must roll it back (it cannot commit half a message).
  // A malformed or unmatched message is a result, not an error.
  model::Result<IngestResult> ingest(const IncomingMessage& message, MessageSource& source);
  // Steps 2-5 with an assessment computed earlier by assess() for the same headers.
  model::Result<IngestResult> ingest(const IncomingMessage& message, const match::MatchResult& assessed,
                                     MessageSource& source);

  // Records a message that could not even be read as headers (counts it as seen + malformed).
  void count_malformed();

  // Counts since the last flush (seen, synced, skipped by reason incl. "duplicate", "malformed").
  const store::MailboxCounts& pending_counts() const { return counts_; }
  // Adds the pending counts to the mailbox's totals and clears them.
  model::Status flush_counts();

 private:
  model::Result<IngestResult> store_matched(const IncomingMessage& message,
                                            const match::MatchResult& assessed, model::ParsedMessage parsed);
  void count(const IngestResult& r);

  store::Store& store_;
  const match::CandidateIndex& index_;
  MailboxScope scope_;
  store::MailboxCounts counts_;
};

// A short plain-text preview of a message for lists: whitespace collapsed, at most ~200 bytes,
// cut on a UTF-8 boundary; from the text body, else from the HTML with tags dropped.
std::string make_snippet(const model::ParsedMessage& message);

}  // namespace hiresync::ingest
