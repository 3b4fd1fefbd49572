// Domain vocabulary of shared/DESIGN.md: the words every stage shares. No I/O here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hiresync::model {

using Id = std::int64_t;

enum class EmailProvider { kNone, kGoogle, kMicrosoft, kImap };
enum class Visibility { kPrivate, kContract };
enum class Discovery { kAnyone, kConnections, kNobody };
enum class UserRole { kAdmin, kUser };
enum class Direction { kInbound, kOutbound };

// Why a participant (or a whole message) did or did not sync. The names are the reason codes of
// shared/API.md and are persisted: DO NOT rename.
enum class Reason {
  kMatched,
  kOwnAddress,
  kInternalDomain,
  kNoProfile,
  kDiscoveryRestricted,
  kNotInProject,
  kErased,
  kSyncDisabled,
  kMalformed,
};

const char* to_string(EmailProvider v);
const char* to_string(Visibility v);
const char* to_string(Discovery v);
const char* to_string(UserRole v);
const char* to_string(Direction v);
const char* to_string(Reason v);
// One sentence a recruiter reads: why a participant with this reason was not synced (or that it was).
const char* describe(Reason v);

// Parsers for the persisted/JSON names above; std::nullopt for anything else.
std::optional<EmailProvider> parse_email_provider(std::string_view s);
std::optional<Visibility> parse_visibility(std::string_view s);
std::optional<Discovery> parse_discovery(std::string_view s);
std::optional<UserRole> parse_user_role(std::string_view s);
std::optional<Reason> parse_reason(std::string_view s);

struct ContractSettings {
  EmailProvider email_provider = EmailProvider::kNone;
  Visibility inmail_default_visibility = Visibility::kPrivate;
  std::vector<std::string> internal_domains;  // as entered; canonicalized by match
};

struct Contract {
  Id id = 0;
  std::string name;
  ContractSettings settings;
};

struct User {
  Id id = 0;
  Id contract_id = 0;
  std::string email;
  std::string name;
  UserRole role = UserRole::kUser;
};

struct Member {
  Id id = 0;
  std::string name;
  std::vector<std::string> emails;  // in the order listed; emails[0] is the "first listed email"
  Discovery email_discovery = Discovery::kNobody;
};

}  // namespace hiresync::model
