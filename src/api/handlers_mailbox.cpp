// The caller's mailbox (status, authorize, OAuth callback, sync now, deauthorize), the Google
// push webhook, and the operational endpoints /healthz and /metrics.
#include <charconv>

#include "api/context.hpp"
#include "match/canonical.hpp"
#include "model/problems.hpp"

namespace hiresync::api::handlers {

using model::ErrorCode;
using nlohmann::json;

namespace {

// The settings page a browser lands on after the OAuth redirect, with the outcome.
// `holder` names the colleague holding the address for mailbox_in_use ("" otherwise).
net::Response settings_redirect(const Ctx& ctx, const std::string& problem, const std::string& holder = "") {
  std::string url = ctx.config.public_url + "/settings/email?result=";
  url += problem.empty() ? "connected" : "error&code=" + net::url_encode(problem);
  if (!holder.empty()) url += "&holder=" + net::url_encode(holder);
  return net::Response::redirect(url, 302);
}

json problem_json(const std::string& code) {
  if (code.empty()) return nullptr;
  json out{{"code", code}};
  if (const model::Problem* p = model::find_problem(code)) {
    out["message"] = p->message;
    out["remedy"] = p->remedy;
  } else {
    out["message"] = "Syncing stopped because of an error.";
    out["remedy"] = "Try connecting your mailbox again; if it keeps failing, contact HireSync support.";
  }
  return out;
}

// An authorization that did not come back (docs/sync.md "Consent that never comes back"): what
// happened, the likely causes with their remedies, and where IT finds what to allow.
json authorization_json(const sync::UnfinishedAuthorization& a) {
  json causes = json::array();
  for (const auto& code : a.likely_causes) causes.push_back(problem_json(code));
  json out = problem_json("consent_not_finished");
  out["state"] = "not_finished";
  out["provider"] = a.provider;
  out["started_at"] = rfc3339_or_null(a.started_at);
  out["likely_causes"] = std::move(causes);
  out["it_admin_url"] = "/it-admin";
  return out;
}

}  // namespace

HandlerResult get_mailbox(Ctx& ctx) {
  auto unfinished = ctx.sync.unfinished_authorization(ctx.user.id);
  if (!unfinished) return unfinished.error();
  const json authorization = *unfinished ? authorization_json(**unfinished) : json(nullptr);
  auto status = ctx.sync.status(ctx.user.id);
  if (!status) {
    if (status.error().code == ErrorCode::kNotFound) {
      // No mailbox yet; a first authorization that never came back still says so.
      net::Response r =
          error_response(problem_error(ErrorCode::kNotFound, kNotConnected, status.error().detail));
      if (!authorization.is_null()) {
        json body = json::parse(r.body);
        body["authorization"] = authorization;
        r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
      }
      return r;
    }
    return status.error();
  }
  const auto& s = *status;
  return json_response(200, {{"status", s.status},
                             {"provider", s.provider},
                             {"address", s.address},
                             {"last_synced_at", rfc3339_or_null(s.last_synced_at)},
                             {"backfill", {{"done", s.backfill_done}, {"total", s.backfill_total}}},
                             {"error", problem_json(s.problem)},
                             {"failed_fetches", s.failed_fetches},
                             {"authorization", authorization},
                             {"skipped", s.skipped}});
}

HandlerResult authorize_mailbox(Ctx& ctx) {
  // An optional body {"provider": "google"} says which provider the caller means to authorize; a
  // mismatch with the contract's choice is refused (422 wrong_provider) rather than silently
  // switched. An optional "address" is checked up front: when a colleague already connected it,
  // the answer names them (409 mailbox_in_use) before the browser goes to the provider.
  std::string requested;
  if (!ctx.request.body.empty()) {
    auto body = parse_object(ctx.request);
    if (!body) return body.error();
    auto provider = string_field(*body, "provider", false);
    if (!provider) return provider.error();
    requested = provider->value_or("");
    auto address = string_field(*body, "address", false);
    if (!address) return address.error();
    if (*address) {
      auto canonical = match::canonical_address(**address);
      if (!canonical) return invalid_request("\"address\" must be an email address.");
      auto holder = ctx.store->mailbox_holder(ctx.user.contract_id, *canonical, ctx.user.id);
      if (!holder) return holder.error();
      if (*holder) {
        const auto in_use =
            problem_error(ErrorCode::kConflict, "mailbox_in_use", "address held by a colleague");
        return error_response(in_use, "This email address is already connected by " + (*holder)->name + " (" +
                                          (*holder)->email + ").");
      }
    }
  }
  auto url = ctx.sync.begin_authorize(ctx.user, ctx.session_key, requested);
  if (!url) return url.error();  // kInvalidArgument (sync_not_enabled, ...) -> 422 with its code
  return json_response(200, {{"authorize_url", *url}});
}

HandlerResult oauth_callback(Ctx& ctx) {
  // Without a session the state cannot be bound to anyone: the same answer as a foreign state.
  if (ctx.user.id == 0) return settings_redirect(ctx, kInvalidState);
  const auto state = ctx.request.param("state").value_or("");
  if (state.empty()) return settings_redirect(ctx, kInvalidState);
  auto outcome = ctx.sync.finish_authorize(ctx.session_key, state, ctx.request.param("code").value_or(""),
                                           ctx.request.param("error").value_or(""),
                                           ctx.request.param("error_description").value_or(""));
  if (!outcome) {
    if (outcome.error().code == ErrorCode::kNotFound) return settings_redirect(ctx, kInvalidState);
    const std::string& p = outcome.error().problem;
    return settings_redirect(ctx, p.empty() ? "authorization_failed" : p);
  }
  if (outcome->connected) return settings_redirect(ctx, "");
  return settings_redirect(ctx, outcome->problem.empty() ? "authorization_failed" : outcome->problem,
                           outcome->holder);
}

HandlerResult sync_mailbox(Ctx& ctx) {
  auto st = ctx.sync.sync_now(ctx.user.id);
  if (!st) {
    if (st.error().code == ErrorCode::kNotFound) {
      return problem_error(ErrorCode::kNotFound, kNotConnected, st.error().detail);
    }
    return st.error();
  }
  return json_response(202, {{"status", "queued"}});
}

HandlerResult delete_mailbox(Ctx& ctx) {
  auto st = ctx.sync.deauthorize(ctx.user.id);
  if (!st) {
    if (st.error().code == ErrorCode::kNotFound) {
      return problem_error(ErrorCode::kNotFound, kNotConnected, st.error().detail);
    }
    return st.error();
  }
  return net::Response{204, {}, {}};
}

HandlerResult explain_message(Ctx& ctx) {
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  auto id = string_field(*body, "provider_message_id", false);
  if (!id) return id.error();
  auto raw = string_field(*body, "raw", false);
  if (!raw) return raw.error();
  if (id->value_or("").empty() == raw->value_or("").empty()) {
    return model::make_error(ErrorCode::kMalformedInput, "give exactly one of provider_message_id and raw");
  }
  auto out = ctx.sync.explain(ctx.user, id->value_or(""), raw->value_or(""));
  if (!out) return out.error();
  json participants = json::array();
  for (const auto& p : out->participants) {
    participants.push_back({{"role", p.role},
                            {"name", p.name},
                            {"email", p.email},
                            {"result", p.result},
                            {"explanation", p.explanation}});
  }
  json result{{"status", out->status},
              {"reason", out->reason},
              {"subject", out->subject},
              {"message_id", out->message_id},
              {"participants", std::move(participants)}};
  if (!out->detail.empty()) result["detail"] = out->detail;
  return json_response(200, result);
}

// GET /api/me/mailbox/recent?limit=N (1..50, default 15): the latest messages of the caller's
// mailbox to explain, with whether each was synced. Headers come from the provider on demand and
// are not stored.
HandlerResult recent_messages(Ctx& ctx) {
  constexpr int kDefaultLimit = 15;
  constexpr int kMaxLimit = 50;
  int limit = kDefaultLimit;
  if (const auto text = ctx.request.param("limit")) {
    int parsed = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), parsed);
    if (ec != std::errc() || end != text->data() + text->size() || parsed < 1 || parsed > kMaxLimit) {
      return invalid_request("\"limit\" must be a number from 1 to " + std::to_string(kMaxLimit) + ".");
    }
    limit = parsed;
  }
  auto recent = ctx.sync.recent_messages(ctx.user, limit);
  if (!recent) {
    if (recent.error().code == ErrorCode::kNotFound) {
      return problem_error(ErrorCode::kNotFound, kNotConnected, recent.error().detail);
    }
    return recent.error();
  }
  json out = json::array();
  for (const auto& m : *recent) {
    out.push_back({{"provider_message_id", m.provider_message_id},
                   {"from", m.from},
                   {"subject", m.subject},
                   {"received_at", rfc3339_or_null(m.received_at)},
                   {"synced", m.synced}});
  }
  return json_response(200, out);
}

