// ClusterStore (store/cluster_store.hpp): leases spread and change hands with a growing epoch, a
// fenced write after the lease is lost writes nothing, released leases are claimable at once,
// wakeups reach the holder only. Written against the Store and ClusterStore interfaces; each "node"
// and each worker opens a store object of its own, as in serve. Runs on both backends
// (store/testing/test_database.hpp), where PostgreSQL's SKIP LOCKED, FOR SHARE and pg_notify are real.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/cluster_store.hpp"
#include "store/sql/sql_store.hpp"
#include "store/testing/test_database.hpp"

namespace hiresync::store {
namespace {

constexpr std::int64_t kLeaseMs = 10000;

class ClusterStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hiresync-cluster-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = testing::test_database((dir_ / "test.db").string());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A store object of its own (a node's heartbeat thread, a worker, an API thread).
  std::unique_ptr<SqlStore> open() {
    auto s = SqlStore::open(db_);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().detail);
    return s.ok() ? std::move(*s) : nullptr;
  }

  // `n` connected Google mailboxes of one contract (one user each), by id.
  std::vector<Id> seed_mailboxes(Store& s, int n) {
    model::ContractSettings settings;
    settings.email_provider = model::EmailProvider::kGoogle;
    contract_ = *s.upsert_contract("Acme", settings);
    std::vector<Id> ids;
    for (int i = 0; i < n; ++i) {
      const std::string email = "r" + std::to_string(i) + "@acme.com";
      const Id user = *s.upsert_user(model::User{0, contract_, email, "R", model::UserRole::kUser}, "h");
      auto mb = s.connect_mailbox(user, "google", email, email, "");
      EXPECT_TRUE(mb.ok());
      ids.push_back(mb->id);
      users_.push_back(user);
    }
    return ids;
  }

  static std::vector<Id> ids_of(const std::vector<Lease>& leases) {
    std::vector<Id> out;
    for (const auto& l : leases) out.push_back(l.mailbox_id);
    return out;
  }

  std::filesystem::path dir_;
  std::string db_;
  Id contract_ = 0;
  std::vector<Id> users_;
};

TEST_F(ClusterStoreTest, ClaimsSpreadMailboxesBetweenNodes) {
  auto a = open();
  auto b = open();
  const auto ids = seed_mailboxes(*a, 4);
  EXPECT_EQ(*a->syncable_count(), 4);
  auto first = a->claim("a", 0, kLeaseMs, 2);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, (std::vector<Lease>{{ids[0], 1}, {ids[1], 1}}));
  auto second = b->claim("b", 0, kLeaseMs, 10);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(ids_of(*second), (std::vector<Id>{ids[2], ids[3]}));
  EXPECT_TRUE(a->claim("a", 1, kLeaseMs, 10)->empty());  // nothing left: all held and live

  ASSERT_TRUE(a->heartbeat("a", "127.0.0.1:1", 5, 3).ok());
  ASSERT_TRUE(b->heartbeat("b", "127.0.0.1:2", 6, 0).ok());
  auto nodes = a->cluster_nodes(7);
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].id, "a");
  EXPECT_EQ((*nodes)[0].address, "127.0.0.1:1");
  EXPECT_EQ((*nodes)[0].heartbeat_at_ms, 5);
  EXPECT_EQ((*nodes)[0].queue_depth, 3);
  EXPECT_EQ((*nodes)[0].mailboxes, 2);
  EXPECT_EQ((*nodes)[1].mailboxes, 2);
  // Once they lapse, the listing no longer counts them.
  EXPECT_EQ((*a->cluster_nodes(kLeaseMs + 1))[0].mailboxes, 0);
}

