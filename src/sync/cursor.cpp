#include "sync/cursor.hpp"

#include <nlohmann/json.hpp>

namespace hiresync::sync {

using nlohmann::json;

std::string serialize(const SyncCursor& c) {
  json j{{"v", 1}, {"history_id", c.history_id}};
  if (c.backfilling) {
    j["backfill"] = json{{"after", c.window_after_s},
                         {"start_history_id", c.start_history_id},
                         {"chunk", c.chunk},
                         {"page_token", c.page_token}};
  }
  if (c.watch_expires_ms != 0) {
    j["watch"] = json{
        {"expires_ms", c.watch_expires_ms}, {"renewed_at", c.watch_renewed_at_s}, {"state", c.watch_state}};
  }
  return j.dump();
}

model::Result<SyncCursor> parse_cursor(std::string_view text) {
  SyncCursor c;
  if (text.empty()) return c;
  try {
    const json j = json::parse(text);
    if (!j.is_object())
      return model::make_error(model::ErrorCode::kMalformedInput, "cursor is not an object");
    c.history_id = j.value("history_id", "");
    if (auto b = j.find("backfill"); b != j.end() && b->is_object()) {
      c.backfilling = true;
      c.window_after_s = b->value("after", std::int64_t{0});
      c.start_history_id = b->value("start_history_id", "");
      c.chunk = b->value("chunk", std::int64_t{0});
      c.page_token = b->value("page_token", "");
    }
    if (auto w = j.find("watch"); w != j.end() && w->is_object()) {
      c.watch_expires_ms = w->value("expires_ms", std::int64_t{0});
      c.watch_renewed_at_s = w->value("renewed_at", std::int64_t{0});
      c.watch_state = w->value("state", "");
    }
  } catch (const json::exception& e) {
    return model::make_error(model::ErrorCode::kMalformedInput, std::string("cursor: ") + e.what());
  }
  return c;
}

}  // namespace hiresync::sync
