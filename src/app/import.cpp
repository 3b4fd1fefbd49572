// `hiresync import`: the ingest pipeline over files, as the mailbox of one user.
//
// A two-stage pipeline (app/ordered_pool.hpp). Preparing a file is pure work and runs on parser
// threads: read it, split it into messages, parse the participants only, apply the matching rules,
// and fully parse only the messages that matched. Storing runs on this thread, file after file in
// input order: dedupe, thread and store (ingest). Output and database contents therefore do not
// depend on thread timing. When the next file is not prepared yet, this thread prepares files
// itself instead of waiting. Unmatched mail is dropped from memory as soon as it was judged.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "app/commands.hpp"
#include "app/context.hpp"
#include "app/ordered_pool.hpp"
#include "app/sources.hpp"
#include "crypto/crypto.hpp"
#include "mime/mime.hpp"
#include "model/json_text.hpp"

namespace hiresync::app {

namespace {

// How far (in files) the parsing workers may run ahead of the thread that stores.
constexpr std::size_t kWindowFiles = 512;

struct PreparedMessage {
  std::string source;
  std::optional<ingest::IncomingMessage> incoming;  // empty when the headers were malformed
  std::string malformed_detail;
  match::MatchResult assessed;
  std::optional<model::Result<model::ParsedMessage>> parsed;  // only for matched messages
};

struct FileWork {
  std::string path;
  std::string read_error;
  std::vector<PreparedMessage> messages;
};

// Hands ingest the message the worker already parsed (ingest asks only when it matched).
class PreparedSource final : public ingest::MessageSource {
 public:
  explicit PreparedSource(PreparedMessage& pm) : pm_(pm) {}
  model::Result<std::string> fetch_raw() override {
    return model::make_error(model::ErrorCode::kInternal, "import sources hand over parsed messages only");
  }
  model::Result<model::ParsedMessage> fetch_parsed() override {
    if (!pm_.parsed) return model::make_error(model::ErrorCode::kInternal, "message was not prepared");
    return std::move(*pm_.parsed);
  }

 private:
  PreparedMessage& pm_;
};

// One line of the result, kept compact until the end (a JSON DOM of 6,000 entries costs more
// than the import).
struct Entry {
  std::string source;
  const char* status = "skipped";
  std::string reason;
  std::string detail;
  std::vector<model::Id> candidates;
};

// The idempotency key of a file message: its Message-ID, else a digest of its bytes.
std::string provider_id_for(const model::MessageHeaders& h, std::string_view raw) {
  if (!h.message_id.empty()) return "mid:" + h.message_id;
  return "sha256:" + crypto::digest_hex(raw);
}

void prepare_file(FileWork& work, const ingest::Ingestor& ingestor, std::string& buffer) {
  auto content = read_file(work.path, buffer);
  if (!content) {
    work.read_error = content.error().detail;
    return;
  }
  for (const FoundMessage& found : split_messages(*content)) {
    PreparedMessage pm;
    pm.source = source_label(work.path, found);
    // Metadata first: the participants are all the rules need. Everything else is read only for
    // a message that matched.
    auto participants = mime::parse_participants(found.raw);
    if (!participants) {
      pm.malformed_detail = participants.error().detail;
    } else {
      pm.assessed = ingestor.assess(*participants);
      pm.incoming.emplace();
      if (pm.assessed.reason == model::Reason::kMatched) {
        pm.parsed = mime::parse_message(found.raw);
        if (*pm.parsed) {
          pm.incoming->headers = (*pm.parsed)->headers;
        } else {
          pm.incoming->headers = std::move(*participants);
        }
        pm.incoming->provider_message_id = provider_id_for(pm.incoming->headers, found.raw);
      } else {
        // Ingest needs only the reason of an unmatched message: free the rest here, on the
        // worker, rather than on the thread that stores.
        pm.assessed.participants = {};
      }
    }
    work.messages.push_back(std::move(pm));
  }
}

class Progress {
 public:
  Progress(std::ostream& err, std::size_t total)
      : err_(err), total_(total), enabled_(::isatty(STDERR_FILENO) == 1) {}
  void update(std::size_t files_done, std::int64_t synced, bool force = false) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    constexpr int kWidth = 30;
    const int filled = total_ == 0 ? kWidth : static_cast<int>(kWidth * files_done / total_);
    err_ << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, ' ') << "] " << files_done
         << "/" << total_ << " files, " << synced << " synced" << std::flush;
  }
  void finish() {
    if (enabled_) err_ << "\n";
  }

