#include "app/context.hpp"

#include <cstdlib>
#include <filesystem>
#include <ostream>

#include "ingest/candidates.hpp"
#include "match/canonical.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/sql/sql_store.hpp"

namespace hiresync::app {

using model::ErrorCode;
using model::make_error;

std::string resolve_db_path(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("HIRESYNC_DB"); env != nullptr && *env != '\0') return env;
  return "./hiresync-data/hiresync.db";
}

model::Result<std::unique_ptr<store::Store>> open_store(const std::string& path) {
  // A shared PostgreSQL database is migrated by `hiresync migrate`, an operator's step, never by a
  // node starting up; a SQLite file belongs to this one process and migrates itself on open.
  if (store::postgres::is_postgres_uri(path)) {
    auto opened = store::SqlStore::open_current(path);
    if (!opened) return opened.error();
    return std::unique_ptr<store::Store>(std::move(*opened));
  }
  const std::filesystem::path p(path);
  if (p.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec)
      return make_error(ErrorCode::kInvalidArgument,
                        "cannot create " + p.parent_path().string() + ": " + ec.message());
  }
  auto opened = store::SqlStore::open(path);
  if (!opened) return opened.error();
  return std::unique_ptr<store::Store>(std::move(*opened));
}

model::Result<match::CandidateIndex> load_index(store::Store& store, model::Id contract_id) {
  return ingest::load_index(store, contract_id);
}

model::Result<OwnerContext> load_owner(store::Store& store, const std::string& owner_email) {
  OwnerContext ctx;
  auto user = store.find_user_by_email(owner_email);
  if (!user) {
    if (user.error().code == ErrorCode::kNotFound) {
      return make_error(ErrorCode::kNotFound,
                        "no user with email " + owner_email + " (add them with `hiresync seed` first)");
    }
    return user.error();
  }
  ctx.user = *user;
  auto contract = store.get_contract(ctx.user.contract_id);
  if (!contract) return contract.error();
  ctx.contract = *contract;
  auto canonical = match::canonical_address(ctx.user.email);
  if (!canonical)
    return make_error(ErrorCode::kInvalidArgument, "the user's email is not an address: " + ctx.user.email);
  auto mailbox = store.ensure_mailbox(ctx.user.id, "import", ctx.user.email, *canonical);
  if (!mailbox) return mailbox.error();
  ctx.mailbox = *mailbox;

  ctx.scope.mailbox_id = ctx.mailbox.id;
  ctx.scope.owner_user_id = ctx.user.id;
  ctx.scope.contract_id = ctx.contract.id;
  // Rule 1: an offline import stands in for whichever provider the contract chose, so it syncs
  // exactly when the contract has syncing on.
  ctx.scope.match.sync_enabled = ctx.contract.settings.email_provider != model::EmailProvider::kNone;
  ctx.scope.match.owner_address = ctx.user.email;
  ctx.scope.match.internal_domains = ctx.contract.settings.internal_domains;
  return ctx;
}

SessionOrExit open_owner_session(const std::string& db, const std::string& owner_email, const char* command,
                                 std::ostream& err) {
  SessionOrExit out;
  auto store = open_store(db);
  if (!store) {
    err << command << ": cannot open the database " << db << ": " << store.error().detail << "\n";
    out.exit_code = 1;
    return out;
  }
  auto owner = load_owner(**store, owner_email);
  if (!owner) {
    err << command << ": " << owner.error().detail << "\n";
    out.exit_code = owner.error().code == ErrorCode::kNotFound ? 2 : 1;
    return out;
  }
  auto index = load_index(**store, owner->contract.id);
  if (!index) {
    err << command << ": cannot load candidates: " << index.error().detail << "\n";
    out.exit_code = 1;
    return out;
  }
  out.session =
      std::make_unique<OwnerSession>(OwnerSession{std::move(*store), std::move(*owner), std::move(*index)});
  return out;
}

}  // namespace hiresync::app
