// Engine::explain: the matching rules on one message, as the caller's mailbox would apply them.
#include "ingest/ingest.hpp"
#include "mime/mime.hpp"
#include "sync/engine.hpp"

namespace hiresync::sync {

using model::ErrorCode;

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
    const ProviderClients* c = clients(mailbox->provider);
    if (c == nullptr) return model::make_error(ErrorCode::kNotFound, "no connector for " + mailbox->provider);
    auto tokens = vault_.open(mailbox->token_ciphertext, mailbox->user_id, mailbox->provider);
    if (!tokens)
      return model::Error{ErrorCode::kConsentRequired, tokens.error().detail, "access_revoked", -1};
    // An expired access token is renewed by the mailbox's own run, never here: runs of a mailbox
    // are serialized so that a rotated refresh token is stored before anyone uses it. The caller
    // is told to retry (503), not that their session ended (401).
    auto renewing = [&] {
      enqueue(mailbox->id);
      return model::Error{ErrorCode::kTransient, "access token expired; the next run renews it",
                          "access_renewing", 2};
    };
    if (tokens->expires_at != 0 && tokens->expires_at <= now_ms() / 1000) return renewing();
    auto meta = c->mail->metadata(tokens->access_token, std::string(provider_message_id));
    if (!meta) {
      if (meta.error().code == ErrorCode::kAuthExpired) return renewing();
      return meta.error();
    }
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
