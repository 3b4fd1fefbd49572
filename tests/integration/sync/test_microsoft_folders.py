"""Issue 11 points 3 and 4: Microsoft 365 mail in every folder, and Outlook replies in their thread.

Real serve + sandbox. The sandbox files mail by inbox rules, creates folders and moves messages as
Exchange does; its Sent Items copies carry no In-Reply-To/References in internetMessageHeaders.
"""
import json
import signal
import time
import unittest
from unittest import mock

from harness import StackTest, World, message, wait_until


class MicrosoftFolders(StackTest):
    """Runs are woken by push only (the fallback poll is 10 min): mail delivered without a push and
    moved at once is never seen where it was delivered."""
    provider = "microsoft"

    def folder(self, world, name, parent=None):
        body = {"name": name}
        if parent:
            body["parent"] = parent
        s, out = self.stack.ctl("POST", f"/control/accounts/{world.recruiter}/folders", body)
        self.assertEqual(s, 200, out)
        return out["id"]

    def rule(self, world, folder, **condition):
        s, out = self.stack.ctl("POST", f"/control/accounts/{world.recruiter}/rules", dict(folder=folder, **condition))
        self.assertEqual(s, 200, out)

    def move(self, world, message_id, folder):
        s, out = self.stack.ctl("POST", f"/control/accounts/{world.recruiter}/messages/{message_id}/move",
                                {"folder": folder})
        self.assertEqual(s, 200, out)
        return out

    def candidate_mail(self, world, subject, msg_id, folder="inbox", **kwargs):
        return self.stack.deliver(world.recruiter, message(world.candidate_email, world.recruiter, subject, msg_id,
                                                           **kwargs), folder=folder)

    def marker(self, world, tag):
        """A candidate message filed by a rule into a custom folder: once it shows, a whole round of
        every tracked folder has run after what was done before."""
        self.candidate_mail(world, f"[marker] {tag}", f"marker-{tag}@c.example")
        return f"[marker] {tag}"

    def assert_exactly(self, world, subjects, timeout=15):
        wait_until(lambda: world.message_ids() == sorted(subjects), timeout=timeout,
                   what=f"exactly {sorted(subjects)}")
        time.sleep(0.5)
        self.assertEqual(world.message_ids(), sorted(subjects))

    def test_mail_a_rule_files_into_a_folder_made_before_connecting_syncs(self):
        st = self.stack
        world = World(st, provider="microsoft")
        st.add_account(world.recruiter, provider="microsoft")
        self.folder(world, "Candidates")
        self.rule(world, "Candidates", **{"from": world.candidate_email})
        _, location = world.authorize()
        self.assertIn("result=connected", location)
        world.wait_live()
        out = self.candidate_mail(world, "Filed by a rule", "filed-1@c.example")
        self.assertNotEqual(out["folder"], "inbox", out)  # the rule filed it
        self.assert_exactly(world, ["Filed by a rule"])

    def test_a_move_between_tracked_folders_gives_one_message(self):
        world = self.live_world()
        self.folder(world, "Interviews")
        self.folder(world, "Markers")
        self.rule(world, "Markers", subject_contains="[marker]")
        sent = self.candidate_mail(world, "Moved later", "moved-1@c.example")
        self.assert_exactly(world, ["Moved later"])
        self.move(world, sent["immutable_id"], "Interviews")
        # Moved right after delivery, before any sync saw it in the inbox: only the folder has it.
        time.sleep(2)  # past the run the last push woke (and its follow-up check)
        (early,) = self.stack.deliver_bulk(world.recruiter, [
            ("inbox", message(world.candidate_email, world.recruiter, "Moved at once", "moved-2@c.example"), int(time.time() * 1000))
        ])["ids"]
        self.move(world, early, "Interviews")
        mark = self.marker(world, "after-moves")
        self.assert_exactly(world, ["Moved later", "Moved at once", mark])
        s, threads = world.threads()
        ids = [m["id"] for t in threads for m in t["messages"]]
        self.assertEqual(len(ids), len(set(ids)), threads)

    def test_a_folder_made_after_connecting_is_found_with_its_child_folders(self):
        world = self.live_world()
        self.candidate_mail(world, "Before the folder", "before@c.example")
        self.assert_exactly(world, ["Before the folder"])
        parent = self.folder(world, "Hiring 2026")
        child = self.folder(world, "Backend", parent=parent)
        self.rule(world, child, subject_contains="backend")
        out = self.candidate_mail(world, "Backend application", "backend-1@c.example")
        self.assertEqual(out["folder_id"], child, out)
        self.assert_exactly(world, ["Before the folder", "Backend application"])

    def test_junk_deleted_items_and_drafts_are_not_synced_and_what_was_synced_stays(self):
        world = self.live_world()
        self.folder(world, "Markers")
        self.rule(world, "Markers", subject_contains="[marker]")
        kept = self.candidate_mail(world, "Synced then deleted", "kept@c.example")
        self.assert_exactly(world, ["Synced then deleted"])
        time.sleep(2)  # past the run the last push woke (and its follow-up check)
        cand, me = world.candidate_email, world.recruiter
        ids = self.stack.deliver_bulk(me, [
            ("junkemail", message(cand, me, "In junk", "junk@c.example"), int(time.time() * 1000)),
            ("drafts", message(me, cand, "A draft", "draft@c.example"), int(time.time() * 1000)),
            ("outbox", message(me, cand, "In the outbox", "outbox@c.example"), int(time.time() * 1000)),
            ("inbox", message(cand, me, "Deleted before syncing", "deleted@c.example"), int(time.time() * 1000)),
            ("inbox", message(cand, me, "Moved to junk", "junked@c.example"), int(time.time() * 1000)),
        ])["ids"]
        self.move(world, ids[3], "deleteditems")
        self.move(world, ids[4], "junkemail")
        self.move(world, kept["immutable_id"], "deleteditems")
        mark = self.marker(world, "after-junk")
        self.assert_exactly(world, ["Synced then deleted", mark])
        endpoints = self.stack.stats(world.recruiter)["endpoints"]
        for folder in ("junkemail", "deleteditems", "drafts", "outbox"):
            self.assertEqual(endpoints.get(f"delta.{folder}", 0), 0, endpoints)

    def test_a_cursor_of_the_first_format_still_works_without_a_resync(self):
        st = self.stack
        world = self.live_world()
        self.folder(world, "Markers")
        self.rule(world, "Markers", subject_contains="[marker]")
        first = self.candidate_mail(world, "Before the upgrade", "up-1@c.example")
        self.assert_exactly(world, ["Before the upgrade"])
        sent_id = st.deliver(world.recruiter, message(world.recruiter, "bob@elsewhere.example", "Unrelated", "u@a.example"),
                             folder="sent")["folder_id"]
        self.assert_exactly(world, ["Before the upgrade"])
        # Rewrite the stored cursor as the connector's first format wrote it: the inbox and Sent
        # Items deltaLinks under their well-known names.
        st.kill_server(signal.SIGTERM)
        [(raw,)] = st.db_query("SELECT cursor FROM mailboxes WHERE address = ?", world.recruiter)
        cursor = json.loads(raw)
        provider = json.loads(cursor["history_id"])
        links = provider["folders"]
        old = {"inbox": links[first["folder_id"]], "sentitems": links[sent_id]}
        cursor["history_id"] = json.dumps(old)
        # ... and its push state: a subscription per folder (ids the sandbox no longer knows).
        cursor["watch"]["state"] = json.dumps({"inbox": "old-inbox-subscription",
                                                "sentitems": "old-sent-subscription"})
        st.db_execute("UPDATE mailboxes SET cursor = ? WHERE address = ?", json.dumps(cursor), world.recruiter)
        searches = st.stats(world.recruiter)["endpoints"].get("messages.search", 0)
        creates = st.stats(world.recruiter)["endpoints"].get("subscriptions.create", 0)
        st.start_server()
        world.admin = st.login(world.recruiter)
        self.candidate_mail(world, "After the upgrade", "up-2@c.example")
        mark = self.marker(world, "after-upgrade")
        self.assert_exactly(world, ["Before the upgrade", "After the upgrade", mark])
        s, mb = world.mailbox()
        self.assertEqual((mb["status"], mb["error"]), ("live", None), mb)
        # Upgraded in place: no backfill search ran again.
        self.assertEqual(st.stats(world.recruiter)["endpoints"].get("messages.search", 0), searches)
        [(raw,)] = st.db_query("SELECT cursor FROM mailboxes WHERE address = ?", world.recruiter)
        self.assertEqual(json.loads(json.loads(raw)["history_id"]).get("v"), 2, raw)
        # The per-folder subscriptions are replaced at once by the one on me/messages, not at the
        # next daily renewal (until then mail in other folders would wait for the poll).
        self.assertEqual(json.loads(json.loads(raw)["watch"]["state"]), {"messages": mock.ANY}, raw)
        self.assertEqual(st.stats(world.recruiter)["endpoints"].get("subscriptions.create", 0), creates + 1)