 private:
  std::ostream& err_;
  std::size_t total_;
  bool enabled_;
  std::chrono::steady_clock::time_point last_{};
};

struct Totals {
  int seen = 0, synced = 0, duplicate = 0, malformed = 0;
  std::map<std::string, int> skipped;
};

Totals totals_of(const std::vector<Entry>& entries) {
  Totals t;
  for (const auto& e : entries) {
    ++t.seen;
    const std::string_view status = e.status;
    if (status == "synced") ++t.synced;
    if (status == "duplicate") ++t.duplicate;
    if (status == "malformed") ++t.malformed;
    if (status == "skipped") ++t.skipped[e.reason];
  }
  return t;
}

void write_json(std::ostream& out, const Totals& t, const std::vector<Entry>& entries,
                const std::vector<std::pair<std::string, std::string>>& errors,
                const std::map<model::Id, std::string>& first_email) {
  std::string s;
  s.reserve(entries.size() * 128);
  s += "{\"seen\":" + std::to_string(t.seen) + ",\"synced\":" + std::to_string(t.synced) +
       ",\"duplicate\":" + std::to_string(t.duplicate) + ",\"malformed\":" + std::to_string(t.malformed) +
       ",\"skipped\":{";
  bool first = true;
  for (const auto& [reason, n] : t.skipped) {
    if (!first) s += ',';
    first = false;
    model::append_json_string(s, reason);
    s += ':' + std::to_string(n);
  }
  s += "},\"messages\":[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (i > 0) s += ',';
    s += "{\"source\":";
    model::append_json_string(s, e.source);
    s += ",\"status\":";
    model::append_json_string(s, e.status);
    s += ",\"candidates\":[";
    for (std::size_t k = 0; k < e.candidates.size(); ++k) {
      if (k > 0) s += ',';
      model::append_json_string(s, first_email.at(e.candidates[k]));
    }
    s += ']';
    if (!e.reason.empty()) {
      s += ",\"reason\":";
      model::append_json_string(s, e.reason);
    }
    if (!e.detail.empty()) {
      s += ",\"detail\":";
      model::append_json_string(s, e.detail);
    }
    s += '}';
  }
  s += ']';
  if (!errors.empty()) {
    s += ",\"errors\":[";
    for (std::size_t i = 0; i < errors.size(); ++i) {
      if (i > 0) s += ',';
      s += "{\"source\":";
      model::append_json_string(s, errors[i].first);
      s += ",\"error\":";
      model::append_json_string(s, errors[i].second);
      s += '}';
    }
    s += ']';
  }
  s += "}\n";
  out << s;
}

void write_human(std::ostream& out, const Totals& t, const std::vector<Entry>& entries,
                 const std::vector<std::pair<std::string, std::string>>& errors,
                 const std::map<model::Id, std::string>& first_email) {
  for (const auto& [source, error] : errors) out << "unreadable\t" << error << "\n";
  for (const Entry& e : entries) {
    out << e.status << "\t" << e.source;
    if (!e.candidates.empty()) {
      out << "\t-> ";
      for (std::size_t i = 0; i < e.candidates.size(); ++i)
        out << (i ? ", " : "") << first_email.at(e.candidates[i]);
    }
    if (!e.reason.empty()) {
      const auto reason = model::parse_reason(e.reason);
      out << "\t" << e.reason << ": " << (reason ? model::describe(*reason) : "");
      if (!e.detail.empty()) out << " (" << e.detail << ")";
    }
    out << "\n";
  }
  out << "\nseen " << t.seen << ", synced " << t.synced << ", duplicate " << t.duplicate << ", malformed "
      << t.malformed;
  for (const auto& [reason, n] : t.skipped) out << ", " << reason << " " << n;
  out << "\n";
  if (!errors.empty()) out << errors.size() << " file(s) could not be read\n";
}

}  // namespace

