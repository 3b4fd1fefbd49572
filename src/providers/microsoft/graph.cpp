// The Microsoft Graph v1.0 mail calls the sync engine makes (PROTOCOLS.md B.2-B.4); the subscriptions
// of B.5 (watch, stop) are in graph_subscriptions.cpp.
#include <algorithm>
#include <unordered_set>
#include <utility>

#include "providers/common/common.hpp"
#include "providers/microsoft/microsoft.hpp"
#include "providers/microsoft/microsoft_internal.hpp"
#include "providers/microsoft/search_plan.hpp"

namespace hiresync::providers::microsoft {

namespace internal {

namespace {
constexpr std::chrono::milliseconds kTimeout{30000};
constexpr const char* kImmutableIds = "IdType=\"ImmutableId\"";
}  // namespace

net::ClientRequest graph_request(const GraphConnection& graph, const std::string& access_token,
                                 const char* method, std::string url, bool paged) {
  net::ClientRequest request;
  request.method = method;
  request.url = std::move(url);
  std::string prefer = kImmutableIds;
  if (paged) prefer += ", odata.maxpagesize=" + std::to_string(graph.page_size);
  request.headers = {
      {"Authorization", "Bearer " + access_token}, {"Accept", "application/json"}, {"Prefer", prefer}};
  request.timeout = kTimeout;
  return request;
}

model::Result<nlohmann::json> send_graph_json(const GraphConnection& graph, const net::ClientRequest& request,
                                              const std::string& context) {
  auto response = send(graph.http, request, map_error, context);
  if (!response) return response.error();
  auto body = parse_json(response->body);
  if (!body || !body->is_object()) return malformed(context, "response is not a JSON object");
  return std::move(*body);
}

model::Error malformed(const std::string& context, const std::string& what) {
  return model::make_error(model::ErrorCode::kMalformedInput, "microsoft " + context + ": " + what);
}

}  // namespace internal

namespace {

using internal::DeltaCursor;
using internal::DeltaPageToken;
using internal::malformed;
using model::ErrorCode;
using nlohmann::json;

constexpr int kMaxTop = 1000;      // $top ceiling of a message list
constexpr int kMaxFolders = 5000;  // bound on the folders one round discovers
constexpr int kFolderTop = 100;    // $top of a folder list page
constexpr const char* kMetadataSelect =
    "from,sender,replyTo,toRecipients,ccRecipients,bccRecipients,subject,internetMessageId,conversationId,"
    "sentDateTime,receivedDateTime,internetMessageHeaders";
constexpr const char* kListSelect = "id,conversationId,receivedDateTime";

using Params = std::vector<std::pair<const char*, std::string>>;

// OData system query options keep their literal '$' (as Graph documents and returns them); values
// are percent-encoded.
std::string with_query(const std::string& url, const Params& params) {
  std::string out = url;
  char sep = '?';
  for (const auto& [name, value] : params) {
    out.append(1, sep).append(name).append("=").append(net::url_encode(value));
    sep = '&';
  }
  return out;
}

class GraphClient final : public MailClient {
 public:
  GraphClient(MicrosoftConfig config, net::HttpClient& http, std::function<std::int64_t()> clock_s)
      : config_(std::move(config)),
        graph_{http, config_.graph_base + "/v1.0", config_.page_size, config_.subscription_minutes,
               std::move(clock_s)} {
    if (!graph_.clock_s) graph_.clock_s = system_now_s;
    if (config_.page_size <= 0) config_.page_size = 100;
    graph_.page_size = config_.page_size;
  }

  // conversationId can merge unrelated mail with the same subject and split a reply whose subject
  // changed (PROTOCOLS.md E.4): messages with Message-ID/References thread by those instead.
  bool thread_id_is_fallback() const override { return true; }

  // Graph counts requests (kMailboxBudget): the calls that make several requests cost as many.
  int cost(Call call) const override {
    switch (call) {
      case Call::kProfile:
        return 5;  // /me and the ids of the four untracked well-known folders
      case Call::kWatch:
      case Call::kStop:
      case Call::kList:
      case Call::kHistory:
      case Call::kGetMetadata:
      case Call::kGetRaw:
        return 1;
    }
    return 1;
  }

