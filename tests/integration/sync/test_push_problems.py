"""Issue 11 point 8: push that silently fails is raised to the operator (GET /api/ops/problems, a
log line once per cause) and to the contract's admin (GET /api/contract/problems), while the
mailbox keeps syncing by polling."""
import time
import unittest

from harness import StackTest, World, message, wait_until


def problems(st, token=None):
    s, body = st.api("GET", "/api/contract/problems", None, token) if token else st.ops("GET", "/api/ops/problems")
    assert s == 200, (s, body)
    return body["problems"]


class SubscriptionRefused(StackTest):
    provider = "microsoft"
    sync_config = {"poll_interval_s": 2}

    def test_a_refused_subscription_is_raised_and_the_mailbox_keeps_polling(self):
        st = self.stack
        world = World(st, provider="microsoft")
        other = World(st, provider="microsoft", domain="other.example")
        st.add_account(world.recruiter, provider="microsoft")
        # Graph refuses the subscriptions (inbox, sent items) as it does when our notification URL
        # fails its validation request (sandbox/README.md: 400 ValidationError).
        st.fault(account=world.recruiter, provider="microsoft", status=400, count=2, endpoint="subscriptions",
                 code="ValidationError",
                 message="Subscription validation request failed. Notification endpoint must respond with "
                         "200 OK to validation request.")
        _, location = world.authorize()
        self.assertIn("result=connected", location)
        world.wait_live()

        def listed():
            found = [p for p in problems(st) if p["cause"] == "subscription_failed"]
            return found or None
        [p] = wait_until(listed, timeout=15, what="subscription_failed on /api/ops/problems")
        self.assertEqual((p["scope"], p["contract_id"], p["provider"]), ("mailbox", world.contract_id, "microsoft"), p)
        self.assertGreaterEqual(p["count"], 1)
        self.assertTrue(p["since"] and p["remedy"], p)

        # Still live, and mail still arrives by the fallback poll.
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "Polled", "polled@c.example"),
                   provider="microsoft")
        wait_until(lambda: world.message_ids() == ["Polled"], timeout=15, what="the polled message")
        s, mb = world.mailbox()
        self.assertEqual((s, mb["status"], mb["error"]), (200, "live", None), mb)

        # The contract's admin sees it; another contract's admin and a plain user do not.
        mine = problems(st, world.admin)
        self.assertEqual([(q["cause"], q["mailbox_id"]) for q in mine], [("subscription_failed", p["mailbox_id"])])
        self.assertEqual(problems(st, other.admin), [])
        self.assertEqual(st.api("GET", "/api/contract/problems", None, world.second)[0], 403)

        # One log line when the problem started, not one per run.
        time.sleep(5)  # a few more fallback polls (every 2 s), each passing through the watch step
        self.assertEqual(st.log("serve").count("problem subscription_failed for mailbox"), 1, st.log("serve")[-3000:])


class GmailWatchRefused(StackTest):
    def test_a_refused_watch_is_raised_and_the_mailbox_stays_live(self):
        st = self.stack
        world = World(st)
        st.add_account(world.recruiter)
        # What users.watch answers when Gmail may not publish to the topic.
        st.fault(account=world.recruiter, status=403, count=1, endpoint="watch", reason="forbidden",
                 message="Error sending test message to Cloud PubSub projects/p/topics/t : User not "
                         "authorized to perform this action.")
        _, location = world.authorize()
        self.assertIn("result=connected", location)
        mb = world.wait_live()
        self.assertIsNone(mb["error"], mb)
        [p] = [q for q in problems(st) if q["scope"] == "mailbox"]
        self.assertEqual((p["cause"], p["provider"], p["contract_id"]), ("watch_failed", "google", world.contract_id))
        self.assertEqual([q["cause"] for q in problems(st, world.admin)], ["watch_failed"])


class PushJwtRejected(StackTest):
    # Pub/Sub signs for another audience than our webhook URL: every push fails its JWT check.
    sandbox_args = ("--google-push-audience", "https://elsewhere.example/webhooks/google")
    sync_config = {"poll_interval_s": 2}

    def test_pushes_failing_their_jwt_are_raised_once_as_a_deployment_problem(self):
        st = self.stack
        world = self.live_world()
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "Pushed", "pushed@c.example"))

        def raised():
            found = [p for p in problems(st) if p["cause"] == "push_jwt_rejected"]
            return found if found and found[0]["count"] >= 4 else None
        [p] = wait_until(raised, timeout=20, what="push_jwt_rejected on /api/ops/problems")
        self.assertEqual((p["scope"], p["reason"], p["provider"]), ("deployment", "wrong_audience", "google"), p)
        self.assertNotIn("mailbox_id", p)
        self.assertTrue(p["remedy"], p)
        # Polling still brings the mail.
        wait_until(lambda: world.message_ids() == ["Pushed"], timeout=15, what="the polled message")
        # A deployment problem is the operator's: not on the contract admin's list.
        self.assertEqual([q for q in problems(st, world.admin) if q["cause"] == "push_jwt_rejected"], [])
        log = st.log("serve")
        self.assertEqual(log.count("problem push_jwt_rejected (wrong_audience)"), 1, log[-3000:])
        s, metrics = st.api("GET", "/metrics")
        self.assertIn('hiresync_push_jwt_rejected_total{reason="wrong_audience"}', metrics)


if __name__ == "__main__":
    unittest.main()
