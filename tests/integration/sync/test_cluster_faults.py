"""Issue 12, point 6: the cluster's faults, against the sandbox with three nodes on one PostgreSQL.

- kill -9 of the node holding a mailbox in the middle of its backfill, while mail keeps coming:
  every candidate message visible exactly once within the lease period + 5 s;
- SIGSTOP of the holder past its lease, then SIGCONT: the woken node writes nothing (its lease's
  epoch is gone), so no message is doubled and the cursor does not move back;
- a PostgreSQL restart (`pg_ctl restart -m fast`) while mail arrives: the nodes reconnect by
  themselves (same processes) and nothing is lost.
(A webhook sent to a node that does not hold the mailbox: test_cluster.py.)
Always PostgreSQL, whatever HIRESYNC_TEST_BACKEND.
"""
import os
import signal
import threading
import time
import unittest

from harness import World, message, postgres, wait_until
import test_cluster
from test_cluster import LEASE_MS, ClusterStack

LEASE_S = LEASE_MS / 1000.0


class ClusterFaultTest(test_cluster.ClusterCase):
    # A fallback poll every 2 s, as FaultTest's: a push that reaches a node while the database is
    # away is answered with an error, and the poll catches its message.
    sandbox_args = ()
    sync_config = {"poll_interval_s": 2, "push_hot_window_ms": 0}

    def setUp(self):
        self.stack = ClusterStack(nodes=self.nodes, sandbox_args=self.sandbox_args, sync_config=self.sync_config)

    def other_than(self, index):
        return (index + 1) % self.nodes

    def cursor_of(self, address):
        return self.stack.db_query("SELECT cursor FROM mailboxes WHERE address = ?", address)[0][0]


class KillDuringBackfill(ClusterFaultTest):
    # Every Gmail answer 50 ms late: a backfill of 30 messages takes a couple of seconds, long
    # enough to kill its node in the middle of it.
    sandbox_args = ("--gmail-latency-ms", "50")

    def test_kill_9_of_the_holder_mid_backfill_while_mail_keeps_coming(self):
        st = self.stack
        world = World(st, domain="acme-backlog.example")
        st.add_account(world.recruiter)
        now_ms = int(time.time() * 1000)
        backlog = [f"backlog {i:02d}" for i in range(30)]
        st.deliver_bulk(world.recruiter, [
            ("inbox", message(world.candidate_email, world.recruiter, subject, f"backlog-{i}@c.example"),
             now_ms - (i + 1) * 3600_000) for i, subject in enumerate(backlog)])
        _, location = world.authorize()
        self.assertIn("result=connected", location)

        def backfilling():
            status, mailbox = world.mailbox()
            return mailbox if status == 200 and mailbox["status"] == "backfilling" else None
        wait_until(backfilling, timeout=20, interval=0.02, what="the backfill under way")
        seen = len(world.message_ids())
        holder = st.holder_index(world.recruiter)
        self.assertIsNotNone(holder)
        st.stop_node(holder, signal.SIGKILL)
        killed_at = time.monotonic()
        st.target = self.other_than(holder)

        live = []
        for i in range(4):  # deliveries go on while the lease runs out
            time.sleep(1.1)  # Gmail's one push per second per user
            subject = f"live {i}"
            st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, subject, f"live-{i}@c.example"))
            live.append(subject)
        expected = sorted(backlog + live)
        wait_until(lambda: world.message_ids() == expected, timeout=max(1.0, killed_at + LEASE_S + 5 - time.monotonic()),
                   interval=0.1, what="every message visible once, within the lease + 5 s of the kill")
        time.sleep(1.0)
        self.assertEqual(world.message_ids(), expected)  # and nothing doubled afterwards
        self.assertLess(seen, len(backlog))  # killed before the backfill had stored everything
        new_holder = st.holder_index(world.recruiter)
        self.assertNotIn(new_holder, (None, holder))


