#include "model/domain.hpp"

#include <array>
#include <utility>

#include "model/message.hpp"
#include "model/result.hpp"

namespace hiresync::model {
namespace {

template <typename E, std::size_t N>
const char* name_of(const std::array<std::pair<E, const char*>, N>& table, E v) {
  for (const auto& [e, name] : table) {
    if (e == v) return name;
  }
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, const char*>, N>& table, std::string_view s) {
  for (const auto& [e, name] : table) {
    if (s == name) return e;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<EmailProvider, const char*>, 4> kProviders{{
    {EmailProvider::kNone, "none"},
    {EmailProvider::kGoogle, "google"},
    {EmailProvider::kMicrosoft, "microsoft"},
    {EmailProvider::kImap, "imap"},
}};
constexpr std::array<std::pair<Visibility, const char*>, 2> kVisibilities{{
    {Visibility::kPrivate, "private"},
    {Visibility::kContract, "contract"},
}};
constexpr std::array<std::pair<Discovery, const char*>, 3> kDiscoveries{{
    {Discovery::kAnyone, "anyone"},
    {Discovery::kConnections, "connections"},
    {Discovery::kNobody, "nobody"},
}};
constexpr std::array<std::pair<UserRole, const char*>, 2> kRoles{{
    {UserRole::kAdmin, "admin"},
    {UserRole::kUser, "user"},
}};
constexpr std::array<std::pair<Reason, const char*>, 9> kReasons{{
    {Reason::kMatched, "matched"},
    {Reason::kOwnAddress, "own_address"},
    {Reason::kInternalDomain, "internal_domain"},
    {Reason::kNoProfile, "no_profile"},
    {Reason::kDiscoveryRestricted, "discovery_restricted"},
    {Reason::kNotInProject, "not_in_project"},
    {Reason::kErased, "erased"},
    {Reason::kSyncDisabled, "sync_disabled"},
    {Reason::kMalformed, "malformed"},
}};
constexpr std::array<std::pair<HeaderRole, const char*>, 6> kHeaderRoles{{
    {HeaderRole::kFrom, "from"},
    {HeaderRole::kSender, "sender"},
    {HeaderRole::kReplyTo, "reply_to"},
    {HeaderRole::kTo, "to"},
    {HeaderRole::kCc, "cc"},
    {HeaderRole::kBcc, "bcc"},
}};
constexpr std::array<std::pair<ErrorCode, const char*>, 10> kErrorCodes{{
    {ErrorCode::kTransient, "transient"},
    {ErrorCode::kRateLimited, "rate_limited"},
    {ErrorCode::kAuthExpired, "auth_expired"},
    {ErrorCode::kConsentRequired, "consent_required"},
    {ErrorCode::kCursorInvalid, "cursor_invalid"},
    {ErrorCode::kMalformedInput, "malformed_input"},
    {ErrorCode::kInvalidArgument, "invalid_argument"},
    {ErrorCode::kNotFound, "not_found"},
    {ErrorCode::kConflict, "conflict"},
    {ErrorCode::kInternal, "internal"},
}};

}  // namespace

const char* to_string(EmailProvider v) { return name_of(kProviders, v); }
const char* to_string(Visibility v) { return name_of(kVisibilities, v); }
const char* to_string(Discovery v) { return name_of(kDiscoveries, v); }
const char* to_string(UserRole v) { return name_of(kRoles, v); }
const char* to_string(Direction v) { return v == Direction::kInbound ? "inbound" : "outbound"; }
const char* to_string(Reason v) { return name_of(kReasons, v); }
const char* describe(Reason v) {
  switch (v) {
    case Reason::kMatched:
      return "a candidate of your company: synced, private to you";
    case Reason::kOwnAddress:
      return "your own address";
    case Reason::kInternalDomain:
      return "an address of your own company (its domain is internal), so not a candidate";
    case Reason::kNoProfile:
      return "no platform profile lists this address";
    case Reason::kDiscoveryRestricted:
      return "this person does not let anyone find them by email";
    case Reason::kNotInProject:
      return "this person is not saved to any project of your company";
    case Reason::kErased:
      return "this person or message was erased under a GDPR request";
    case Reason::kSyncDisabled:
      return "your company has not turned email syncing on (or chose another provider)";
    case Reason::kMalformed:
      return "the message could not be read";
  }
  return "";
}
const char* to_string(HeaderRole r) { return name_of(kHeaderRoles, r); }
const char* to_string(ErrorCode code) { return name_of(kErrorCodes, code); }

std::optional<EmailProvider> parse_email_provider(std::string_view s) { return value_of(kProviders, s); }
std::optional<Visibility> parse_visibility(std::string_view s) { return value_of(kVisibilities, s); }
std::optional<Discovery> parse_discovery(std::string_view s) { return value_of(kDiscoveries, s); }
std::optional<UserRole> parse_user_role(std::string_view s) { return value_of(kRoles, s); }
std::optional<Reason> parse_reason(std::string_view s) { return value_of(kReasons, s); }

}  // namespace hiresync::model
