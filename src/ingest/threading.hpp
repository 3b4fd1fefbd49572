// Threading: which conversation a message belongs to, for one (owner, candidate) pair.
//
// The algorithm (JWZ's id table, without its subject grouping, which merges unrelated mail):
//  1. A message's thread keys are its provider thread id ("t:<id>") when the provider gives one;
//     otherwise its own Message-ID and every id it points at (In-Reply-To, References), as "m:<id>",
//     with self-references and repeats dropped. A message with no id at all gets "x:<provider id>",
//     a thread of its own.
//  2. Every thread of (owner, candidate) that already carries any of these keys is the message's
//     thread. None: a new thread. Several (the message bridges them, e.g. a parent arriving after
//     two of its replies that each started a thread): they merge into the oldest, whose id stays.
//  3. All of the message's keys are then recorded on that thread.
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

// Step 1. Pure.
std::vector<std::string> thread_keys(const model::MessageHeaders& headers,
                                     std::string_view provider_thread_id,
                                     std::string_view provider_message_id);

// Steps 2 and 3 against the store (call inside the caller's transaction). Returns the thread id.
model::Result<model::Id> resolve_thread(store::Store& store, model::Id owner_user_id, model::Id member_id,
                                        model::Id contract_id, const std::vector<std::string>& keys,
                                        const std::string& subject, std::int64_t message_time);

}  // namespace hiresync::ingest
