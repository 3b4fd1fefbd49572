"""Issue 11 point 7: Gmail's quota table from the configuration, and metadata fetched in Gmail
batch requests (the sandbox answers /batch/gmail/v1 in reverse order, and refuses the parts above
its per-user concurrency cap with 429)."""
import time
import unittest

from harness import StackTest, World, message, wait_until


class GmailBatchBackfill(StackTest):
    # The sandbox runs a batch's parts at once: with 4 in flight allowed, a batch of 10 gets six
    # per-part 429s, which the engine must send again, alone.
    sandbox_args = ("--gmail-max-concurrent", "4")
    sync_config = {"gmail_batch_size": 10}

    def test_backfill_fetches_headers_in_batches_and_retries_refused_parts(self):
        st = self.stack
        world = World(st)
        st.add_account(world.recruiter)
        old = int((time.time() - 10 * 86400) * 1000)
        mail = [("inbox", message(world.candidate_email, world.recruiter, f"b{n:02d}", f"b{n}@c.example"), old + n)
                for n in range(25)]
        mail += [("inbox", message(f"x{n}@noise.example", world.recruiter, f"n{n}", f"n{n}@n.example"), old + n)
                 for n in range(25)]
        st.deliver_bulk(world.recruiter, mail)
        _, location = world.authorize()
        self.assertIn("result=connected", location)
        world.wait_live(timeout=30)
        self.assertEqual(world.message_ids(), sorted(f"b{n:02d}" for n in range(25)))
        stats = st.stats(world.recruiter)
        self.assertGreaterEqual(stats["endpoints"]["batch"], 3, stats)  # 25 ids in batches of 10
        self.assertGreaterEqual(stats["batched_calls"], 25, stats)
        self.assertGreater(stats["rejected"]["429"], 0, stats)  # refused parts were sent again
        self.assertLess(stats["http_requests"], stats["endpoints"]["messages.get.metadata"] +
                        stats["endpoints"]["messages.get.raw"], stats)
        s, mb = world.mailbox()
        self.assertEqual(mb["failed_fetches"], 0, mb)


class GmailQuotaFromConfig(StackTest):
    # messages.get at 2,500 units under the 2026 budget of 6,000 a minute: one candidate message
    # (headers + content, 5,000 units) fits; a second one must wait for the window to slide.
    sync_config = {"gmail_quota": '{ base = "2026", messages_get = 2500 }'}
    sandbox_args = ("--gmail-user-quota", "1000000")

    def test_the_engine_budgets_by_the_configured_table(self):
        world = self.live_world()
        st = self.stack
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "first", "q1@c.example"))
        wait_until(lambda: world.message_ids() == ["first"], timeout=10, what="the first message")
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "second", "q2@c.example"))
        time.sleep(4)
        self.assertEqual(world.message_ids(), ["first"])  # held back by the engine's own budget
        self.assertEqual(st.stats(world.recruiter)["rejected"]["403"], 0)


class GmailQuotaDefault(StackTest):
    sandbox_args = ("--gmail-user-quota", "1000000")

    def test_with_the_default_table_both_messages_pass_at_once(self):
        world = self.live_world()
        st = self.stack
        for subject in ("first", "second"):
            st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, subject,
                                                f"{subject}@c.example"))
        wait_until(lambda: world.message_ids() == ["first", "second"], timeout=4, what="both messages")


if __name__ == "__main__":
    unittest.main()
