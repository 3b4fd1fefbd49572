// Troubleshooting: Engine::explain (the matching rules on one message, as the caller's mailbox
// would apply them) and Engine::recent_messages (what to pick a message from).
#include <algorithm>

#include "ingest/ingest.hpp"
#include "mime/mime.hpp"
#include "sync/engine.hpp"

namespace hiresync::sync {

using model::ErrorCode;

namespace {

constexpr int kMaxRecent = 50;
constexpr std::int64_t kRecentWindowS = 30LL * 24 * 3600;

// The From header as a person reads it.
std::string from_text(const model::MessageHeaders& headers) {
  for (const auto& p : headers.participants) {
    if (p.role != model::HeaderRole::kFrom) continue;
    if (p.address.name.empty()) return p.address.email;
    return p.address.name + " <" + p.address.email + ">";
  }
  return {};
}

}  // namespace

model::Result<Engine::MailboxAccess> Engine::mailbox_access(const store::Mailbox& mailbox) {
  const ProviderClients* c = clients(mailbox.provider);
  if (c == nullptr) return model::make_error(ErrorCode::kNotFound, "no connector for " + mailbox.provider);
  auto tokens = vault_.open(mailbox.token_ciphertext, mailbox.user_id, mailbox.provider);
  if (!tokens) return model::Error{ErrorCode::kConsentRequired, tokens.error().detail, "access_revoked", -1};
  if (tokens->expires_at != 0 && tokens->expires_at <= now_ms() / 1000) {
    return provider_failure(model::make_error(ErrorCode::kAuthExpired, "stored access token expired"),
                            mailbox.id);
  }
  return MailboxAccess{c, tokens->access_token};
}

// An expired access token is renewed by the mailbox's own run, never on an API call: runs of a
// mailbox are serialized so that a rotated refresh token is stored before anyone uses it. The
// caller is told to retry (503), not that their session ended (401).
model::Error Engine::provider_failure(const model::Error& error, model::Id mailbox_id) {
  if (error.code != ErrorCode::kAuthExpired) return error;
  enqueue(mailbox_id);
  return model::Error{ErrorCode::kTransient, "access token expired; the next run renews it",
                      "access_renewing", 2};
}

model::Result<std::vector<RecentMessage>> Engine::recent_messages(const model::User& user, int limit) {
  limit = std::clamp(limit, 1, kMaxRecent);
  auto store_r = api_store();
  if (!store_r) return store_r.error();
  store::Store& store = **store_r;
  auto mailbox = store.mailbox_of_user(user.id);
  if (!mailbox) return mailbox.error();
  auto access = mailbox_access(*mailbox);
  if (!access) return access.error();
  providers::MailClient& mail = *access->clients->mail;
  auto budget = budget_for(store, mailbox->id, *access->clients);

  providers::SearchQuery everything;
  everything.after_s = now_ms() / 1000 - kRecentWindowS;
  budget->spend(mail.cost(providers::MailClient::Call::kList));
  auto page = mail.list(access->access_token, everything, "", limit);
  if (!page) return provider_failure(page.error(), mailbox->id);
  std::vector<RecentMessage> out;
  for (const auto& ref : page->messages) {
    if (static_cast<int>(out.size()) == limit) break;
    budget->spend(mail.cost(providers::MailClient::Call::kGetMetadata));
    auto meta = mail.metadata(access->access_token, ref.id);
    if (!meta) {
      if (meta.error().code == ErrorCode::kNotFound) continue;  // deleted since the listing
      return provider_failure(meta.error(), mailbox->id);
    }
    RecentMessage m;
    m.provider_message_id = ref.id;
    if (auto headers = mime::parse_headers(meta->raw_headers)) {
      m.from = from_text(*headers);
      m.subject = headers->subject;
      m.received_at = headers->date;
    }
    if (meta->internal_date_ms > 0) m.received_at = meta->internal_date_ms / 1000;
    auto stored = store.find_message(mailbox->id, ref.id);
    if (!stored) return stored.error();
    m.synced = stored->has_value();
    out.push_back(std::move(m));
  }
  std::stable_sort(out.begin(), out.end(), [](const RecentMessage& a, const RecentMessage& b) {
    return a.received_at > b.received_at;
  });
  return out;
}

model::Result<Explanation> Engine::explain(const model::User& user, std::string_view provider_message_id,
                                           std::string_view raw) {
  auto store_r = api_store();
  if (!store_r) return store_r.error();
  store::Store& store = **store_r;
  auto contract = store.get_contract(user.contract_id);
  if (!contract) return contract.error();
  auto mailbox = store.mailbox_of_user(user.id);

  std::string headers_text(raw);
  if (raw.empty()) {
    if (!mailbox) return mailbox.error();
    auto access = mailbox_access(*mailbox);
    if (!access) return access.error();
    auto meta = access->clients->mail->metadata(access->access_token, std::string(provider_message_id));
    if (!meta) return provider_failure(meta.error(), mailbox->id);
    headers_text = meta->raw_headers;
  }

  Explanation out;
  auto headers = mime::parse_headers(headers_text);
  if (!headers) {
    out.status = "malformed";
    out.reason = "malformed";
    out.detail = headers.error().detail;
    return out;
  }
  auto index = index_for(store, user.contract_id);
  if (!index) return index.error();
  ingest::MailboxScope scope;
  scope.owner_user_id = user.id;
  scope.contract_id = user.contract_id;
  const std::string provider =
      mailbox ? mailbox->provider : model::to_string(contract->settings.email_provider);
  scope.match.sync_enabled = provider == model::to_string(contract->settings.email_provider) &&
                             contract->settings.email_provider != model::EmailProvider::kNone;
  scope.match.owner_address = mailbox ? mailbox->address : user.email;
  scope.match.internal_domains = contract->settings.internal_domains;
  ingest::Ingestor ingestor(store, **index, scope);
  const match::MatchResult verdict = ingestor.assess(*headers);
  model::Reason reason = verdict.reason;
  if (reason == model::Reason::kMatched) {
    const std::string key = ingest::message_suppression_key(*headers, provider_message_id);
    if (!key.empty() && (*index)->is_message_suppressed(key)) reason = model::Reason::kErased;
  }
  out.subject = headers->subject;
  out.message_id = headers->message_id;
  out.status = reason == model::Reason::kMatched ? "would_sync" : "skipped";
  out.reason = model::to_string(reason);
  for (std::size_t i = 0; i < verdict.participants.size(); ++i) {
    const auto& p = verdict.participants[i];
    const model::Address& address = headers->participants[i].address;
    out.participants.push_back(ParticipantExplanation{model::to_string(p.role), address.name, address.email,
                                                      model::to_string(p.reason), model::describe(p.reason)});
  }
  return out;
}

}  // namespace hiresync::sync