  model::Result<MailboxProfile> profile(const std::string& access_token) override {
    auto me = send_json(make_request(access_token, "GET", graph_.base + "/me", false), "profile");
    if (!me) return me.error();
    MailboxProfile out;
    out.address = json_string(*me, "mail");
    if (out.address.empty()) out.address = json_string(*me, "userPrincipalName");
    if (out.address.empty()) return malformed("profile", "/me without mail or userPrincipalName");
    // "From now": every folder's first delta round starts at this time (changes()). Learning the
    // untracked folders' ids is also the first mail call: a mailbox Graph cannot serve fails here.
    DeltaCursor cursor;
    cursor.since = internal::iso_time(graph_.clock_s());
    if (auto st = resolve_untracked(access_token, cursor); !st) return st.error();
    out.cursor = internal::serialize_cursor(cursor);
    return out;
  }

  // With addresses: $search, continued past Graph's 1,000-result cap by the plan in the page token
  // (search_plan.hpp); a page token that is a plain Graph link (older tokens) is still followed.
  // Without: $filter on the window's start, Graph's nextLink as the page token.
  model::Result<ListPage> list(const std::string& access_token, const SearchQuery& query,
                               const std::string& page_token, int max_results) override {
    const int top = std::clamp(max_results > 0 ? max_results : config_.page_size, 1, kMaxTop);
    if (query.addresses.empty()) {
      std::string url = page_token;
      if (url.empty()) {
        Params params;
        if (query.after_s > 0) {
          params.emplace_back("$filter", "receivedDateTime ge " + internal::iso_time(query.after_s));
        }
        params.emplace_back("$select", kListSelect);
        params.emplace_back("$top", std::to_string(top));
        url = with_query(graph_.base + "/me/messages", params);
      }
      internal::SearchPlan unused;
      return list_page(access_token, url, query.after_s, unused);
    }
    const std::vector<std::string> addresses = internal::searchable_addresses(query.addresses);
    if (addresses.empty()) return ListPage{};  // no address Graph can search for
    internal::SearchPlan plan;
    if (page_token.empty()) {
      plan.spans = {{0, addresses.size(), ""}};
    } else if (page_token.front() == '{') {
      auto parsed = internal::parse_plan(page_token, addresses.size());
      if (!parsed) return malformed("search", "page token is unreadable");
      plan = std::move(*parsed);
    } else {
      plan.spans = {{0, addresses.size(), ""}};
      plan.next = page_token;
      plan.returned = -1;
    }
    std::string url = plan.next;
    if (url.empty()) {
      const std::string kql = internal::span_kql(addresses, plan.spans.front(), query.after_s);
      url = with_query(
          graph_.base + "/me/messages",
          {{"$search", "\"" + kql + "\""}, {"$select", kListSelect}, {"$top", std::to_string(top)}});
    }
    auto page = list_page(access_token, url, query.after_s, plan);
    if (!page) return page;
    plan.next = page->next_page_token;
    if (plan.next.empty()) page->incomplete = internal::advance(plan, addresses, query.after_s);
    page->next_page_token = plan.spans.empty() ? std::string() : internal::serialize_plan(plan);
    return page;
  }

  model::Result<ChangePage> changes(const std::string& access_token, const std::string& cursor,
                                    const std::string& page_token) override {
    auto stored = internal::parse_cursor(cursor);
    if (!stored) return invalid_cursor("stored cursor is unreadable");
    ChangePage page;
    page.cursor = cursor;  // until the last page: storing the old cursor only replays
    if (page_token.empty()) {
      // A round starts by finding the folders: new ones are tracked from this round on.
      auto round = start_round(access_token, std::move(*stored));
      if (!round) return round.error();
      if (round->order.empty()) {
        page.cursor = internal::serialize_cursor(round->reached);
      } else {
        page.next_page_token = internal::serialize_page_token(*round);
      }
      return page;
    }
    auto at = internal::parse_page_token(page_token);
    if (!at) return invalid_cursor("page token is unreadable");
    if (!on_base(at->next)) return invalid_cursor("delta link is not a Graph link");

    auto body = send_json(make_request(access_token, "GET", at->next, true), "delta");
    // 404: the folder was deleted since the round listed it; it drops out of the cursor.
    const bool gone = !body && body.error().code == ErrorCode::kNotFound;
    if (!body && !gone) return body.error();
    std::string next_link, delta_link;
    if (!gone) {
      auto value = body->find("value");
      if (value == body->end() || !value->is_array()) return malformed("delta", "page without value array");
      std::unordered_set<std::string> seen;
      for (const auto& item : *value) {
        // "@removed": deleted or moved out of the folder. Everything else is new, moved in, or an
        // update of a message the engine may already hold (it is idempotent on ids; a message moved
        // between tracked folders keeps its immutable id, so it is seen once).
        if (!item.is_object() || item.contains("@removed")) continue;
        MessageRef ref{json_string(item, "id"), json_string(item, "conversationId")};
        if (!ref.id.empty() && seen.insert(ref.id).second) page.added.push_back(std::move(ref));
      }
      next_link = json_string(*body, "@odata.nextLink");
      delta_link = json_string(*body, "@odata.deltaLink");
    }
    if (!next_link.empty()) {
      at->next = next_link;
      page.next_page_token = internal::serialize_page_token(*at);
    } else if (!delta_link.empty() || gone) {
      if (!gone) at->reached.folders[at->order[at->at]] = delta_link;
      if (++at->at < at->order.size()) {
        at->next = first_page(*at, at->at);
        page.next_page_token = internal::serialize_page_token(*at);
      } else {
        page.cursor = internal::serialize_cursor(at->reached);
      }
    } else {
      return malformed("delta", "page with neither nextLink nor deltaLink");
    }
    return page;
  }

