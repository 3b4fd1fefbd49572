#include "ingest/threading.hpp"

#include <algorithm>

namespace hiresync::ingest {

std::vector<std::string> thread_keys(const model::MessageHeaders& headers,
                                     std::string_view provider_thread_id,
                                     std::string_view provider_message_id) {
  std::vector<std::string> keys;
  if (!provider_thread_id.empty()) {
    keys.push_back("t:" + std::string(provider_thread_id));
    return keys;
  }
  auto add = [&](const std::string& id) {
    if (id.empty()) return;
    std::string key = "m:" + id;
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
  };
  add(headers.message_id);  // first, so self-references below are repeats and drop out
  add(headers.in_reply_to);
  for (const auto& ref : headers.references) add(ref);
  if (keys.empty()) keys.push_back("x:" + std::string(provider_message_id));
  return keys;
}

model::Result<model::Id> resolve_thread(store::Store& store, model::Id owner_user_id, model::Id member_id,
                                        model::Id contract_id, const std::vector<std::string>& keys,
                                        const std::string& subject, std::int64_t message_time) {
  auto found = store.threads_with_keys(owner_user_id, member_id, keys);
  if (!found) return found.error();
  model::Id thread = 0;
  const bool is_new = found->empty();
  if (is_new) {
    auto created = store.create_thread(owner_user_id, member_id, contract_id, subject, message_time);
    if (!created) return created.error();
    thread = *created;
  } else {
    thread = found->front();  // ascending: the oldest thread keeps its id
    for (std::size_t i = 1; i < found->size(); ++i) {
      if (auto st = store.merge_thread(thread, (*found)[i]); !st) return st.error();
    }
  }
  if (auto st = store.add_thread_keys(thread, owner_user_id, member_id, keys); !st) return st.error();
  if (!is_new) {
    if (auto st = store.touch_thread(thread, message_time); !st) return st.error();
  }
  return thread;
}

}  // namespace hiresync::ingest
