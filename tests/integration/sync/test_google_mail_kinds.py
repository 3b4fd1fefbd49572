"""Issue 11 point 1: Gmail drafts, spam, trash and chat are never stored as candidate mail.

The sandbox writes Gmail's history for them (a new message id per draft autosave, a new id again
when the draft is sent; SPAM/TRASH/CHAT labels); the engine reads the labels of its metadata fetch
and skips them with a reason shown in the mailbox status.
"""
import time
import unittest

from harness import StackTest, World, message, wait_until


class GmailMailKinds(StackTest):
    def metadata_gets(self, world):
        return self.stack.stats(world.recruiter)["endpoints"]["messages.get.metadata"]

    def sync_and_wait_for_fetches(self, world, before, more=1):
        """Asks for a sync and waits until the engine fetched `more` new messages' headers."""
        s, body = self.stack.api("POST", "/api/me/mailbox/sync", None, world.admin)
        self.assertIn(s, (200, 202, 204), body)
        wait_until(lambda: self.metadata_gets(world) >= before + more, timeout=10, what="the run to fetch")
        world.wait_live()

    def skipped(self, world):
        s, mb = world.mailbox()
        self.assertEqual(s, 200, mb)
        return mb["skipped"]

    def sentinel(self, world, tag):
        """An ordinary candidate message: once it shows, the run has read everything before it."""
        self.stack.deliver(world.recruiter, message(world.candidate_email, world.recruiter, f"sentinel {tag}",
                                                    f"sentinel-{tag}@c.example"))
        return f"sentinel {tag}"

    def save_draft(self, world, raw, draft_id=None):
        body = {"raw": raw}
        if draft_id:
            body["draft_id"] = draft_id
        s, out = self.stack.ctl("POST", f"/control/accounts/{world.recruiter}/drafts", body)
        self.assertEqual(s, 200, out)
        return out

    def test_a_draft_autosaved_three_times_then_sent_syncs_once_as_sent(self):
        world = self.live_world()
        cand = world.candidate_email
        draft_id = None
        ids = []
        for text in ("Hi Ann", "Hi Ann, are you", "Hi Ann, are you free on Monday?"):
            before = self.metadata_gets(world)
            raw = message(world.recruiter, f"Ann Lee <{cand}>", "Interview", "draft-1@acme.example", text)
            out = self.save_draft(world, raw, draft_id)
            draft_id = out["draft_id"]
            ids.append(out["id"])
            # Each autosave is a new message id that the engine reads from the history.
            self.sync_and_wait_for_fetches(world, before)
        self.assertEqual(len(set(ids)), 3, ids)

        s, sent = self.stack.ctl("POST", f"/control/accounts/{world.recruiter}/drafts/{draft_id}/send", {})
        self.assertEqual(s, 200, sent)
        self.assertNotIn(sent["id"], ids)  # Gmail: the sent message gets a new id
        wait_until(lambda: world.message_ids() == ["Interview"], timeout=10, what="the sent message")
        time.sleep(0.3)
        s, threads = world.threads()
        self.assertEqual(s, 200, threads)
        self.assertEqual(len(threads), 1, threads)
        msgs = threads[0]["messages"]
        self.assertEqual(len(msgs), 1, msgs)
        self.assertEqual(msgs[0]["direction"], "outbound")
        self.assertEqual(self.skipped(world).get("draft"), 3)

    def test_spam_from_a_candidate_is_not_stored_and_the_skip_is_shown(self):
        world = self.live_world()
        self.stack.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "Cheap watches",
                                                    "spam-1@c.example"), folder="spam")
        done = self.sentinel(world, "spam")
        wait_until(lambda: done in world.message_ids(), timeout=10, what="the sentinel")
        self.assertEqual(world.message_ids(), [done])
        self.assertEqual(self.skipped(world).get("spam"), 1)

    def test_mail_moved_to_spam_before_it_was_fetched_is_skipped(self):
        world = self.live_world()
        self.stack.fault(account=world.recruiter, push="drop", count=1)
        out = self.stack.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "Offer",
                                                          "late-spam@c.example"))
        s, moved = self.stack.ctl("POST", f"/control/accounts/{world.recruiter}/messages/{out['id']}/spam", {})
        self.assertEqual(s, 200, moved)
        self.assertIn("SPAM", moved["labelIds"])
        done = self.sentinel(world, "late")
        wait_until(lambda: done in world.message_ids(), timeout=10, what="the sentinel")
        self.assertEqual(world.message_ids(), [done])
        self.assertEqual(self.skipped(world).get("spam"), 1)

    def test_trash_is_not_stored_but_synced_mail_moved_to_trash_is_kept(self):
        world = self.live_world()
        kept = self.stack.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "Kept",
                                                           "kept@c.example"))
        wait_until(lambda: world.message_ids() == ["Kept"], timeout=10, what="the first message")
        s, out = self.stack.ctl("POST", f"/control/accounts/{world.recruiter}/messages/{kept['id']}/trash", {})
        self.assertEqual(s, 200, out)
        self.stack.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "Binned",
                                                    "binned@c.example"), folder="trash")
        done = self.sentinel(world, "trash")
        wait_until(lambda: done in world.message_ids(), timeout=10, what="the sentinel")
        self.assertEqual(world.message_ids(), sorted(["Kept", done]))
        self.assertEqual(self.skipped(world).get("trash"), 1)

    def test_a_chat_with_a_candidate_is_not_stored(self):
        world = self.live_world()
        self.stack.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "Chat with Ann",
                                                    "chat-1@c.example"), folder="chat")
        done = self.sentinel(world, "chat")
        wait_until(lambda: done in world.message_ids(), timeout=10, what="the sentinel")
        self.assertEqual(world.message_ids(), [done])
        self.assertEqual(self.skipped(world).get("chat"), 1)

    def test_the_backfill_skips_drafts_and_never_lists_spam_or_trash(self):
        st = self.stack
        world = World(st)
        st.add_account(world.recruiter)
        cand = world.candidate_email
        st.deliver(world.recruiter, message(cand, world.recruiter, "Old hello", "old-1@c.example"))
        st.deliver(world.recruiter, message(cand, world.recruiter, "Old spam", "old-2@c.example"), folder="spam")
        st.deliver(world.recruiter, message(cand, world.recruiter, "Old trash", "old-3@c.example"), folder="trash")
        self.save_draft(world, message(world.recruiter, cand, "Unsent", "old-4@acme.example"))
        _, location = world.authorize()
        self.assertIn("result=connected", location)
        world.wait_live()
        time.sleep(0.3)
        self.assertEqual(world.message_ids(), ["Old hello"])
        self.assertEqual(self.skipped(world).get("draft"), 1)
        self.assertNotIn("spam", self.skipped(world))  # messages.list leaves spam and trash out


if __name__ == "__main__":
    unittest.main()