int run_import(const CommonOptions& common, const ImportOptions& options, std::ostream& out,
               std::ostream& err) {
  auto files = expand_inputs(options.paths);
  if (!files) {
    err << "hiresync import: " << files.error().detail << "\n";
    return 2;
  }
  auto opened = open_owner_session(common.db, options.owner, "hiresync import", err);
  if (!opened.session) return opened.exit_code;
  OwnerSession& session = *opened.session;
  auto& store = session.store;
  ingest::Ingestor ingestor(*store, session.index, session.owner.scope);

  // Parser threads besides this one, which parses too whenever it has nothing to store.
  const unsigned threads = options.threads > 0
                               ? static_cast<unsigned>(options.threads)
                               : std::min(3U, std::max(2U, std::thread::hardware_concurrency()) - 1);
  std::vector<Entry> entries;
  std::vector<std::pair<std::string, std::string>> errors = files->unreadable;
  std::map<model::Id, std::string> first_email;  // member id -> first listed email, for output
  std::int64_t synced_so_far = 0;

  // Writes go in transactions of about a second: few enough commits that page writes stay cheap
  // (committing every few messages rewrote the same index pages thousands of times), short enough
  // that a long import never holds the write lock for long. A crash loses at most the open
  // transaction, and re-running the import redoes exactly that (ingest is idempotent).
  constexpr auto kCommitEvery = std::chrono::seconds(1);
  std::unique_ptr<store::Transaction> tx;
  auto tx_started = std::chrono::steady_clock::now();
  auto commit = [&]() -> bool {
    if (!tx) return true;
    if (auto st = ingestor.flush_counts(); !st) {
      err << "hiresync import: " << st.error().detail << "\n";
      return false;
    }
    auto st = tx->commit();
    tx.reset();
    if (!st) err << "hiresync import: " << st.error().detail << "\n";
    return st.ok();
  };

  // Ingests one prepared message; std::nullopt on a store error (reported on `err`).
  auto ingest_message = [&](PreparedMessage& pm) -> std::optional<Entry> {
    Entry e;
    e.source = std::move(pm.source);
    if (!pm.incoming) {
      ingestor.count_malformed();
      e.status = "malformed";
      e.reason = "malformed";
      e.detail = std::move(pm.malformed_detail);
      return e;
    }
    PreparedSource source(pm);
    auto r = ingestor.ingest(*pm.incoming, pm.assessed, source);
    if (!r) {
      err << "hiresync import: " << e.source << ": " << r.error().detail << "\n";
      return std::nullopt;
    }
    e.status = ingest::to_string(r->outcome);
    if (r->outcome == ingest::Outcome::kSynced) ++synced_so_far;
    e.candidates = r->member_ids;
    if (r->outcome == ingest::Outcome::kSkipped || r->outcome == ingest::Outcome::kMalformed) {
      e.reason = model::to_string(r->reason);
    }
    e.detail = std::move(r->detail);
    for (model::Id id : e.candidates) {
      if (first_email.count(id) != 0) continue;
      auto m = store->get_member(id);
      first_email.emplace(id, m && !m->emails.empty() ? m->emails.front() : std::to_string(id));
    }
    return e;
  };

  // Ingests one prepared file. Returns false on a store error.
  auto ingest_file = [&](FileWork& work) -> bool {
    if (!tx) {
      auto begun = store->begin("import");
      if (!begun) {
        err << "hiresync import: " << begun.error().detail << "\n";
        return false;
      }
      tx = std::move(*begun);
      tx_started = std::chrono::steady_clock::now();
    }
    if (!work.read_error.empty()) {
      errors.emplace_back(work.path, work.read_error);
      return true;
    }
    for (PreparedMessage& pm : work.messages) {
      auto entry = ingest_message(pm);
      if (!entry) return false;
      entries.push_back(std::move(*entry));
    }
    if (std::chrono::steady_clock::now() - tx_started >= kCommitEvery) return commit();
    return true;
  };

  Progress progress(err, files->files.size());
  bool ok = true;
  {
    std::vector<FileWork> work(files->files.size());
    OrderedPool pool(files->files.size(), threads, kWindowFiles, [&](std::size_t i) {
      thread_local std::string buffer;
      work[i].path = files->files[i];
      prepare_file(work[i], ingestor, buffer);
    });
    for (std::size_t i = 0; i < files->files.size() && ok; ++i) {
      pool.await(i);
      ok = ingest_file(work[i]);
      work[i] = FileWork{};  // done: free its messages now
      progress.update(i + 1, synced_so_far, i + 1 == files->files.size());
    }
  }
  const Totals totals = totals_of(entries);
  if (ok) {
    // Part of the last transaction when one is open, rather than a commit of its own.
    auto audited =
        store->audit("cli", "import", options.owner,
                     std::to_string(totals.seen) + " seen, " + std::to_string(totals.synced) + " synced");
    ok = audited.ok();
  }
  if (ok) ok = commit();
  progress.finish();

  if (options.json) {
    write_json(out, totals, entries, errors, first_email);
  } else {
    write_human(out, totals, entries, errors, first_email);
  }
  if (!ok) return 1;
  return errors.empty() ? 0 : 1;
}

}  // namespace hiresync::app