class PauseHolderPastItsLease(ClusterFaultTest):
    # Every Gmail answer 300 ms late, so a run is in flight for a while: the pause catches the
    # holder in the middle of one, about to write.
    sandbox_args = ("--gmail-latency-ms", "300")

    def test_sigstop_past_the_lease_then_sigcont_writes_nothing(self):
        st = self.stack
        world = self.live_worlds(1)[0]
        holder = st.holder_index(world.recruiter)
        _, epoch, _ = st.lease_of(world.recruiter)
        paused = st.nodes[holder]
        st.target = self.other_than(holder)

        time.sleep(1.1)
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "before the pause",
                                            "before-pause@c.example"))
        time.sleep(0.4)  # its push has woken the holder, whose run now waits on the slow sandbox
        os.kill(paused.pid, signal.SIGSTOP)
        try:
            stopped_at = time.monotonic()

            def taken_over():
                index = st.holder_index(world.recruiter)
                return index is not None and index != holder
            wait_until(taken_over, timeout=LEASE_S + 5, what="another node taking the lapsed lease")
            self.assertLess(time.monotonic() - stopped_at, LEASE_S + 5)
            wait_until(lambda: world.message_ids() == ["before the pause"], timeout=10,
                       what="the message synced by the new holder")
            time.sleep(1.1)
            st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "while paused",
                                                "while-paused@c.example"))
            wait_until(lambda: world.message_ids() == ["before the pause", "while paused"], timeout=10,
                       what="mail of the paused time synced by the new holder")
            _, new_epoch, _ = st.lease_of(world.recruiter)
            self.assertGreater(new_epoch, epoch)
            cursor = self.cursor_of(world.recruiter)
        finally:
            os.kill(paused.pid, signal.SIGCONT)

        # The woken node goes on with the run it was in: every write it tries is refused (lease
        # lost), so nothing is doubled and the cursor stays where the new holder left it.
        time.sleep(3.0)
        self.assertIsNone(paused.poll(), "the paused node must survive losing its lease")
        self.assertEqual(world.message_ids(), ["before the pause", "while paused"])
        self.assertEqual(self.cursor_of(world.recruiter), cursor)
        # And the mailbox goes on from there.
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "after waking",
                                            "after-waking@c.example"))
        wait_until(lambda: world.message_ids() == ["after waking", "before the pause", "while paused"],
                   timeout=10, what="the next message, once")


class PostgresRestart(ClusterFaultTest):
    def test_nodes_ride_through_a_postgres_restart_and_lose_nothing(self):
        st = self.stack
        worlds = self.live_worlds(3)
        self.wait_spread([1, 1, 1])
        pids = [p.pid for p in st.nodes]
        for w in worlds:
            st.deliver(w.recruiter, message(w.candidate_email, w.recruiter, "before", f"before-{w.recruiter}"))
        for w in worlds:
            wait_until(lambda w=w: w.message_ids() == ["before"], timeout=10, what="mail before the restart")

        restarted = threading.Event()
        failure = []

        def restart():
            try:
                postgres().restart()
            except Exception as e:  # reported below, in the test's thread
                failure.append(e)
            restarted.set()
        threading.Thread(target=restart, daemon=True).start()
        for w in worlds:  # mail lands while the database goes down and comes back
            time.sleep(0.2)
            st.deliver(w.recruiter, message(w.candidate_email, w.recruiter, "during", f"during-{w.recruiter}"))
        restarted.wait(timeout=90)
        self.assertEqual(failure, [])
        time.sleep(1.1)
        for w in worlds:
            st.deliver(w.recruiter, message(w.candidate_email, w.recruiter, "after", f"after-{w.recruiter}"))
        for w in worlds:
            wait_until(lambda w=w: w.message_ids() == ["after", "before", "during"], timeout=20,
                       what="every message once, after the restart")
        time.sleep(1.0)
        for w in worlds:
            self.assertEqual(w.message_ids(), ["after", "before", "during"])
        # The same processes, back at work: heartbeats fresh, the mailboxes still spread.
        self.assertEqual([p.pid for p in st.nodes], pids)
        self.assertTrue(all(p.poll() is None for p in st.nodes))
        self.wait_spread([1, 1, 1])


if __name__ == "__main__":
    unittest.main()
