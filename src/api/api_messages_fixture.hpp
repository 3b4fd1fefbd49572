// ApiTest plus stored messages: a test writes messages straight into the SQLite file (as the sync
// engine would) and reads them back through the HTTP API as different users.
#pragma once

#include <string>

#include "api/api_test_fixture.hpp"
#include "match/canonical.hpp"

namespace hiresync::api::testing {

class MessagesTest : public ApiTest {
 protected:
  struct Stored {
    model::Id message = 0;
    model::Id thread = 0;
  };
  struct MessageSpec {
    std::string subject = "Hello";
    std::int64_t sent_at = 1'700'000'100;
    model::Visibility visibility = model::Visibility::kPrivate;
    std::string rfc_id;    // RFC Message-ID; "" for none
    model::Id thread = 0;  // an existing thread of the owner, or 0 for a new one
    std::string html;      // HTML part; "" for none
  };

  // Stores an inbound message from Ann to `owner` (user of `contract`), linked to Ann (`member`).
  Stored store_message(model::Id owner, model::Id contract, model::Id member, const MessageSpec& spec) {
    const std::string address = "user" + std::to_string(owner) + "@mail.test";
    auto mailbox = store_->ensure_mailbox(owner, "import", address, address);
    EXPECT_TRUE(mailbox.ok()) << (mailbox.ok() ? "" : mailbox.error().detail);
    store::NewMessage m;
    m.mailbox_id = mailbox->id;
    m.owner_user_id = owner;
    m.contract_id = contract;
    m.provider_message_id = "p" + std::to_string(++next_provider_id_);
    m.visibility = spec.visibility;
    auto& h = m.content.headers;
    h.subject = spec.subject;
    h.date = spec.sent_at;
    h.message_id = spec.rfc_id;
    h.participants = {{model::HeaderRole::kFrom, {"Ann Lee", "ann@example.org"}},
                      {model::HeaderRole::kTo, {"Recruiter", address}},
                      {model::HeaderRole::kBcc, {"Hidden", "hidden@acme.com"}}};
    m.participant_canonicals = {"ann@example.org", address, "hidden@acme.com"};
    m.content.text = "Text of " + spec.subject;
    m.content.html = spec.html;
    m.snippet = m.content.text;
    auto id = store_->insert_message(m);
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().detail);
    Stored out{*id, spec.thread};
    if (out.thread == 0) {
      auto t = store_->create_thread(owner, member, contract, spec.subject, spec.sent_at);
      EXPECT_TRUE(t.ok());
      out.thread = *t;
    }
    EXPECT_TRUE(store_->link_candidate(out.message, member, out.thread).ok());
    EXPECT_TRUE(store_->touch_thread(out.thread, spec.sent_at).ok());
    return out;
  }

  static std::string path_of(const char* prefix, model::Id id, const char* suffix = "") {
    return std::string(prefix) + std::to_string(id) + suffix;
  }

  int next_provider_id_ = 0;
};

}  // namespace hiresync::api::testing
