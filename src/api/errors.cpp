#include "api/errors.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <string_view>

#include "model/problems.hpp"

namespace hiresync::api {

using model::ErrorCode;

namespace {

struct ApiProblem {
  std::string_view code;
  int status;
  std::string_view message;
  std::string_view remedy;
};

constexpr std::array kApiProblems{
    ApiProblem{kInvalidJson, 400, "The request body is not valid JSON.", "Send a JSON object."},
    ApiProblem{kInvalidRequest, 400, "", ""},
    ApiProblem{kUnauthorized, 401, "You are not signed in, or your session has expired.", "Sign in again."},
    ApiProblem{kInvalidCredentials, 401, "The email or password is not correct.",
               "Check them and try again."},
    ApiProblem{kForbidden, 403, "Your role does not allow this.", "Ask an administrator of your company."},
    ApiProblem{kNotConnected, 404, "You have not connected a mailbox yet.",
               "Connect your mailbox in Settings > Email."},
    ApiProblem{kInvalidState, 400,
               "This sign-in link is not valid any more: it expired, was already used, or was started in "
               "another browser session.",
               "Start connecting your mailbox again from Settings > Email."},
    ApiProblem{kRouteNotFound, 404, "There is nothing at this address.", ""},
    ApiProblem{kMethodNotAllowed, 405, "This address does not accept that method.", ""},
    ApiProblem{kStoreUnavailable, 503, "The database is not answering.", "Try again in a moment."},
    ApiProblem{kCsrfFailed, 403,
               "This request did not come from a HireSync page you have open, so it was refused.",
               "Reload the page and try again."},
    ApiProblem{kNotOwner, 403, "Only the person who owns this message can change who sees it.",
               "Ask its owner to change it."},
};

const ApiProblem* find_api_problem(std::string_view code) {
  for (const auto& p : kApiProblems) {
    if (p.code == code) return &p;
  }
  return nullptr;
}

int status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::kTransient:
      return 503;
    case ErrorCode::kRateLimited:
      return 429;
    case ErrorCode::kAuthExpired:
      return 401;
    case ErrorCode::kConsentRequired:
      return 403;
    case ErrorCode::kMalformedInput:
      return 400;
    case ErrorCode::kInvalidArgument:
      return 422;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kCursorInvalid:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string_view generic_message(ErrorCode code) {
  switch (code) {
    case ErrorCode::kTransient:
      return "The service is busy.";
    case ErrorCode::kRateLimited:
      return "Too many requests.";
    case ErrorCode::kAuthExpired:
      return "The credentials were not accepted.";
    case ErrorCode::kConsentRequired:
      return "An administrator must approve this first.";
    case ErrorCode::kMalformedInput:
      return "The request is not well-formed.";
    case ErrorCode::kInvalidArgument:
      return "This is not possible right now.";
    case ErrorCode::kNotFound:
      return "Not found.";
    case ErrorCode::kConflict:
      return "This conflicts with something that already exists.";
    case ErrorCode::kCursorInvalid:
    case ErrorCode::kInternal:
      return "Something went wrong on our side.";
  }
  return "Something went wrong on our side.";
}

std::string_view generic_remedy(ErrorCode code) {
  switch (code) {
    case ErrorCode::kTransient:
    case ErrorCode::kRateLimited:
      return "Try again in a moment.";
    case ErrorCode::kCursorInvalid:
    case ErrorCode::kInternal:
      return "Try again; if it keeps failing, contact HireSync support.";
    default:
      return "";
  }
}

}  // namespace

model::Error problem_error(ErrorCode code, const char* problem, std::string detail) {
  model::Error e = model::make_error(code, std::move(detail));
  e.problem = problem;
  return e;
}

model::Error invalid_request(std::string message) {
  return problem_error(ErrorCode::kMalformedInput, kInvalidRequest, std::move(message));
}

int http_status(const model::Error& error) {
  if (const ApiProblem* p = find_api_problem(error.problem)) return p->status;
  return status_of(error.code);
}

nlohmann::json problems_json() {
  nlohmann::json out = nlohmann::json::object();
  for (const model::Problem& p : model::all_problems()) {
    out[std::string(p.code)] = {{"message", p.message}, {"remedy", p.remedy}};
  }
  for (const ApiProblem& p : kApiProblems) {
    if (p.message.empty()) continue;  // invalid_request: the message is the request's own
    out[std::string(p.code)] = {{"message", p.message}, {"remedy", p.remedy}};
  }
  return out;
}

net::Response error_response(const model::Error& error) { return error_response(error, {}); }

net::Response error_response(const model::Error& error, std::string_view message_override) {
  std::string code;
  std::string_view message;
  std::string_view remedy;
  const model::Problem* problem = error.problem.empty() ? nullptr : model::find_problem(error.problem);
  if (const ApiProblem* own = find_api_problem(error.problem)) {
    code = std::string(own->code);
    message = own->code == kInvalidRequest ? std::string_view(error.detail) : own->message;
    remedy = own->remedy;
  } else if (problem != nullptr) {
    code = std::string(problem->code);
    message = problem->message;
    remedy = problem->remedy;
  } else {
    code = error.problem.empty() ? model::to_string(error.code) : error.problem;
    message = generic_message(error.code);
    remedy = generic_remedy(error.code);
  }
  if (!message_override.empty()) message = message_override;
  nlohmann::json body{{"error", {{"code", code}, {"message", message}}}};
  if (!remedy.empty()) body["error"]["remedy"] = remedy;
  auto response = net::Response::json(http_status(error),
                                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (error.code == ErrorCode::kRateLimited && error.retry_after_s >= 0) {
    response.headers.emplace_back("Retry-After", std::to_string(error.retry_after_s));
  }
  return response;
}

}  // namespace hiresync::api