HandlerResult microsoft_webhook(Ctx& ctx) {
  // The subscription handshake: echo the token as text within 10 s, nothing else.
  if (auto token = ctx.request.param("validationToken")) {
    return net::Response{200, {{"Content-Type", "text/plain; charset=utf-8"}}, *token};
  }
  auto st = ctx.sync.microsoft_notifications(ctx.request.body);
  if (!st) return st.error();  // kMalformedInput -> 400
  return net::Response{202, {}, {}};
}

HandlerResult google_webhook(Ctx& ctx) {
  auto st = ctx.sync.google_push(ctx.request.header("Authorization"), ctx.request.body);
  if (!st) return st.error();  // kAuthExpired -> 401, kMalformedInput -> 400, kTransient -> 503
  return net::Response{204, {}, {}};
}

HandlerResult healthz(Ctx& ctx) {
  if (auto st = ctx.store->ping(); !st) {
    return problem_error(ErrorCode::kTransient, kStoreUnavailable, st.error().detail);
  }
  return json_response(200, {{"status", "ok"}});
}

HandlerResult list_problems(Ctx& /*ctx*/) { return json_response(200, problems_json()); }

HandlerResult metrics_text(Ctx& ctx) {
  net::Response response{
      200, {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}}, ctx.metrics.render()};
  return response;
}

}  // namespace hiresync::api::handlers
