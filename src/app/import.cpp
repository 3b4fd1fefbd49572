// `hiresync import`: the ingest pipeline over files, as the mailbox of one user.
//
// Files are handled in chunks. Within a chunk, worker threads read each file, split it into
// messages, parse the headers only and apply the matching rules (all read-only work); then this
// thread ingests the chunk's messages in input order, so output and database contents do not
// depend on thread timing. Only matched messages are fully parsed and stored (by ingest).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "app/commands.hpp"
#include "app/context.hpp"
#include "app/sources.hpp"
#include "crypto/crypto.hpp"
#include "mime/mime.hpp"

namespace hiresync::app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kChunkFiles = 512;

struct PreparedMessage {
  std::string source;
  std::optional<ingest::IncomingMessage> incoming;  // empty when the headers were malformed
  std::string malformed_detail;
  match::MatchResult assessed;
  std::string_view raw;  // into FileWork::content; valid while the chunk lives
};

struct FileWork {
  fs::path path;
  std::string content;
  std::string read_error;
  std::vector<PreparedMessage> messages;
};

// Import has the bytes already: "fetching" the full message is handing them over.
class BufferSource final : public ingest::MessageSource {
 public:
  explicit BufferSource(std::string_view raw) : raw_(raw) {}
  model::Result<std::string> fetch_raw() override { return std::string(raw_); }

 private:
  std::string_view raw_;
};

// The idempotency key of a file message: its Message-ID, else a digest of its bytes.
std::string provider_id_for(const model::MessageHeaders& h, std::string_view raw) {
  if (!h.message_id.empty()) return "mid:" + h.message_id;
  return "sha256:" + crypto::digest_hex(raw);
}

void prepare_file(FileWork& work, const ingest::Ingestor& ingestor) {
  if (auto st = read_file(work.path, work.content); !st) {
    work.read_error = st.error().detail;
    return;
  }
  bool any_matched = false;
  for (const FoundMessage& found : split_messages(work.content)) {
    PreparedMessage pm;
    pm.source = source_label(work.path, found);
    pm.raw = found.raw;
    auto headers = mime::parse_headers(found.raw);
    if (!headers) {
      pm.malformed_detail = headers.error().detail;
    } else {
      pm.assessed = ingestor.assess(*headers);
      ingest::IncomingMessage in;
      in.provider_message_id = provider_id_for(*headers, found.raw);
      in.headers = std::move(*headers);
      pm.incoming = std::move(in);
      any_matched = any_matched || pm.assessed.reason == model::Reason::kMatched;
    }
    work.messages.push_back(std::move(pm));
  }
  if (!any_matched) {
    // Unmatched mail is never kept, not even in memory past this point.
    for (auto& m : work.messages) m.raw = {};
    std::string().swap(work.content);
  }
}

void prepare_chunk(std::vector<FileWork>& chunk, const ingest::Ingestor& ingestor, unsigned threads) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < chunk.size(); i = next++) prepare_file(chunk[i], ingestor);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
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

}  // namespace

