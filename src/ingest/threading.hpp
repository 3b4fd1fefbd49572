// Threading: which conversation a message belongs to, for one (owner, candidate) pair.
//
// The algorithm (JWZ's id table, without its subject grouping, which merges unrelated mail):
//  1. A message's thread keys:
//     a. When the provider's thread id is a thread (Gmail's threadId follows the references): only
//        "t:<id>".
//     b. Otherwise its own Message-ID and every id it points at (In-Reply-To, References), as
//        "m:<id>", with self-references and repeats dropped; a message with no id at all gets
//        "x:<provider id>", a thread of its own. A provider id that is only a conversation hint
//        (Graph's conversationId, docs/sync.md "Microsoft 365") becomes the extra key "c:<id>".
//  2. The message's thread: every thread of (owner, candidate) that already carries any of its "t:",
//     "m:" or "x:" keys; and, only when the message has neither In-Reply-To nor References, every
//     thread carrying its "c:" key whose base subject (the subject without Re:/Fwd:-style prefixes,
//     compared case-insensitively, never empty) equals the message's. None: a new thread. Several
//     (the message bridges them, e.g. a parent arriving after two of its replies that each started a
//     thread): they merge into the oldest, whose id stays.
//  3. All of the message's keys, "c:" included, are then recorded on that thread.
// Why 2 limits the conversation hint: Outlook's Sent Items copies carry no In-Reply-To/References
// (sandbox/README.md), so a recruiter's reply from Outlook has only its Message-ID; its
// conversationId is what ties it to the candidate's mail. But Exchange can give unrelated mail with the
// same subject one conversationId, and keep it for a reply whose subject was edited: references,
// when a message has them, are the better evidence, and without them the subject must agree too.
// Both sides of a pair can be headerless (the candidate's first mail and the reply), so a message
// looks the hint up whichever arrives first.
// Because replies record the ids they reference, a reply that arrives before its parent is joined by
// the parent later; a missing parent still links its siblings; loops cannot recurse (keys are a
// set). Threads never span owners or candidates, so one email with two candidates is in two threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/message.hpp"
#include "model/result.hpp"
#include "store/store.hpp"

namespace hiresync::ingest {

struct ThreadKeys {
  std::vector<std::string> keys;  // "t:", "m:" or "x:": looked up and recorded
  std::string conversation;       // "c:<id>" or "": recorded; looked up only when by_conversation
  bool by_conversation = false;   // the message has neither In-Reply-To nor References
  std::string base_subject;
};

// The subject without leading reply/forward prefixes (Re:, RE:, Fwd:, FW:, Aw:, WG:, SV:, Antw:, TR:,
// also "Re[2]:"), repeated, and with runs of whitespace collapsed, lower case. Pure.
std::string base_subject(std::string_view subject);

// Step 1. `provider_thread_is_hint`: the provider's thread id is a conversation hint, not a thread.
// Pure.
ThreadKeys thread_keys(const model::MessageHeaders& headers, std::string_view provider_thread_id,
                       bool provider_thread_is_hint, std::string_view provider_message_id);

// Steps 2 and 3 against the store (call inside the caller's transaction). Returns the thread id.
model::Result<model::Id> resolve_thread(store::Store& store, model::Id owner_user_id, model::Id member_id,
                                        model::Id contract_id, const ThreadKeys& keys,
                                        const std::string& subject, std::int64_t message_time);

}  // namespace hiresync::ingest
