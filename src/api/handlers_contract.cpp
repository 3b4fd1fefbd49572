// Contract settings, projects and their candidates, and a candidate's threads as the caller sees
// them. Every lookup is scoped to the caller's contract: another contract's ids answer 404.
#include "api/context.hpp"

namespace hiresync::api::handlers {

using model::ErrorCode;
using nlohmann::json;

namespace {

// The project `id` of the route when it belongs to the caller's contract; 404 otherwise.
model::Result<store::ProjectInfo> own_project(Ctx& ctx) {
  auto id = ctx.id_param("id");
  if (!id) return id.error();
  auto project = ctx.store->get_project(*id);
  if (!project) return project.error();
  if (project->contract_id != ctx.user.contract_id) {
    return model::make_error(ErrorCode::kNotFound, "project of another contract");
  }
  return project;
}

}  // namespace

HandlerResult get_settings(Ctx& ctx) {
  auto contract = ctx.store->get_contract(ctx.user.contract_id);
  if (!contract) return contract.error();
  return json_response(200, settings_json(contract->settings));
}

HandlerResult patch_settings(Ctx& ctx) {
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  auto contract = ctx.store->get_contract(ctx.user.contract_id);
  if (!contract) return contract.error();
  model::ContractSettings settings = contract->settings;
  if (auto st = apply_settings(*body, settings); !st) return st.error();
  if (auto st = ctx.store->update_contract_settings(contract->id, settings); !st) return st.error();
  (void)ctx.store->audit("user:" + std::to_string(ctx.user.id), "contract_settings",
                         "contract:" + std::to_string(contract->id), settings_json(settings).dump());
  ctx.sync.contract_settings_changed(contract->id);
  return json_response(200, settings_json(settings));
}

HandlerResult create_project(Ctx& ctx) {
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  auto name = string_field(*body, "name", true);
  if (!name) return name.error();
  if ((*name)->empty()) return invalid_request("\"name\" must not be empty.");
  auto id = ctx.store->upsert_project(ctx.user.contract_id, **name);
  if (!id) return id.error();
  return json_response(201, {{"id", *id}});
}

HandlerResult list_projects(Ctx& ctx) {
  auto projects = ctx.store->list_projects(ctx.user.contract_id);
  if (!projects) return projects.error();
  json out = json::array();
  for (const auto& p : *projects) {
    out.push_back({{"id", p.id}, {"name", p.name}, {"candidates", p.member_ids}});
  }
  return json_response(200, out);
}

HandlerResult add_candidate(Ctx& ctx) {
  auto project = own_project(ctx);
  if (!project) return project.error();
  auto body = parse_object(ctx.request);
  if (!body) return body.error();
  auto it = body->find("member_id");
  if (it == body->end() || !it->is_number_integer() || it->get<model::Id>() <= 0) {
    return invalid_request("\"member_id\" must be a member id.");
  }
  const auto member_id = it->get<model::Id>();
  if (auto member = ctx.store->get_member(member_id); !member) return member.error();
  auto was_candidate = ctx.store->is_candidate(ctx.user.contract_id, member_id);
  if (!was_candidate) return was_candidate.error();
  if (auto st = ctx.store->add_candidate(project->id, member_id); !st) return st.error();
  // Only a new candidate of the contract needs its past mail searched.
  if (!*was_candidate) ctx.sync.candidate_added(ctx.user.contract_id, member_id);
  return json_response(200, {{"project_id", project->id}, {"member_id", member_id}});
}

HandlerResult remove_candidate(Ctx& ctx) {
  auto project = own_project(ctx);
  if (!project) return project.error();
  auto member_id = ctx.id_param("member_id");
  if (!member_id) return member_id.error();
  if (auto st = ctx.store->remove_candidate(project->id, *member_id); !st) return st.error();
  ctx.sync.candidates_changed(ctx.user.contract_id);
  return net::Response{204, {}, {}};
}

HandlerResult candidate_threads(Ctx& ctx) {
  auto member_id = ctx.id_param("member_id");
  if (!member_id) return member_id.error();
  auto candidate = ctx.store->is_candidate(ctx.user.contract_id, *member_id);
  if (!candidate) return candidate.error();
  if (!*candidate) return model::make_error(ErrorCode::kNotFound, "not a candidate of the caller's contract");
  auto threads = ctx.store->visible_threads(ctx.user.id, ctx.user.contract_id, *member_id);
  if (!threads) return threads.error();
  json out = json::array();
  for (const auto& t : *threads) {
    json messages = json::array();
    for (const auto& m : t.messages) messages.push_back(listed_message_json(m));
    out.push_back({{"id", t.id},
                   {"subject", t.subject},
                   {"owner", {{"id", t.owner_user_id}, {"name", t.owner_name}, {"email", t.owner_email}}},
                   {"last_message_at", rfc3339(t.last_message_at)},
                   {"messages", std::move(messages)}});
  }
  return json_response(200, out);
}

}  // namespace hiresync::api::handlers
