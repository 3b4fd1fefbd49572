// The operator's GDPR endpoints: erase a person everywhere (the same erasure as `hiresync
// gdpr-erase`), and export everything stored about a member. The current problems (push that
// cannot be set up, Gmail push JWTs that keep failing): the operator's and a contract admin's view.
// The nodes syncing mailboxes (one, or a cluster's): the operator's.
#include <charconv>

#include "api/context.hpp"
#include "ingest/erase.hpp"
#include "match/canonical.hpp"
#include "model/problems.hpp"

namespace hiresync::api::handlers {

using nlohmann::json;

namespace {

json problems_json(const std::vector<sync::OpsProblem>& problems) {
  json out = json::array();
  for (const auto& p : problems) {
    json item{{"cause", p.cause},       {"scope", p.scope},
              {"provider", p.provider}, {"since", rfc3339_or_null(p.since)},
              {"count", p.count},       {"detail", p.detail}};
    if (!p.reason.empty()) item["reason"] = p.reason;
    if (p.scope == "mailbox") {
      item["mailbox_id"] = p.mailbox_id;
      item["contract_id"] = p.contract_id;
    }
    if (const model::Problem* known = model::find_problem(p.cause)) {
      item["message"] = known->message;
      item["remedy"] = known->remedy;
    }
    out.push_back(std::move(item));
  }
  return out;
}

json participants_json(const std::vector<store::ListedParticipant>& list) {
  json out = json::array();
  for (const auto& p : list) out.push_back({{"role", p.role}, {"name", p.name}, {"email", p.email}});
  return out;
}

}  // namespace

HandlerResult ops_problems(Ctx& ctx) {
  auto problems = ctx.sync.problems(0);
  if (!problems) return problems.error();
  return json_response(200, {{"problems", problems_json(*problems)}});
}

HandlerResult ops_cluster(Ctx& ctx) {
  auto nodes = ctx.sync.cluster();
  if (!nodes) return nodes.error();
  json out = json::array();
  for (const auto& n : *nodes) {
    out.push_back({{"id", n.id},
                   {"address", n.address},
                   {"last_heartbeat_at", rfc3339_or_null(n.last_heartbeat_at)},
                   {"mailboxes", n.mailboxes},
                   {"queue_depth", n.queue_depth}});
  }
  return json_response(200, {{"nodes", std::move(out)}});
}

HandlerResult contract_problems(Ctx& ctx) {
  // Only the caller's contract, and never the deployment-level ones (they are the operator's).
  auto problems = ctx.sync.problems(ctx.user.contract_id);
  if (!problems) return problems.error();
  std::erase_if(*problems, [&](const sync::OpsProblem& p) { return p.contract_id != ctx.user.contract_id; });
  return json_response(200, {{"problems", problems_json(*problems)}});
}

HandlerResult gdpr_erase(Ctx& ctx) {
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  model::Id member_id = 0;
  if (auto it = body->find("member_id"); it != body->end()) {
    if (!it->is_number_integer() || it->get<model::Id>() <= 0) {
      return invalid_request("\"member_id\" must be a member id.");
    }
    member_id = it->get<model::Id>();
  }
  auto email = string_field(*body, "email", false);
  if (!email) return email.error();
  if ((member_id != 0) == email->has_value())
    return invalid_request("Give exactly one of \"member_id\" and \"email\".");
  if (*email && !match::canonical_address(**email))
    return invalid_request("\"email\" must be an email address.");

  auto erased = ingest::erase_person(*ctx.store, member_id, email->value_or(""), "operator");
  if (!erased) return erased.error();  // kNotFound for an unknown member id
  // The engine's candidate index holds the suppressions: reload it so syncs skip the person now.
  ctx.sync.candidates_changed(0);
  return json_response(200, {{"erased_messages", erased->erased_messages}});
}

HandlerResult gdpr_export(Ctx& ctx) {
  const std::string text = ctx.request.param("member_id").value_or("");
  model::Id member_id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), member_id);
  if (ec != std::errc() || end != text.data() + text.size() || member_id <= 0) {
    return invalid_request("\"member_id\" must be a member id.");
  }
  auto member = ctx.store->get_member(member_id);
  if (!member) return member.error();
  std::vector<std::string> canonicals;
  for (const auto& e : member->emails) {
    if (auto c = match::canonical_address(e)) canonicals.push_back(std::move(*c));
  }
  auto projects = ctx.store->projects_of_member(member->id);
  if (!projects) return projects.error();
  auto messages = ctx.store->messages_of_person(canonicals, member->id);
  if (!messages) return messages.error();

  json projects_out = json::array();
  for (const auto& p : *projects) {
    projects_out.push_back({{"id", p.project_id},
                            {"name", p.project_name},
                            {"contract", {{"id", p.contract_id}, {"name", p.contract_name}}}});
  }
  json messages_out = json::array();
  for (const auto& d : *messages) {
    json attachments = json::array();
    for (const auto& a : d.attachments) {
      attachments.push_back({{"filename", a.filename}, {"content_type", a.content_type}, {"size", a.size}});
    }
    const auto& m = d.message;
    messages_out.push_back({{"id", m.id},
                            {"contract_id", d.contract_id},
                            {"owner_id", m.owner_user_id},
                            {"thread_id", d.thread_id},
                            {"kind", m.kind},
                            {"direction", m.direction},
                            {"visibility", m.visibility},
                            {"subject", m.subject},
                            {"sent_at", rfc3339(m.sent_at)},
                            {"rfc_message_id", d.rfc_message_id},
                            {"participants", participants_json(d.participants)},
                            {"text", d.text},
                            {"html", d.html},
                            {"attachments", std::move(attachments)}});
  }
  (void)ctx.store->audit("operator", "gdpr_export", "member " + std::to_string(member->id),
                         std::to_string(messages->size()) + " messages");
  return json_response(200, {{"member",
                              {{"id", member->id},
                               {"name", member->name},
                               {"emails", member->emails},
                               {"email_discovery", model::to_string(member->email_discovery)}}},
                             {"projects", std::move(projects_out)},
                             {"messages", std::move(messages_out)}});
}

}  // namespace hiresync::api::handlers
