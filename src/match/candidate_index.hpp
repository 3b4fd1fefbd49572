// The in-memory candidate index of one contract: which canonical address belongs to which member,
// each member's email_discovery, which members are saved to at least one project of the contract,
// and which addresses and messages are suppressed by a GDPR erasure. Matching consults only this index, so
// it never touches the store on the hot path.
//
// The index is kept current by its owner (ingest/app) calling the mutators whenever members,
// addresses, project candidates or suppressions change. Not thread-safe: one writer, or external
// locking.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/domain.hpp"

namespace hiresync::match {

struct IndexedMember {
  model::Id id = 0;
  model::Discovery discovery = model::Discovery::kNobody;
  std::string first_email;  // the member's first listed email, as written
  bool saved = false;       // saved to at least one project of this contract
};

class CandidateIndex {
 public:
  // Adds or replaces a member's addresses and discovery setting. Addresses that do not canonicalize
  // are ignored. Idempotent. The member's saved flag is kept. When several members list the same
  // address, the lowest id owns it (whatever the order of calls); the others take over when it leaves.
  void upsert_member(const model::Member& member);

  // Forgets a member and all its addresses. Idempotent. The saved flag is project state, not member
  // state: it stays as set_saved left it.
  void remove_member(model::Id member_id);

  // Sets whether the member is saved to at least one project of this contract. Unknown ids are
  // remembered, so the order of set_saved and upsert_member does not matter.
  void set_saved(model::Id member_id, bool saved);

  // Marks an address as erased (GDPR suppression). It is canonicalized again, so a caller passing the
  // address as written is safe. Idempotent. The index keeps only the address's digest
  // (crypto::digest_hex of the canonical form), the same form the store keeps.
  void suppress_address(const std::string& canonical);

  // Marks as erased the address whose canonical form has this digest (as loaded from the store's
  // suppression entries, which never hold the address itself). Idempotent.
  void suppress_digest(std::string digest_hex);

  // The member owning a canonical address, or nullptr. The pointer is valid until the next mutation.
  const IndexedMember* find(std::string_view canonical) const;

  // Marks a message as erased, by the digest of its suppression key (ingest::message_suppression_key:
  // its RFC Message-ID, else its provider id), as the store keeps it. Idempotent.
  void suppress_message_digest(std::string digest_hex);

  // True when the message with this suppression key was erased. Costs a SHA-256 of the key when any
  // message suppression exists, nothing otherwise.
  bool is_message_suppressed(std::string_view key) const;

  // True when the canonical address was erased. Costs a SHA-256 of the address when any
  // suppression exists, nothing otherwise.
  bool is_suppressed(std::string_view canonical) const;

  std::size_t member_count() const { return members_.size(); }

 private:
  // Lets the string-keyed tables be searched with a string_view, without a temporary std::string.
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  template <typename V>
  using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

  void claim_address(const std::string& canonical, model::Id member_id);
  void release_address(const std::string& canonical, model::Id member_id);

  std::unordered_map<model::Id, IndexedMember> members_;
  std::unordered_map<model::Id, std::vector<std::string>> addresses_of_;  // member -> canonicals
  StringMap<model::Id> member_of_;                                        // canonical -> owning member
  // The rare addresses listed by more than one member: canonical -> the other (non-owning) members.
  StringMap<std::vector<model::Id>> also_listed_by_;
  std::unordered_set<model::Id> saved_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> suppressed_;           // address digests
  std::unordered_set<std::string, StringHash, std::equal_to<>> suppressed_messages_;  // key digests
};

}  // namespace hiresync::match
