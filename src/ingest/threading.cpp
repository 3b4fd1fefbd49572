#include "ingest/threading.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace hiresync::ingest {

namespace {

// Reply and forward prefixes (English, German, Nordic, Dutch, French), lower case, without the colon.
constexpr std::array<std::string_view, 9> kPrefixes = {"re", "fwd", "fw",   "aw", "wg",
                                                       "sv", "vs",  "antw", "tr"};

// The length of a "prefix:" or "prefix[n]:" at the start of `s` (lower case), else 0.
std::size_t prefix_length(std::string_view s) {
  for (const std::string_view p : kPrefixes) {
    if (s.substr(0, p.size()) != p) continue;
    std::size_t i = p.size();
    if (i < s.size() && s[i] == '[') {
      const std::size_t close = s.find(']', i);
      if (close == std::string_view::npos) continue;
      i = close + 1;
    }
    if (i < s.size() && s[i] == ':') return i + 1;
  }
  return 0;
}

}  // namespace

std::string base_subject(std::string_view subject) {
  std::string collapsed;
  bool space = false;
  for (const char c : subject) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      space = !collapsed.empty();
      continue;
    }
    if (space) collapsed.push_back(' ');
    space = false;
    collapsed.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  std::string_view rest = collapsed;
  for (std::size_t n = prefix_length(rest); n > 0; n = prefix_length(rest)) {
    rest.remove_prefix(n);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  }
  return std::string(rest);
}

ThreadKeys thread_keys(const model::MessageHeaders& headers, std::string_view provider_thread_id,
                       bool provider_thread_is_hint, std::string_view provider_message_id) {
  ThreadKeys out;
  if (!provider_thread_id.empty() && !provider_thread_is_hint) {
    out.keys.push_back("t:" + std::string(provider_thread_id));
    return out;
  }
  auto add = [&](const std::string& id) {
    if (id.empty()) return;
    std::string key = "m:" + id;
    if (std::find(out.keys.begin(), out.keys.end(), key) == out.keys.end())
      out.keys.push_back(std::move(key));
  };
  add(headers.message_id);  // first, so self-references below are repeats and drop out
  add(headers.in_reply_to);
  for (const auto& ref : headers.references) add(ref);
  if (out.keys.empty()) out.keys.push_back("x:" + std::string(provider_message_id));
  if (!provider_thread_id.empty()) {
    out.conversation = "c:" + std::string(provider_thread_id);
    out.by_conversation = headers.in_reply_to.empty() && headers.references.empty();
    out.base_subject = base_subject(headers.subject);
  }
  return out;
}

model::Result<model::Id> resolve_thread(store::Store& store, model::Id owner_user_id, model::Id member_id,
                                        model::Id contract_id, const ThreadKeys& keys,
                                        const std::string& subject, std::int64_t message_time) {
  auto found = store.threads_with_keys(owner_user_id, member_id, keys.keys);
  if (!found) return found.error();
  if (keys.by_conversation && !keys.conversation.empty() && !keys.base_subject.empty()) {
    auto same_conversation = store.threads_with_keys(owner_user_id, member_id, {keys.conversation});
    if (!same_conversation) return same_conversation.error();
    if (!same_conversation->empty()) {
      auto threads = store.threads_of(owner_user_id, member_id);
      if (!threads) return threads.error();
      for (const model::Id id : *same_conversation) {
        const auto t =
            std::find_if(threads->begin(), threads->end(), [&](const auto& s) { return s.id == id; });
        if (t == threads->end() || base_subject(t->subject) != keys.base_subject) continue;
        if (std::find(found->begin(), found->end(), id) == found->end()) found->push_back(id);
      }
      std::sort(found->begin(), found->end());
    }
  }
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
  std::vector<std::string> recorded = keys.keys;
  if (!keys.conversation.empty()) recorded.push_back(keys.conversation);
  if (auto st = store.add_thread_keys(thread, owner_user_id, member_id, recorded); !st) return st.error();
  if (!is_new) {
    if (auto st = store.touch_thread(thread, message_time); !st) return st.error();
  }
  return thread;
}

}  // namespace hiresync::ingest