TEST_F(ClusterStoreTest, ALapsedLeaseIsTakenOverWithAHigherEpoch) {
  auto a = open();
  auto b = open();
  const auto ids = seed_mailboxes(*a, 1);
  ASSERT_EQ(*a->claim("a", 0, kLeaseMs, 1), (std::vector<Lease>{{ids[0], 1}}));
  EXPECT_TRUE(b->claim("b", kLeaseMs - 1, kLeaseMs, 1)->empty());  // still live
  EXPECT_EQ(*b->claim("b", kLeaseMs, kLeaseMs, 1), (std::vector<Lease>{{ids[0], 2}}));
  // The old holder's renewal finds nothing: it has lost the mailbox.
  EXPECT_TRUE(a->renew("a", kLeaseMs + 1, kLeaseMs)->empty());
  EXPECT_EQ(*b->renew("b", kLeaseMs + 1, kLeaseMs), (std::vector<Lease>{{ids[0], 2}}));
  // And the next holder change raises it again.
  EXPECT_EQ(*a->claim("a", 3 * kLeaseMs, kLeaseMs, 1), (std::vector<Lease>{{ids[0], 3}}));
}

TEST_F(ClusterStoreTest, RenewalKeepsALapsedLeaseNobodyTookAtItsEpoch) {
  auto a = open();
  const auto ids = seed_mailboxes(*a, 1);
  ASSERT_EQ(a->claim("a", 0, kLeaseMs, 1)->size(), 1u);
  EXPECT_EQ(*a->renew("a", 5 * kLeaseMs, kLeaseMs), (std::vector<Lease>{{ids[0], 1}}));
  // Renewed: live again, so another node cannot take it.
  EXPECT_TRUE(a->claim("b", 5 * kLeaseMs + 1, kLeaseMs, 1)->empty());
}

TEST_F(ClusterStoreTest, AFencedWriteAfterTheLeaseIsLostWritesNothing) {
  auto a = open();
  auto b = open();
  auto worker = open();  // node a's worker, running the mailbox
  const auto ids = seed_mailboxes(*a, 1);
  const Id mb = ids[0];
  ASSERT_EQ(a->claim("a", 0, kLeaseMs, 1)->size(), 1u);
  worker->set_fence(mb, "a", 1);
  ASSERT_TRUE(worker->save_cursor(mb, "c1").ok());  // still the holder: written

  // Node a pauses past its lease; node b takes the mailbox over.
  ASSERT_EQ(*b->claim("b", kLeaseMs, kLeaseMs, 1), (std::vector<Lease>{{mb, 2}}));

  auto cursor = worker->save_cursor(mb, "c2");
  ASSERT_FALSE(cursor.ok());
  EXPECT_TRUE(is_lease_lost(cursor.error())) << cursor.error().detail;
  NewMessage m;
  m.mailbox_id = mb;
  m.owner_user_id = users_[0];
  m.contract_id = contract_;
  m.provider_message_id = "p1";
  m.content.headers.message_id = "1@x";
  auto inserted = worker->insert_message(m);
  ASSERT_FALSE(inserted.ok());
  EXPECT_TRUE(is_lease_lost(inserted.error()));
  EXPECT_TRUE(is_lease_lost(worker->set_mailbox_state(mb, "live", "", "", 0).error()));
  EXPECT_TRUE(is_lease_lost(worker->mark_seen(mb, "p1").error()));
  {  // inside the run's own transaction too: nothing of it commits
    auto tx = worker->begin("page");
    ASSERT_TRUE(tx.ok());
    EXPECT_TRUE(is_lease_lost(worker->insert_message(m).error()));
  }

  auto after = b->get_mailbox(mb);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->cursor, "c1");
  EXPECT_EQ(after->state, "connecting");
  EXPECT_EQ(*b->count_messages(mb), 0);
  EXPECT_FALSE(*b->was_seen(mb, "p1"));

  // Without a fence (API threads, a single node) writes go through as always.
  worker->clear_fence();
  EXPECT_TRUE(worker->save_cursor(mb, "c3").ok());
  // The new holder's fenced worker writes.
  auto theirs = open();
  theirs->set_fence(mb, "b", 2);
  EXPECT_TRUE(theirs->save_cursor(mb, "c4").ok());
}