class OutlookReplies(StackTest):
    provider = "microsoft"

    def test_a_reply_sent_from_outlook_joins_the_candidates_thread(self):
        st = self.stack
        world = self.live_world()
        cand = world.candidate_email
        st.deliver(world.recruiter, message(f"Ann Lee <{cand}>", world.recruiter, "Backend role",
                                            "outlook-in-1@candidates.example", "Interested."))
        wait_until(lambda: world.message_ids() == ["Backend role"], timeout=5, what="the candidate's mail")
        # Outlook's reply: In-Reply-To and References are in the MIME it sent, but the Sent Items copy's
        # internetMessageHeaders has neither (sandbox/README.md).
        st.deliver(world.recruiter, message(world.recruiter, f"Ann Lee <{cand}>", "RE: Backend role",
                                            "outlook-out-1@acme.example", "Let's talk.",
                                            in_reply_to="outlook-in-1@candidates.example"), folder="sent")
        # Same candidate, another subject, a conversation of its own.
        st.deliver(world.recruiter, message(f"Ann Lee <{cand}>", world.recruiter, "Frontend role",
                                            "outlook-in-2@candidates.example", "Also this?"))
        wait_until(lambda: len(world.message_ids()) == 3, timeout=5, what="all three messages")
        s, threads = world.threads()
        self.assertEqual(s, 200, threads)
        by_subject = sorted(sorted(m["subject"] for m in t["messages"]) for t in threads)
        self.assertEqual(by_subject, [["Backend role", "RE: Backend role"], ["Frontend role"]], threads)


if __name__ == "__main__":
    unittest.main()
