#include "match/candidate_index.hpp"

#include <algorithm>
#include <utility>

#include "crypto/crypto.hpp"
#include "match/canonical.hpp"

namespace hiresync::match {

void CandidateIndex::upsert_member(const model::Member& member) {
  std::vector<std::string> canonicals;
  canonicals.reserve(member.emails.size());
  for (const std::string& email : member.emails) {
    auto canonical = canonical_address(email);
    if (!canonical.ok()) continue;
    // "Bob@x.com" and "bob@x.com" are one address.
    if (std::find(canonicals.begin(), canonicals.end(), *canonical) == canonicals.end()) {
      canonicals.push_back(std::move(canonical).value());
    }
  }

  // Release what the member no longer lists, then claim the new set (claiming is idempotent).
  if (auto old = addresses_of_.find(member.id); old != addresses_of_.end()) {
    for (const std::string& canonical : old->second) {
      if (std::find(canonicals.begin(), canonicals.end(), canonical) == canonicals.end()) {
        release_address(canonical, member.id);
      }
    }
  }
  for (const std::string& canonical : canonicals) claim_address(canonical, member.id);

  IndexedMember& indexed = members_[member.id];
  indexed.id = member.id;
  indexed.discovery = member.email_discovery;
  indexed.first_email = member.emails.empty() ? std::string() : member.emails.front();
  indexed.saved = saved_.contains(member.id);
  addresses_of_[member.id] = std::move(canonicals);
}

void CandidateIndex::remove_member(model::Id member_id) {
  if (auto it = addresses_of_.find(member_id); it != addresses_of_.end()) {
    for (const std::string& canonical : it->second) release_address(canonical, member_id);
    addresses_of_.erase(it);
  }
  members_.erase(member_id);
}

void CandidateIndex::set_saved(model::Id member_id, bool saved) {
  if (saved) {
    saved_.insert(member_id);
  } else {
    saved_.erase(member_id);
  }
  if (auto it = members_.find(member_id); it != members_.end()) it->second.saved = saved;
}

void CandidateIndex::suppress_address(const std::string& canonical) {
  auto again = canonical_address(canonical);
  suppressed_.insert(crypto::digest_hex(again.ok() ? again.value() : canonical));
}

void CandidateIndex::suppress_digest(std::string digest_hex) { suppressed_.insert(std::move(digest_hex)); }

void CandidateIndex::suppress_message_digest(std::string digest_hex) {
  suppressed_messages_.insert(std::move(digest_hex));
}

bool CandidateIndex::is_message_suppressed(std::string_view key) const {
  if (suppressed_messages_.empty()) return false;
  return suppressed_messages_.find(crypto::digest_hex(key)) != suppressed_messages_.end();
}

const IndexedMember* CandidateIndex::find(std::string_view canonical) const {
  auto owner = member_of_.find(canonical);
  if (owner == member_of_.end()) return nullptr;
  auto member = members_.find(owner->second);
  return member == members_.end() ? nullptr : &member->second;
}

bool CandidateIndex::is_suppressed(std::string_view canonical) const {
  if (suppressed_.empty()) return false;
  return suppressed_.find(crypto::digest_hex(canonical)) != suppressed_.end();
}

// The lowest id listing an address owns it; the others wait in also_listed_by_. Idempotent.
void CandidateIndex::claim_address(const std::string& canonical, model::Id member_id) {
  auto [owner, inserted] = member_of_.try_emplace(canonical, member_id);
  if (inserted || owner->second == member_id) return;

  std::vector<model::Id>& others = also_listed_by_[canonical];
  model::Id waiting = member_id;
  if (member_id < owner->second) {
    std::swap(waiting, owner->second);
    std::erase(others, member_id);
  }
  if (std::find(others.begin(), others.end(), waiting) == others.end()) others.push_back(waiting);
}

// Drops `member_id`'s claim; when it owned the address, the lowest waiting id takes over.
void CandidateIndex::release_address(const std::string& canonical, model::Id member_id) {
  auto owner = member_of_.find(canonical);
  if (owner == member_of_.end()) return;
  auto others = also_listed_by_.find(canonical);

  if (owner->second != member_id) {
    if (others != also_listed_by_.end()) {
      std::erase(others->second, member_id);
      if (others->second.empty()) also_listed_by_.erase(others);
    }
    return;
  }
  if (others == also_listed_by_.end()) {
    member_of_.erase(owner);
    return;
  }
  auto next = std::min_element(others->second.begin(), others->second.end());
  owner->second = *next;
  others->second.erase(next);
  if (others->second.empty()) also_listed_by_.erase(others);
}

}  // namespace hiresync::match
