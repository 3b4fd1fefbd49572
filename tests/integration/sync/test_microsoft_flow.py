"""Issue 4: the Microsoft 365 path through the HTTP API only (real serve + sandbox)."""
import signal
import time
import unittest
import urllib.parse

from harness import FaultTest, StackTest, World, message, wait_until


class MicrosoftFlow(StackTest):
    provider = "microsoft"

    def test_inbound_reply_and_internal_mail_give_two_messages_in_one_private_thread(self):
        st = self.stack
        world = self.live_world()
        cand = world.candidate_email
        t0 = time.monotonic()
        st.deliver(world.recruiter, message(f"Ann Lee <{cand}>", world.recruiter, "Backend role",
                                            "ms-in-1@candidates.example", "Interested."))
        st.deliver(world.recruiter, message(world.recruiter, f"Ann Lee <{cand}>", "Re: Backend role",
                                            "ms-out-1@acme.example", "Let's talk.",
                                            in_reply_to="ms-in-1@candidates.example"), folder="sent")
        st.deliver(world.recruiter, message("bob@acme.example", world.recruiter, "Lunch?", "ms-lunch@acme.example"))
        wait_until(lambda: len(world.message_ids()) >= 2, timeout=2.0, what="both candidate messages within 2 s")
        self.assertLess(time.monotonic() - t0, 2.0)
        time.sleep(0.5)
        s, threads = world.threads()
        self.assertEqual(len(threads), 1, threads)
        msgs = threads[0]["messages"]
        self.assertEqual(sorted(m["subject"] for m in msgs), ["Backend role", "Re: Backend role"])
        self.assertEqual({m["direction"] for m in msgs}, {"inbound", "outbound"})
        self.assertTrue(all(m["visibility"] == "private" for m in msgs))
        self.assertEqual(world.threads(world.second)[1], [])
        s, mb = world.mailbox()
        self.assertEqual((mb["provider"], mb["status"], mb["error"]), ("microsoft", "live", None))

    def outcome(self, world, **account):
        self.stack.add_account(world.recruiter, provider="microsoft", **account)
        s, location = world.authorize()
        query = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
        s, mb = world.mailbox()
        self.assertEqual(s, 200, mb)
        self.assertEqual(mb["status"], "needs_reauth", mb)
        self.assertEqual(query.get("code"), [mb["error"]["code"]], location)
        self.assertTrue(mb["error"]["message"] and mb["error"]["remedy"], mb)
        return mb["error"]

    def test_an_address_on_both_providers_gets_mail_on_the_one_named(self):
        # The demo gives each recruiter an account on both providers; delivery names the provider.
        st = self.stack
        world = self.live_world()
        st.add_account(world.recruiter, provider="google")
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "Via Graph", "graph@c.example"),
                   provider="microsoft")
        wait_until(lambda: world.message_ids() == ["Via Graph"], timeout=5, what="the Microsoft copy")

    def test_recent_messages_use_the_immutable_ids_the_engine_stores(self):
        st = self.stack
        world = self.live_world()
        cand = st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "Hello", "hello@c.example"))
        other = st.deliver(world.recruiter, message("news@letters.example", world.recruiter, "Digest", "d@l.example"))
        wait_until(lambda: world.message_ids() == ["Hello"], timeout=5, what="the candidate message")
        s, recent = st.api("GET", "/api/me/mailbox/recent?limit=10", None, world.admin)
        self.assertEqual(s, 200, recent)
        by_id = {m["provider_message_id"]: m for m in recent}
        self.assertTrue(by_id[cand["immutable_id"]]["synced"], recent)
        self.assertFalse(by_id[other["immutable_id"]]["synced"], recent)
        s, out = st.api("POST", "/api/me/mailbox/explain", {"provider_message_id": other["immutable_id"]}, world.admin)
        self.assertEqual((s, out["reason"]), (200, "no_profile"), out)

    def test_each_tenant_failure_has_its_own_code_message_and_remedy(self):
        st = self.stack
        # Need admin approval (90094) and not assigned (50105) stay on Entra's page and never come
        # back (test_google_consent.NotFinished); 65001 and an on-premises mailbox do.
        cases = [({"consent": "admin_consent_required_65001"}, "admin_consent_required"),
                 ({"hosting": "on_premises"}, "mailbox_on_premises")]
        seen = {}
        for i, (account, code) in enumerate(cases):
            world = World(st, provider="microsoft", domain=f"ms{i}.example")
            error = self.outcome(world, **account)
            self.assertEqual(error["code"], code)
            seen[code] = error["message"]
        self.assertEqual(len(set(seen.values())), len(cases))
        google = World(st, provider="google", domain="gchose.example")
        s, body = st.api("POST", "/api/me/mailbox/authorize", {"provider": "microsoft"}, google.admin)
        self.assertEqual((s, body["error"]["code"]), (422, "wrong_provider"), body)


