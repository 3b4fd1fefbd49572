// `hiresync explain`: for each message in a file, every participant's verdict under the matching
// rules: `matched`, or the first rule that stopped it, with the sentence a recruiter reads.
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "app/context.hpp"
#include "app/sources.hpp"
#include "mime/mime.hpp"

namespace hiresync::app {

using nlohmann::json;

int run_explain(const CommonOptions& common, const ExplainOptions& options, std::ostream& out,
                std::ostream& err) {
  std::string buffer;
  auto read = read_file(options.file, buffer);
  if (!read) {
    err << "hiresync explain: " << read.error().detail << "\n";
    return 2;
  }
  const std::string_view content = *read;
  auto opened = open_owner_session(common.db, options.owner, "hiresync explain", err);
  if (!opened.session) return opened.exit_code;
  OwnerSession& session = *opened.session;
  auto& store = session.store;
  ingest::Ingestor ingestor(*store, session.index, session.owner.scope);

  json results = json::array();
  for (const FoundMessage& found : split_messages(content)) {
    json r{{"source", source_label(options.file, found)}};
    auto headers = mime::parse_headers(found.raw);
    if (!headers) {
      r["status"] = "malformed";
      r["reason"] = "malformed";
      r["detail"] = headers.error().detail;
      results.push_back(std::move(r));
      continue;
    }
    const auto verdict = ingestor.assess(*headers);
    model::Reason reason = verdict.reason;
    if (reason == model::Reason::kMatched) {
      const std::string key = ingest::message_suppression_key(*headers, "");
      if (!key.empty() && session.index.is_message_suppressed(key)) reason = model::Reason::kErased;
    }
    r["subject"] = headers->subject;
    r["message_id"] = headers->message_id;
    r["status"] = reason == model::Reason::kMatched ? "would_sync" : "skipped";
    r["reason"] = model::to_string(reason);
    json participants = json::array();
    for (std::size_t i = 0; i < verdict.participants.size(); ++i) {
      const auto& p = verdict.participants[i];
      const model::Address& address = headers->participants[i].address;
      json pj{{"role", model::to_string(p.role)},
              {"name", address.name},
              {"email", address.email},
              {"canonical", p.canonical},
              {"result", model::to_string(p.reason)},
              {"explanation", model::describe(p.reason)}};
      if (p.member_id != 0) {
        auto m = store->get_member(p.member_id);
        if (m && !m->emails.empty()) pj["member"] = m->emails.front();
      }
      participants.push_back(std::move(pj));
    }
    r["participants"] = std::move(participants);
    results.push_back(std::move(r));
  }

  if (options.json) {
    // One message: the object itself; an mbox: an array.
    out << (results.size() == 1 ? results[0].dump() : results.dump()) << "\n";
    return 0;
  }
  for (const auto& r : results) {
    out << r["source"].get<std::string>() << "\n";
    if (r.contains("subject")) out << "  subject: " << r["subject"].get<std::string>() << "\n";
    const std::string status = r["status"];
    out << "  => " << (status == "would_sync" ? "would sync" : status) << " ("
        << r["reason"].get<std::string>() << ")\n";
    if (!r.contains("participants")) {
      out << "  " << r.value("detail", "") << "\n";
      continue;
    }
    for (const auto& p : r["participants"]) {
      out << "  " << p["role"].get<std::string>() << "\t";
      if (!p["name"].get<std::string>().empty()) out << p["name"].get<std::string>() << " ";
      out << "<" << p["email"].get<std::string>() << ">\t" << p["result"].get<std::string>() << ": "
          << p["explanation"].get<std::string>() << "\n";
    }
  }
  return 0;
}

}  // namespace hiresync::app
