// The engine's typed sync cursor of one mailbox (shared/STYLE.md §6), persisted as JSON in
// mailboxes.cursor. Versioned by its fields: unknown fields are ignored, missing ones default, so
// an older row still reads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/result.hpp"

namespace hiresync::sync {

struct SyncCursor {
  // The provider's change cursor (Gmail historyId) from which incremental sync continues; empty
  // until the first backfill finished.
  std::string history_id;

  // A backfill (first connect, or a resync after the cursor expired) in progress. It searches the
  // window for the contract's candidates' addresses, one chunk of addresses at a time; `chunk` and
  // `page_token` say where to resume after a crash.
  bool backfilling = false;
  std::int64_t window_after_s = 0;  // the window's start (unix seconds)
  std::string start_history_id;     // the provider cursor taken before the backfill began
  std::int64_t chunk = 0;           // next address chunk to search
  std::string page_token;           // page within that chunk ("" = first)

  // Push (Gmail users.watch): when the current watch expires and when it was last renewed.
  std::int64_t watch_expires_ms = 0;
  std::int64_t watch_renewed_at_s = 0;
  std::string watch_state;  // what the provider's watch() returned (Graph: subscription ids)
};

std::string serialize(const SyncCursor& cursor);
// "" parses to the default cursor. kMalformedInput for text that is not a cursor object.
model::Result<SyncCursor> parse_cursor(std::string_view text);

}  // namespace hiresync::sync