  model::Result<MessageMetadata> metadata(const std::string& access_token, const std::string& id) override {
    auto body = send_json(
        make_request(access_token, "GET", with_query(message_url(id), {{"$select", kMetadataSelect}}), false),
        "message");
    if (!body) return body.error();
    MessageMetadata out;
    out.ref = MessageRef{json_string(*body, "id"), json_string(*body, "conversationId")};
    if (out.ref.id.empty()) return malformed("message", "message without id");
    out.internal_date_ms = internal::parse_iso_time_ms(json_string(*body, "receivedDateTime")).value_or(0);
    out.raw_headers = internal::rebuild_headers(*body);
    return out;
  }

  model::Result<std::string> raw(const std::string& access_token, const std::string& id) override {
    auto request = make_request(access_token, "GET", message_url(id) + "/$value", false);
    request.headers.erase(std::remove_if(request.headers.begin(), request.headers.end(),
                                         [](const auto& h) { return h.first == "Accept"; }),
                          request.headers.end());
    auto response = send(graph_.http, request, map_error, "message");
    if (!response) return response.error();
    return std::move(response->body);
  }

  model::Result<WatchResult> watch(const std::string& access_token, const WatchRequest& request) override {
    return internal::watch_subscriptions(graph_, access_token, request);
  }

  model::Status stop(const std::string& access_token, const std::string& state) override {
    return internal::stop_subscriptions(graph_, access_token, state);
  }

  bool watch_outdated(const std::string& state) const override {
    return internal::subscription_state_outdated(state);
  }

 private:
  static model::Error invalid_cursor(const std::string& what) {
    return model::make_error(ErrorCode::kCursorInvalid, "microsoft delta: " + what);
  }

  bool on_base(const std::string& url) const { return url.rfind(config_.graph_base + "/", 0) == 0; }

  std::string message_url(const std::string& id) const {
    return graph_.base + "/me/messages/" + net::url_encode(id);
  }

  net::ClientRequest make_request(const std::string& access_token, const char* method, std::string url,
                                  bool paged) const {
    return internal::graph_request(graph_, access_token, method, std::move(url), paged);
  }

  model::Result<json> send_json(const net::ClientRequest& request, const std::string& context) {
    return internal::send_graph_json(graph_, request, context);
  }

  // The URL of the first page of the round's folder `i`: its link, else a first delta round over the
  // messages received from `since` on.
  std::string first_page(const DeltaPageToken& round, std::size_t i) const {
    if (!round.links[i].empty()) return round.links[i];
    return with_query(
        graph_.base + "/me/mailFolders/" + net::url_encode(round.order[i]) + "/messages/delta",
        {{"$select", "id,conversationId"}, {"$filter", "receivedDateTime ge " + round.reached.since}});
  }

  // The id of a well-known folder ("" when the mailbox has none: 404).
  model::Result<std::string> well_known_id(const std::string& access_token, std::string_view name) {
    auto body = send_json(
        make_request(access_token, "GET",
                     with_query(graph_.base + "/me/mailFolders/" + std::string(name), {{"$select", "id"}}),
                     false),
        "folders");
    if (!body && body.error().code == ErrorCode::kNotFound) return std::string();
    if (!body) return body.error();
    return json_string(*body, "id");
  }

  // Sets cursor.untracked to the ids of the kUntracked folders the mailbox has.
  model::Status resolve_untracked(const std::string& access_token, DeltaCursor& cursor) {
    cursor.untracked.clear();
    for (std::string_view name : internal::kUntracked) {
      auto id = well_known_id(access_token, name);
      if (!id) return id.error();
      if (!id->empty()) cursor.untracked.push_back(std::move(*id));
    }
    return {};
  }