TEST_F(ClusterStoreTest, ReleasedLeasesAreClaimableAtOnce) {
  auto a = open();
  auto b = open();
  auto worker = open();
  const auto ids = seed_mailboxes(*a, 3);
  ASSERT_EQ(a->claim("a", 0, kLeaseMs, 3)->size(), 3u);
  worker->set_fence(ids[0], "a", 1);

  ASSERT_TRUE(a->release("a", {ids[0]}).ok());
  // The releasing node's own writes stop at once, before anyone takes it.
  EXPECT_TRUE(is_lease_lost(worker->save_cursor(ids[0], "x").error()));
  EXPECT_EQ(*b->claim("b", 1, kLeaseMs, 3), (std::vector<Lease>{{ids[0], 2}}));
  EXPECT_EQ(ids_of(*a->renew("a", 2, kLeaseMs)), (std::vector<Id>{ids[1], ids[2]}));

  // A node that stops hands back everything and leaves the listing.
  ASSERT_TRUE(a->heartbeat("a", "h:1", 2, 0).ok());
  ASSERT_TRUE(a->remove_node("a", 3).ok());
  EXPECT_TRUE(a->renew("a", 3, kLeaseMs)->empty());
  EXPECT_TRUE(a->cluster_nodes(3)->empty());
  EXPECT_EQ(ids_of(*b->claim("b", 3, kLeaseMs, 3)), (std::vector<Id>{ids[1], ids[2]}));
}

TEST_F(ClusterStoreTest, LeasesOfMailboxesNoLongerSyncableAreDropped) {
  auto a = open();
  const auto ids = seed_mailboxes(*a, 2);
  ASSERT_EQ(a->claim("a", 0, kLeaseMs, 2)->size(), 2u);
  ASSERT_TRUE(a->set_mailbox_state(ids[1], "disconnected", "", "", 0).ok());
  EXPECT_EQ(*a->syncable_count(), 1);
  EXPECT_EQ(ids_of(*a->renew("a", 1, kLeaseMs)), (std::vector<Id>{ids[0]}));
  EXPECT_TRUE(a->claim("b", 2 * kLeaseMs, kLeaseMs, 5)->size() == 1u);  // only the syncable one
}

TEST_F(ClusterStoreTest, WakeupsAreTakenByTheHolderOnly) {
  auto a = open();
  auto b = open();
  auto api = open();  // the node a request landed on, holding nothing
  const auto ids = seed_mailboxes(*a, 3);
  ASSERT_EQ(a->claim("a", 0, kLeaseMs, 1)->size(), 1u);  // ids[0]
  ASSERT_EQ(b->claim("b", 0, kLeaseMs, 1)->size(), 1u);  // ids[1]

  ASSERT_TRUE(api->request_wakeup(ids[0], 10, 0).ok());
  ASSERT_TRUE(api->request_wakeup(ids[0], 11, kWakePush).ok());  // merges: a push now
  ASSERT_TRUE(api->request_wakeup(ids[0], 11, kWakeDropWatchState).ok());
  ASSERT_TRUE(*api->request_wakeup(ids[1], 12, kWakeRenewWatch));
  // Nobody holds it yet: the answer says so (the nodes are told to claim it).
  ASSERT_FALSE(*api->request_wakeup(ids[2], 13, 0));

  auto for_b = b->take_wakeups("b");
  ASSERT_TRUE(for_b.ok());
  ASSERT_EQ(for_b->size(), 1u);
  EXPECT_EQ((*for_b)[0].mailbox_id, ids[1]);
  EXPECT_EQ((*for_b)[0].flags, kWakeRenewWatch);
  auto for_a = a->take_wakeups("a");
  ASSERT_EQ(for_a->size(), 1u);
  EXPECT_EQ((*for_a)[0].mailbox_id, ids[0]);
  EXPECT_EQ((*for_a)[0].flags, kWakePush | kWakeDropWatchState);
  EXPECT_TRUE(a->take_wakeups("a")->empty());  // taken once

  // The unheld mailbox's wakeup waits for whoever claims it.
  ASSERT_EQ(b->claim("b", 20, kLeaseMs, 1)->size(), 1u);
  auto later = b->take_wakeups("b");
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].mailbox_id, ids[2]);
}

}  // namespace
}  // namespace hiresync::store