int run_import(const CommonOptions& common, const ImportOptions& options, std::ostream& out,
               std::ostream& err) {
  auto files = expand_inputs(options.paths);
  if (!files) {
    err << "hiresync import: " << files.error().detail << "\n";
    return 2;
  }
  auto store = open_store(common.db);
  if (!store) {
    err << "hiresync import: cannot open the database " << common.db << ": " << store.error().detail << "\n";
    return 1;
  }
  auto owner = load_owner(**store, options.owner);
  if (!owner) {
    err << "hiresync import: " << owner.error().detail << "\n";
    return 2;
  }
  auto index = load_index(**store, owner->contract.id);
  if (!index) {
    err << "hiresync import: cannot load candidates: " << index.error().detail << "\n";
    return 1;
  }
  ingest::Ingestor ingestor(**store, *index, owner->scope);

  const unsigned threads = options.threads > 0
                               ? static_cast<unsigned>(options.threads)
                               : std::max(1U, std::min(4U, std::thread::hardware_concurrency()));
  json messages = json::array();
  json errors = json::array();
  std::map<model::Id, std::string> first_email;  // member id -> first listed email, for output
  auto email_of = [&](model::Id id) -> const std::string& {
    auto it = first_email.find(id);
    if (it == first_email.end()) {
      auto m = (*store)->get_member(id);
      it = first_email.emplace(id, m && !m->emails.empty() ? m->emails.front() : std::to_string(id)).first;
    }
    return it->second;
  };

  Progress progress(err, files->size());
  std::int64_t synced = 0;
  int failure = 0;
  for (std::size_t begin = 0; begin < files->size() && failure == 0; begin += kChunkFiles) {
    const std::size_t end = std::min(files->size(), begin + kChunkFiles);
    std::vector<FileWork> chunk(end - begin);
    for (std::size_t i = begin; i < end; ++i) chunk[i - begin].path = (*files)[i];
    prepare_chunk(chunk, ingestor, threads);

    auto tx = (*store)->begin("import_chunk");
    if (!tx) {
      err << "hiresync import: " << tx.error().detail << "\n";
      return 1;
    }
    for (FileWork& work : chunk) {
      if (!work.read_error.empty()) {
        errors.push_back({{"source", work.path.string()}, {"error", work.read_error}});
        if (!options.json) out << "unreadable " << work.read_error << "\n";
        continue;
      }
      for (PreparedMessage& pm : work.messages) {
        json entry{{"source", pm.source}};
        if (!pm.incoming) {
          ingestor.count_malformed();
          entry["status"] = "malformed";
          entry["reason"] = "malformed";
          entry["detail"] = pm.malformed_detail;
        } else {
          BufferSource source(pm.raw);
          auto r = ingestor.ingest(*pm.incoming, pm.assessed, source);
          if (!r) {
            err << "hiresync import: " << pm.source << ": " << r.error().detail << "\n";
            failure = 1;
            break;
          }
          entry["status"] = ingest::to_string(r->outcome);
          json candidates = json::array();
          for (model::Id id : r->member_ids) candidates.push_back(email_of(id));
          entry["candidates"] = std::move(candidates);
          if (r->outcome == ingest::Outcome::kSynced) ++synced;
          if (r->outcome == ingest::Outcome::kSkipped || r->outcome == ingest::Outcome::kMalformed) {
            entry["reason"] = model::to_string(r->reason);
          }
          if (!r->detail.empty()) entry["detail"] = r->detail;
        }
        if (!options.json) {
          out << entry["status"].get<std::string>() << "\t" << pm.source;
          if (entry.contains("candidates") && !entry["candidates"].empty()) {
            out << "\t-> ";
            for (std::size_t i = 0; i < entry["candidates"].size(); ++i) {
              out << (i ? ", " : "") << entry["candidates"][i].get<std::string>();
            }
          }
          if (entry.contains("reason")) {
            const auto reason = model::parse_reason(entry["reason"].get<std::string>());
            out << "\t" << entry["reason"].get<std::string>() << ": "
                << (reason ? model::describe(*reason) : "");
          }
          out << "\n";
        }
        messages.push_back(std::move(entry));
      }
      if (failure != 0) break;
    }
    if (failure == 0) {
      if (auto st = ingestor.flush_counts(); !st) {
        err << "hiresync import: " << st.error().detail << "\n";
        failure = 1;
      }
    }
    if (failure == 0) {
      if (auto st = (*tx)->commit(); !st) {
        err << "hiresync import: " << st.error().detail << "\n";
        failure = 1;
      }
    }
    progress.update(end, synced, end == files->size());
  }
  progress.finish();

  const bool unreadable_inputs = !errors.empty();
  // Totals from the per-message outcomes of this run.
  json summary{{"seen", 0}, {"synced", 0}, {"duplicate", 0}, {"malformed", 0}, {"skipped", json::object()}};
  for (const auto& m : messages) {
    summary["seen"] = summary["seen"].get<int>() + 1;
    const std::string status = m["status"];
    if (status == "skipped") {
      const std::string reason = m["reason"];
      summary["skipped"][reason] = summary["skipped"].value(reason, 0) + 1;
    } else {
      summary[status] = summary[status].get<int>() + 1;
    }
  }
  if (options.json) {
    summary["messages"] = std::move(messages);
    if (!errors.empty()) summary["errors"] = std::move(errors);
    out << summary.dump() << "\n";
  } else {
    out << "\nseen " << summary["seen"] << ", synced " << summary["synced"] << ", duplicate "
        << summary["duplicate"] << ", malformed " << summary["malformed"];
    for (const auto& [reason, n] : summary["skipped"].items()) out << ", " << reason << " " << n;
    out << "\n";
    if (unreadable_inputs) out << errors.size() << " file(s) could not be read\n";
  }
  (void)(*store)->audit("cli", "import", options.owner,
                        summary["seen"].dump() + " seen, " + summary["synced"].dump() + " synced");
  if (failure != 0) return failure;
  return unreadable_inputs ? 1 : 0;
}

}  // namespace hiresync::app
