"""Issue 3, first "Done when": the whole Google path through the HTTP API only."""
import time
import unittest
import urllib.parse

from harness import StackTest, World, http, message, wait_until


class GoogleFlow(StackTest):
    def test_candidate_mail_appears_in_one_private_thread_and_only_for_its_owner(self):
        st = self.stack
        world = World(st, provider="none")
        st.add_account(world.recruiter)

        # Before the admin enables Google, authorizing is refused with a clear error.
        s, body = st.api("POST", "/api/me/mailbox/authorize", None, world.admin)
        self.assertEqual(s, 422, body)
        self.assertEqual(body["error"]["code"], "sync_not_enabled")
        self.assertTrue(body["error"]["message"])
        self.assertTrue(body["error"]["remedy"])

        world.enable("google")
        s, location = world.authorize()
        self.assertIn("result=connected", location)
        world.wait_live()

        cand = world.candidate_email
        inbound = message(f"Ann Lee <{cand}>", world.recruiter, "Backend role", "in-1@candidates.example",
                          "I am interested.")
        reply = message(world.recruiter, f"Ann Lee <{cand}>", "Re: Backend role", "out-1@acme.example",
                        "Great, let's talk.", in_reply_to="in-1@candidates.example")
        colleague = message("bob@acme.example", world.recruiter, "Lunch?", "lunch-1@acme.example")
        t0 = time.monotonic()
        st.deliver(world.recruiter, inbound)
        st.deliver(world.recruiter, reply, folder="sent")
        st.deliver(world.recruiter, colleague)

        wait_until(lambda: len(world.message_ids()) >= 2, timeout=2.0, what="both candidate messages within 2 s")
        elapsed = time.monotonic() - t0
        self.assertLess(elapsed, 2.0)
        time.sleep(0.5)  # anything extra (the colleague's mail) would have arrived by now

        s, threads = world.threads()
        self.assertEqual(s, 200, threads)
        self.assertEqual(len(threads), 1, threads)
        msgs = threads[0]["messages"]
        self.assertEqual(sorted(m["subject"] for m in msgs), ["Backend role", "Re: Backend role"])
        self.assertEqual({m["direction"] for m in msgs}, {"inbound", "outbound"})
        self.assertTrue(all(m["visibility"] == "private" for m in msgs))
        self.assertTrue(all(m["kind"] == "email" for m in msgs))

        # The second recruiter of the same contract sees none of it (private to the owner).
        s, theirs = world.threads(world.second)
        self.assertEqual(s, 200, theirs)
        self.assertEqual(theirs, [])

        # A user of another contract cannot even see that the candidate exists.
        other = World(st, provider="google", domain="globex.example")
        s, body = world.threads(other.admin)
        self.assertEqual(s, 404, body)

        # Status is something a person can read.
        s, mb = world.mailbox()
        self.assertEqual(s, 200)
        self.assertEqual(mb["status"], "live")
        self.assertEqual(mb["provider"], "google")
        self.assertEqual(mb["address"], world.recruiter)
        self.assertIsNone(mb["error"])
        self.assertIsNotNone(mb["last_synced_at"])

        # The server's own numbers: runs, synced and skipped by reason, provider calls, latency.
        from harness import http
        s, metrics, _ = http("GET", st.base + "/metrics")
        self.assertEqual(s, 200)
        for needle in ('hiresync_messages_synced_total{provider="google"} 2',
                       'hiresync_messages_skipped_total{provider="google",reason="internal_domain"} 1',
                       'hiresync_provider_calls_total{provider="google",endpoint="messages.get.raw",status="ok"} 2',
                       'hiresync_push_to_visible_seconds_count{provider="google"} 2',
                       'hiresync_sync_runs_total{provider="google",outcome="ok"}'):
            self.assertIn(needle, metrics)
        self.assertNotIn(world.admin, metrics)

        # Privacy by construction: only the two matched messages had their content fetched.
        stats = st.stats(world.recruiter)["endpoints"]
        self.assertEqual(stats.get("messages.get.raw", 0) + stats.get("messages.get.full", 0), 2, stats)

    def test_deauthorize_keeps_messages_and_stops_syncing(self):
        st = self.stack
        world = self.live_world()
        cand = world.candidate_email
        st.deliver(world.recruiter, message(cand, world.recruiter, "First", "first@c.example"))
        wait_until(lambda: world.message_ids() == ["First"], timeout=5, what="first message")

        s, _ = st.api("DELETE", "/api/me/mailbox", None, world.admin)
        self.assertIn(s, (200, 204))
        s, mb = world.mailbox()
        self.assertEqual(mb["status"], "disconnected")
        self.assertGreaterEqual(st.stats(world.recruiter)["endpoints"].get("revoke", 0), 1)

        st.deliver(world.recruiter, message(cand, world.recruiter, "After", "after@c.example"))
        time.sleep(2.0)
        self.assertEqual(world.message_ids(), ["First"])  # kept, and nothing new

        # Reauthorizing resumes from the stored cursor: the message that arrived meanwhile appears.
        world.authorize()
        wait_until(lambda: world.message_ids() == ["After", "First"], timeout=5, what="resume from cursor")

        # Deauthorizing ended the watch, so reauthorizing must set it up again: the next mail comes
        # by push (the fallback poll is 10 minutes away in these tests).
        st.deliver(world.recruiter, message(cand, world.recruiter, "Later", "later@c.example"))
        wait_until(lambda: world.message_ids() == ["After", "First", "Later"], timeout=5, what="push after reauth")

    def test_mail_right_after_reconnecting_arrives_though_gmail_drops_its_push(self):
        # Gmail sends at most one push per second per user. Reconnecting takes well under a second
        # here, so each message below lands within a second of the previous one's push and its own
        # push is dropped; the follow-up check after the reconnect run must still find it (the
        # fallback poll is 10 minutes away in these tests).
        st = self.stack
        world = self.live_world()
        cand = world.candidate_email
        expected = []
        for i in range(5):
            subject = f"Round {i}"
            st.deliver(world.recruiter, message(cand, world.recruiter, subject, f"round-{i}@c.example"))
            expected.append(subject)
            wait_until(lambda: world.message_ids() == sorted(expected), timeout=5, what=subject)
            st.api("DELETE", "/api/me/mailbox", None, world.admin)
            world.authorize()
            world.wait_live()
        st.deliver(world.recruiter, message(cand, world.recruiter, "Last", "last@c.example"))
        wait_until(lambda: "Last" in world.message_ids(), timeout=5, what="the message after the last reconnect")

    def test_a_colleague_connecting_a_held_address_is_told_who_holds_it_and_breaks_nothing(self):
        st = self.stack
        world = self.live_world()
        # Asked up front: 409 naming the holder.
        s, body = st.api("POST", "/api/me/mailbox/authorize", {"address": world.recruiter}, world.second)
        self.assertEqual(s, 409, body)
        self.assertEqual(body["error"]["code"], "mailbox_in_use")
        self.assertIn("Rita", body["error"]["message"])
        self.assertIn(world.recruiter, body["error"]["message"])

        # Through the provider anyway (Sam signs in to Rita's account on the consent page): the
        # callback names the holder, and Rita's own connection keeps working (no revoke of a grant
        # that is hers).
        s, body = st.api("POST", "/api/me/mailbox/authorize", None, world.second)
        self.assertEqual(s, 200, body)
        url = urllib.parse.urlsplit(body["authorize_url"])
        query = dict(urllib.parse.parse_qsl(url.query))
        query["login_hint"] = world.recruiter
        s, _, h = http("GET", urllib.parse.urlunsplit(url._replace(query=urllib.parse.urlencode(query))))
        self.assertIn(s, (302, 303))
        s, _, h = http("GET", h["Location"], headers={"Authorization": f"Bearer {world.second}"})
        self.assertIn("code=mailbox_in_use", h["Location"])
        self.assertIn("holder=Rita", h["Location"])
        self.assertEqual(st.stats(world.recruiter)["endpoints"].get("revoke", 0), 0)
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "Still mine", "mine@c.example"))
        wait_until(lambda: world.message_ids() == ["Still mine"], timeout=5, what="the holder still syncing")
        self.assertEqual(world.mailbox()[1]["status"], "live")

    def test_candidate_saved_later_gets_their_past_mail_by_targeted_search(self):
        st = self.stack
        world = World(st)
        st.add_account(world.recruiter)
        s, m = st.ops("POST", "/api/ops/members", {"name": "Bo Chen", "emails": ["bo@later.example"],
                                                   "email_discovery": "anyone"})
        self.assertIn(s, (200, 201), m)
        old = int((time.time() - 30 * 86400) * 1000)
        st.deliver(world.recruiter, message("bo@later.example", world.recruiter, "Old hello", "old@later.example"),
                   internal_date_ms=old)
        for i in range(5):
            st.deliver(world.recruiter, message(f"x{i}@noise.example", world.recruiter, "noise", f"n{i}@noise.example"),
                       internal_date_ms=old)
        world.authorize()
        world.wait_live()
        before = st.stats(world.recruiter)["endpoints"]

        s, body = st.api("POST", f"/api/projects/{world.project_id}/candidates", {"member_id": m["id"]}, world.admin)
        self.assertIn(s, (200, 201, 204), body)
        wait_until(lambda: world.message_ids(member_id=m["id"]) == ["Old hello"], timeout=5,
                   what="targeted backfill of the new candidate")
        after = st.stats(world.recruiter)["endpoints"]
        # Found by a search for that person, not by rescanning the mailbox: one metadata fetch.
        self.assertEqual(after["messages.get.metadata"] - before["messages.get.metadata"], 1, (before, after))

    def test_explain_says_which_rule_stopped_each_participant(self):
        st = self.stack
        world = self.live_world()
        colleague = st.deliver(world.recruiter, message("bob@acme.example", world.recruiter, "Lunch?", "l@acme.example"))
        s, out = st.api("POST", "/api/me/mailbox/explain", {"provider_message_id": colleague["id"]}, world.admin)
        self.assertEqual(s, 200, out)
        self.assertEqual(out["status"], "skipped")
        self.assertEqual(out["reason"], "internal_domain")
        by_email = {p["email"]: p for p in out["participants"]}
        self.assertEqual(by_email["bob@acme.example"]["result"], "internal_domain")
        self.assertEqual(by_email[world.recruiter]["result"], "own_address")
        self.assertTrue(by_email["bob@acme.example"]["explanation"])

        raw = message(world.candidate_email, world.recruiter, "Hi", "hi@c.example")
        s, out = st.api("POST", "/api/me/mailbox/explain", {"raw": raw}, world.admin)
        self.assertEqual((s, out["status"]), (200, "would_sync"), out)
        s, out = st.api("POST", "/api/me/mailbox/explain", {"provider_message_id": "ffffffffffffffff"}, world.admin)
        self.assertEqual(s, 404, out)

        # The access token expired: the caller is asked to retry while the mailbox's own run renews
        # it (never a 401, which would read as "your session ended"), then it works.
        st.ctl("POST", f"/control/accounts/{world.recruiter}/expire-tokens")
        s, out = st.api("POST", "/api/me/mailbox/explain", {"provider_message_id": colleague["id"]}, world.admin)
        self.assertEqual((s, out["error"]["code"]), (503, "access_renewing"), out)
        wait_until(lambda: st.api("POST", "/api/me/mailbox/explain", {"provider_message_id": colleague["id"]},
                                  world.admin)[0] == 200, timeout=5, what="explain after the run renewed the token")

    def test_recent_messages_say_what_synced_and_can_be_explained(self):
        st = self.stack
        world = self.live_world()
        cand = st.deliver(world.recruiter, message(f"Ann Lee <{world.candidate_email}>", world.recruiter, "Hello",
                                                   "hello@c.example"))
        colleague = st.deliver(world.recruiter, message("Bob <bob@acme.example>", world.recruiter, "Lunch?",
                                                        "lunch@acme.example"))
        wait_until(lambda: world.message_ids() == ["Hello"], timeout=5, what="the candidate message")
        s, recent = st.api("GET", "/api/me/mailbox/recent", None, world.admin)
        self.assertEqual(s, 200, recent)
        by_id = {m["provider_message_id"]: m for m in recent}
        self.assertEqual((by_id[cand["id"]]["subject"], by_id[cand["id"]]["synced"]), ("Hello", True))
        self.assertIn(world.candidate_email, by_id[cand["id"]]["from"])
        self.assertEqual((by_id[colleague["id"]]["subject"], by_id[colleague["id"]]["synced"]), ("Lunch?", False))
        self.assertEqual([m["provider_message_id"] for m in recent][:2], [colleague["id"], cand["id"]])  # newest first
        s, out = st.api("POST", "/api/me/mailbox/explain", {"provider_message_id": colleague["id"]}, world.admin)
        self.assertEqual((s, out["reason"]), (200, "internal_domain"), out)
        s, out = st.api("GET", "/api/me/mailbox/recent", None, world.second)  # Sam has no mailbox
        self.assertEqual((s, out["error"]["code"]), (404, "not_connected"), out)

    def test_removing_a_candidate_or_closing_discovery_stops_sync_at_once(self):
        st = self.stack
        world = self.live_world()
        cand = world.candidate_email
        st.deliver(world.recruiter, message(cand, world.recruiter, "Before", "before@c.example"))
        wait_until(lambda: world.message_ids() == ["Before"], timeout=5, what="first message")

        # Discovery closed: the next message from them is not synced, and explain says why.
        s, body = st.ops("PATCH", f"/api/ops/members/{world.candidate_id}", {"email_discovery": "nobody"})
        self.assertEqual(s, 200, body)
        st.deliver(world.recruiter, message(cand, world.recruiter, "Hidden", "hidden@c.example"))
        time.sleep(1.5)
        self.assertEqual(world.message_ids(), ["Before"])
        s, out = st.api("POST", "/api/me/mailbox/explain",
                        {"raw": message(cand, world.recruiter, "x", "x@c.example")}, world.admin)
        self.assertEqual(out["reason"], "discovery_restricted", out)

        # Removed from the only project: not a candidate any more.
        st.ops("PATCH", f"/api/ops/members/{world.candidate_id}", {"email_discovery": "anyone"})
        s, _ = st.api("DELETE", f"/api/projects/{world.project_id}/candidates/{world.candidate_id}", None,
                      world.admin)
        self.assertEqual(s, 204)
        s, out = st.api("POST", "/api/me/mailbox/explain",
                        {"raw": message(cand, world.recruiter, "x", "x@c.example")}, world.admin)
        self.assertEqual(out["reason"], "not_in_project", out)

    def test_turning_syncing_off_disables_and_turning_it_on_resumes(self):
        st = self.stack
        world = self.live_world()
        cand = world.candidate_email

        world.enable("none")
        s, mb = world.mailbox()
        self.assertEqual((mb["status"], mb["error"]["code"]), ("disabled", "sync_not_enabled"), mb)
        st.deliver(world.recruiter, message(cand, world.recruiter, "While off", "off@c.example"))
        time.sleep(1.0)
        self.assertEqual(world.message_ids(), [])  # nothing syncs while the contract has it off

        world.enable("microsoft")
        s, mb = world.mailbox()
        self.assertEqual((mb["status"], mb["error"]["code"]), ("disabled", "wrong_provider"), mb)

        world.enable("google")
        wait_until(lambda: world.message_ids() == ["While off"], timeout=5, what="resume after re-enabling")
        self.assertEqual(world.wait_live()["error"], None)


if __name__ == "__main__":
    unittest.main()
