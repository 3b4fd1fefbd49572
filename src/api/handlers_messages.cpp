// The contract's users, a project's pipeline, a candidate's profile, one message (JSON and its
// HTML), visibility changes and InMails. Every lookup is scoped to the caller's contract and to
// what the caller may see: anything else answers 404, never 403. A visible message or thread that
// is not the caller's answers 403 not_owner to a change.
#include "api/context.hpp"
#include "crypto/crypto.hpp"
#include "ingest/ingest.hpp"
#include "match/canonical.hpp"

namespace hiresync::api::handlers {

using model::ErrorCode;
using nlohmann::json;

namespace {

constexpr const char* kMessageHtmlCsp =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'";
constexpr const char* kInmailProvider = "inmail";
constexpr const char* kInmailThreadKey = "inmail";

model::Error not_found(const char* detail) { return model::make_error(ErrorCode::kNotFound, detail); }

// 404 unless the route's {member_id} is a candidate of the caller's contract.
model::Result<model::Id> candidate_param(Ctx& ctx) {
  auto member_id = ctx.id_param("member_id");
  if (!member_id) return member_id.error();
  auto candidate = ctx.store->is_candidate(ctx.user.contract_id, *member_id);
  if (!candidate) return candidate.error();
  if (!*candidate) return not_found("not a candidate of the caller's contract");
  return *member_id;
}

// The "visibility" member of a PATCH body (required) or an InMail body (optional: nullopt).
model::Result<std::optional<model::Visibility>> visibility_field(const json& body, bool required) {
  auto text = string_field(body, "visibility", required);
  if (!text) return text.error();
  if (!*text) return std::optional<model::Visibility>();
  auto v = model::parse_visibility(**text);
  if (!v) return invalid_request("\"visibility\" must be private or contract.");
  return std::optional<model::Visibility>(*v);
}

json detail_json(const store::MessageDetail& d) {
  json out = listed_message_json(d.message);
  out["thread_id"] = d.thread_id;
  out["text"] = d.text;
  out["has_html"] = !d.html.empty();
  out["html"] = d.html;  // for API clients; the UI frames /api/messages/{id}/html instead
  json attachments = json::array();
  for (const auto& a : d.attachments) {
    attachments.push_back({{"filename", a.filename}, {"content_type", a.content_type}, {"size", a.size}});
  }
  out["attachments"] = std::move(attachments);
  return out;
}

// The route's message as the caller sees it (404 when they may not).
model::Result<store::MessageDetail> visible_message(Ctx& ctx) {
  auto id = ctx.id_param("id");
  if (!id) return id.error();
  return ctx.store->visible_message(ctx.user.id, ctx.user.contract_id, *id);
}

}  // namespace

HandlerResult list_users(Ctx& ctx) {
  auto users = ctx.store->list_users(ctx.user.contract_id);
  if (!users) return users.error();
  json out = json::array();
  for (const auto& u : *users) out.push_back(user_json(u));
  return json_response(200, out);
}

HandlerResult project_pipeline(Ctx& ctx) {
  auto id = ctx.id_param("id");
  if (!id) return id.error();
  auto project = ctx.store->get_project(*id);
  if (!project) return project.error();
  if (project->contract_id != ctx.user.contract_id) return not_found("project of another contract");
  auto entries = ctx.store->pipeline(ctx.user.id, ctx.user.contract_id, project->id);
  if (!entries) return entries.error();
  json candidates = json::array();
  for (const auto& e : *entries) {
    json activity = nullptr;
    if (e.last_activity) {
      const auto& a = *e.last_activity;
      activity = {{"message_id", a.message_id}, {"thread_id", a.thread_id},   {"kind", a.kind},
                  {"direction", a.direction},   {"time", rfc3339(a.sent_at)}, {"subject", a.subject},
                  {"owner_id", a.owner_user_id}};
    }
    candidates.push_back(
        {{"id", e.member_id}, {"member_id", e.member_id}, {"name", e.name}, {"last_activity", activity}});
  }
  return json_response(200, {{"project", {{"id", project->id}, {"name", project->name}}},
                             {"candidates", std::move(candidates)}});
}

HandlerResult get_candidate(Ctx& ctx) {
  auto member_id = candidate_param(ctx);
  if (!member_id) return member_id.error();
  auto member = ctx.store->get_member(*member_id);
  if (!member) return member.error();
  auto projects = ctx.store->list_projects(ctx.user.contract_id);
  if (!projects) return projects.error();
  json in_projects = json::array();
  for (const auto& p : *projects) {
    for (model::Id m : p.member_ids) {
      if (m == member->id) in_projects.push_back({{"id", p.id}, {"name", p.name}});
    }
  }
  // A profile's addresses are shown only when the member lets anyone discover them.
  const bool show_emails = member->email_discovery == model::Discovery::kAnyone;
  return json_response(200, {{"id", member->id},
                             {"name", member->name},
                             {"email_discovery", model::to_string(member->email_discovery)},
                             {"emails", show_emails ? json(member->emails) : json::array()},
                             {"projects", std::move(in_projects)}});
}

HandlerResult get_message(Ctx& ctx) {
  auto message = visible_message(ctx);
  if (!message) return message.error();
  return json_response(200, detail_json(*message));
}

HandlerResult get_message_html(Ctx& ctx) {
  auto message = visible_message(ctx);
  if (!message) return message.error();
  if (message->html.empty()) return not_found("message has no HTML part");
  // Shown only inside <iframe sandbox>: this policy also forbids scripts, plugins, frames and any
  // network fetch from the message itself (remote images would tell the sender it was read).
  net::Response response = net::Response::html(200, std::move(message->html));
  response.headers.emplace_back("Content-Security-Policy", kMessageHtmlCsp);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  return response;
}

HandlerResult patch_message(Ctx& ctx) {
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  auto visibility = visibility_field(*body, true);
  if (!visibility) return visibility.error();
  auto message = visible_message(ctx);
  if (!message) return message.error();
  if (message->message.owner_user_id != ctx.user.id) {
    return problem_error(ErrorCode::kConsentRequired, kNotOwner, "message of another user");
  }
  if (auto st = ctx.store->set_message_visibility(message->message.id, **visibility); !st) return st.error();
  message->message.visibility = model::to_string(**visibility);
  return json_response(200, listed_message_json(message->message));
}

HandlerResult patch_thread(Ctx& ctx) {
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  auto visibility = visibility_field(*body, true);
  if (!visibility) return visibility.error();
  auto id = ctx.id_param("id");
  if (!id) return id.error();
  auto thread = ctx.store->visible_thread(ctx.user.id, ctx.user.contract_id, *id);
  if (!thread) return thread.error();
  if (thread->owner_user_id != ctx.user.id) {
    return problem_error(ErrorCode::kConsentRequired, kNotOwner, "thread of another user");
  }
  auto updated = ctx.store->set_thread_visibility(thread->id, **visibility);
  if (!updated) return updated.error();
  return json_response(
      200, {{"id", thread->id}, {"visibility", model::to_string(**visibility)}, {"updated", *updated}});
}

HandlerResult send_inmail(Ctx& ctx) {
  auto member_id = candidate_param(ctx);
  if (!member_id) return member_id.error();
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  auto subject = string_field(*body, "subject", true);
  if (!subject) return subject.error();
  auto text = string_field(*body, "body", true);
  if (!text) return text.error();
  if ((*text)->empty()) return invalid_request("\"body\" must not be empty.");
  auto visibility = visibility_field(*body, false);
  if (!visibility) return visibility.error();
  auto member = ctx.store->get_member(*member_id);
  if (!member) return member.error();
  auto contract = ctx.store->get_contract(ctx.user.contract_id);
  if (!contract) return contract.error();

  store::NewMessage m;
  m.owner_user_id = ctx.user.id;
  m.contract_id = ctx.user.contract_id;
  m.provider_message_id = "inmail:" + net::base64url_encode(crypto::random_bytes(16));
  m.kind = "inmail";
  m.direction = model::Direction::kOutbound;
  m.visibility = visibility->value_or(contract->settings.inmail_default_visibility);
  auto& h = m.content.headers;
  h.subject = **subject;
  h.date = ctx.now;
  // An InMail goes to the member's platform inbox, not to an address: the recipient is a name.
  h.participants = {{model::HeaderRole::kFrom, {ctx.user.name, ctx.user.email}},
                    {model::HeaderRole::kTo, {member->name, ""}}};
  auto sender = match::canonical_address(ctx.user.email);
  m.participant_canonicals = {sender ? *sender : std::string(), std::string()};
  m.content.text = **text;
  m.snippet = ingest::make_snippet(m.content);

  auto tx = ctx.store->begin("api_send_inmail");
  if (!tx) return tx.error();
  // The sender's InMails live in a mailbox of their own ("inmail": never synced), as every
  // message belongs to a mailbox; its address key is per user so it never conflicts.
  auto mailbox = ctx.store->ensure_mailbox(ctx.user.id, kInmailProvider, ctx.user.email,
                                           "inmail:user:" + std::to_string(ctx.user.id));
  if (!mailbox) return mailbox.error();
  m.mailbox_id = mailbox->id;
  auto message_id = ctx.store->insert_message(m);
  if (!message_id) return message_id.error();
  // One thread per (sender, candidate) for InMails.
  auto threads = ctx.store->threads_with_keys(ctx.user.id, member->id, {kInmailThreadKey});
  if (!threads) return threads.error();
  model::Id thread_id = 0;
  if (threads->empty()) {
    auto created =
        ctx.store->create_thread(ctx.user.id, member->id, ctx.user.contract_id, h.subject, ctx.now);
    if (!created) return created.error();
    thread_id = *created;
    if (auto st = ctx.store->add_thread_keys(thread_id, ctx.user.id, member->id, {kInmailThreadKey}); !st)
      return st.error();
  } else {
    thread_id = threads->front();
  }
  if (auto st = ctx.store->link_candidate(*message_id, member->id, thread_id); !st) return st.error();
  if (auto st = ctx.store->touch_thread(thread_id, ctx.now); !st) return st.error();
  if (auto st = (*tx)->commit(); !st) return st.error();

  auto stored = ctx.store->visible_message(ctx.user.id, ctx.user.contract_id, *message_id);
  if (!stored) return stored.error();
  json out = listed_message_json(stored->message);
  out["thread_id"] = thread_id;
  return json_response(201, out);
}

}  // namespace hiresync::api::handlers