  // Upgrades `cursor` where needed (ids of the untracked folders, a first-format cursor re-keyed by
  // folder id, `since`), then lists every mail folder outside the untracked subtrees, breadth first,
  // with child folders: the round's order, with the links of folders that still exist.
  model::Result<DeltaPageToken> start_round(const std::string& access_token, DeltaCursor cursor) {
    if (cursor.since.empty()) cursor.since = internal::iso_time(graph_.clock_s());
    if (cursor.untracked.empty()) {
      if (auto st = resolve_untracked(access_token, cursor); !st) return st.error();
    }
    if (cursor.legacy) {
      std::map<std::string, std::string> by_id;
      for (const auto& [name, link] : cursor.folders) {
        auto id = well_known_id(access_token, name);
        if (!id) return id.error();
        if (!id->empty()) by_id[*id] = link;
      }
      cursor.folders = std::move(by_id);
      cursor.legacy = false;
    }
    DeltaPageToken round;
    std::vector<std::string> parents = {""};  // "" = the top level
    const std::unordered_set<std::string> untracked(cursor.untracked.begin(), cursor.untracked.end());
    for (std::size_t p = 0; p < parents.size(); ++p) {
      std::string url =
          with_query(graph_.base + "/me/mailFolders" +
                         (parents[p].empty() ? "" : "/" + net::url_encode(parents[p]) + "/childFolders"),
                     {{"$select", "id,childFolderCount"}, {"$top", std::to_string(kFolderTop)}});
      while (!url.empty()) {
        auto body = send_json(make_request(access_token, "GET", url, false), "folders");
        if (!body) return body.error();
        auto value = body->find("value");
        if (value == body->end() || !value->is_array())
          return malformed("folders", "page without value array");
        for (const auto& folder : *value) {
          const std::string id = json_string(folder, "id");
          if (id.empty() || untracked.count(id) != 0) continue;
          if (std::find(round.order.begin(), round.order.end(), id) != round.order.end()) continue;
          if (round.order.size() >= kMaxFolders) return malformed("folders", "too many folders");
          round.order.push_back(id);
          if (json_int(folder, "childFolderCount").value_or(0) > 0) parents.push_back(id);
        }
        url = json_string(*body, "@odata.nextLink");
        if (!url.empty() && !on_base(url)) return malformed("folders", "nextLink is not a Graph link");
      }
    }
    for (const std::string& id : round.order) {
      auto it = cursor.folders.find(id);
      round.links.push_back(it == cursor.folders.end() ? std::string() : it->second);
    }
    round.reached = std::move(cursor);
    round.reached.folders.clear();  // links of folders that are gone are dropped
    if (!round.order.empty()) round.next = first_page(round, 0);
    return round;
  }

  // One page of a message list at `url` (on graph_base): results received before after_s are
  // dropped ($search cannot be combined with $filter); `plan` counts what the page returned and
  // the oldest receivedDateTime. next_page_token = Graph's nextLink.
  model::Result<ListPage> list_page(const std::string& access_token, const std::string& url,
                                    std::int64_t after_s, internal::SearchPlan& plan) {
    if (!on_base(url)) {
      return model::make_error(ErrorCode::kInvalidArgument,
                               "microsoft search: page token is not a Graph link");
    }
    auto body = send_json(make_request(access_token, "GET", url, false), "search");
    if (!body) return body.error();
    ListPage page;
    auto value = body->find("value");
    if (value == body->end() || !value->is_array()) return malformed("search", "page without value array");
    for (const auto& item : *value) {
      MessageRef ref{json_string(item, "id"), json_string(item, "conversationId")};
      if (ref.id.empty()) continue;
      if (plan.returned >= 0) ++plan.returned;
      const auto received = internal::parse_iso_time_ms(json_string(item, "receivedDateTime"));
      if (received && (plan.oldest_ms == 0 || *received < plan.oldest_ms)) plan.oldest_ms = *received;
      if (after_s > 0 && received && *received < after_s * 1000) continue;
      page.messages.push_back(std::move(ref));
    }
    page.next_page_token = json_string(*body, "@odata.nextLink");
    page.size_estimate = json_int(*body, "@odata.count").value_or(0);
    return page;
  }

  MicrosoftConfig config_;
  internal::GraphConnection graph_;  // the HTTP client, {graph_base}/v1.0, the clock
};

}  // namespace

std::unique_ptr<MailClient> make_mail_client(MicrosoftConfig config, net::HttpClient& http,
                                             std::function<std::int64_t()> clock_s) {
  return std::make_unique<GraphClient>(std::move(config), http, std::move(clock_s));
}

}  // namespace hiresync::providers::microsoft