class MicrosoftFaults(FaultTest):
    provider = "microsoft"

    def test_throttling_5xx_and_an_evicted_delta_token(self):
        world = self.live_world()
        st = self.stack
        expected = [self.deliver_pair(world, "a")]
        self.assert_exactly(world, expected)
        st.fault(account=world.recruiter, status=429, count=2, retry_after=1)
        expected.append(self.deliver_pair(world, "b"))
        self.assert_exactly(world, expected)
        st.fault(account=world.recruiter, status=503, count=2)
        expected.append(self.deliver_pair(world, "c"))
        self.assert_exactly(world, expected)
        s, _ = st.ctl("POST", f"/control/accounts/{world.recruiter}/expire-delta")
        self.assertIn(s, (200, 204))
        expected.append(self.deliver_pair(world, "d"))
        self.assert_exactly(world, expected)

    def check_rotation_interrupted(self, point):
        world = self.live_world()
        st = self.stack
        expected = [self.deliver_pair(world, "a")]
        self.assert_exactly(world, expected)
        # The next refresh (forced by expiring the access tokens) ends the process at `point`, as a
        # SIGKILL between Entra's token response and the next Graph call would.
        st.kill_server(signal.SIGTERM)
        st.start_server({"HIRESYNC_CRASH_POINT": point})
        st.ctl("POST", f"/control/accounts/{world.recruiter}/expire-tokens")
        expected.append(self.deliver_pair(world, point))
        self.assertEqual(st.server.wait(timeout=20), 137)
        tokens_before = st.stats(world.recruiter)["endpoints"]["token"]
        st.start_server()
        world.admin = st.login(world.recruiter)
        self.assert_exactly(world, expected)
        self.assertEqual(world.wait_live()["error"], None)
        refreshes = st.stats(world.recruiter)["endpoints"]["token"] - tokens_before
        # Before the store: the previous refresh token is used once more (within the grace period).
        # After it: the stored access token is still good, so no refresh at all.
        self.assertEqual(refreshes, 1 if point == "refresh_response" else 0)

    def test_rotation_interrupted_before_the_new_refresh_token_is_stored(self):
        # The stored (previous) refresh token still works within Entra's grace period.
        self.check_rotation_interrupted("refresh_response")

    def test_rotation_interrupted_after_the_new_refresh_token_is_stored(self):
        self.check_rotation_interrupted("refresh_stored")

    def test_lifecycle_events_and_duplicate_or_missed_notifications(self):
        world = self.live_world()
        st = self.stack
        expected = []
        for event in ("reauthorizationRequired", "subscriptionRemoved", "missed"):
            s, body = st.ctl("POST", f"/control/accounts/{world.recruiter}/lifecycle", {"event": event})
            self.assertIn(s, (200, 204), body)
            expected.append(self.deliver_pair(world, event))
            self.assert_exactly(world, expected)
        st.fault(account=world.recruiter, push="duplicate", count=2)
        expected.append(self.deliver_pair(world, "dup"))
        self.assert_exactly(world, expected)
        st.fault(account=world.recruiter, push="drop", count=2)
        expected.append(self.deliver_pair(world, "drop"))
        self.assert_exactly(world, expected)
        stats = st.stats(world.recruiter)["endpoints"]
        self.assertGreaterEqual(stats.get("subscriptions.create", 0) + stats.get("subscriptions.renew", 0), 2, stats)


if __name__ == "__main__":
    unittest.main()
