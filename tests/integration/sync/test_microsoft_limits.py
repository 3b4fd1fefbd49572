"""Issue 11: Graph's documented limits, through the HTTP API only (real serve + sandbox).

- A subscription expiry past the documented maximum (ExtensionError) is clamped and retried, never
  read as an on-premises mailbox.
- Graph refuses http:// notification URLs: the mailbox still syncs by polling, and the failure is a
  classified non-consent error.
- $search returns at most 1,000 results: the backfill and the later-saved-candidate search still
  find every message.
"""
import re
import time
import unittest
import urllib.request

from harness import StackTest, World, message, wait_until

DAY_MS = 86400 * 1000


def metric(stack, name):
    """The sum of a counter over its labels."""
    with urllib.request.urlopen(stack.base + "/metrics", timeout=5) as r:
        text = r.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + "{") or line.startswith(name + " "))


def watch_calls(stack):
    """hiresync_provider_calls_total of the Microsoft watch endpoint, by status."""
    with urllib.request.urlopen(stack.base + "/metrics", timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("hiresync_provider_calls_total{") and 'endpoint="watch"' in line \
                and 'provider="microsoft"' in line:
            status = re.search(r'status="([^"]+)"', line).group(1)
            out[status] = out.get(status, 0) + float(line.rsplit(" ", 1)[1])
    return out


class SubscriptionExpiry(StackTest):
    """The tenant allows 4,230 minutes; the server is configured to ask for 10,080."""
    provider = "microsoft"
    sandbox_args = ("--graph-subscription-max-minutes", "4230")
    config_tables = {"microsoft": {"subscription_minutes": 10080}}

    def test_a_too_long_expiry_is_clamped_and_push_works(self):
        st = self.stack
        world = self.live_world()
        # Push, not the poll (every 600 s here), brings the message.
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "Pushed", "pushed@c.example"))
        wait_until(lambda: world.message_ids() == ["Pushed"], timeout=5, what="the pushed message")
        s, mb = world.mailbox()
        self.assertEqual((mb["status"], mb["error"]), ("live", None), mb)
        endpoints = st.stats(world.recruiter)["endpoints"]
        # The one subscription (on me/messages): a refused create, then the clamped retry.
        self.assertEqual(endpoints["subscriptions.create"], 2, endpoints)
        calls = watch_calls(st)
        self.assertGreaterEqual(calls.get("ok", 0), 1, calls)
        self.assertNotIn("consent_required", calls)


class HttpsNotificationUrl(StackTest):
    """A sandbox that refuses http:// notification URLs, as Graph does; a poll every 2 s."""
    provider = "microsoft"
    allow_http_notifications = False
    sync_config = {"poll_interval_s": 2}

    def test_the_mailbox_syncs_by_polling_and_the_failure_is_not_a_consent_problem(self):
        st = self.stack
        world = self.live_world()
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "Polled", "polled@c.example"))
        wait_until(lambda: world.message_ids() == ["Polled"], timeout=15, what="the polled message")
        s, mb = world.mailbox()
        self.assertEqual((mb["status"], mb["error"]), ("live", None), mb)
        stats = st.stats(world.recruiter)
        self.assertGreaterEqual(stats["endpoints"]["subscriptions.create"], 1, stats)
        self.assertEqual(stats["notifications"]["validations"], 0, stats)  # refused before any handshake
        calls = watch_calls(st)
        self.assertGreaterEqual(calls.get("invalid_argument", 0), 1, calls)
        self.assertNotIn("consent_required", calls)


class SearchCap(StackTest):
    """More matching messages than one $search returns (1,000)."""
    provider = "microsoft"

    def bulk_for(self, address, recruiter, count, tag, newest_days_ago=1):
        # One message every ~4.8 hours, newest first from `newest_days_ago`: several per day, so the
        # cap falls inside a day and the date continuation re-lists part of it.
        newest = int(time.time() * 1000) - newest_days_ago * DAY_MS
        return [("inbox", message(address, recruiter, f"{tag}-{i:04d}", f"{tag}-{i}@c.example"),
                 newest - i * DAY_MS // 5) for i in range(count)]

    def test_backfill_finds_all_1500_messages_of_a_candidate(self):
        st = self.stack
        world = World(st, provider="microsoft")
        st.add_account(world.recruiter, provider="microsoft")
        st.deliver_bulk(world.recruiter, self.bulk_for(world.candidate_email, world.recruiter, 1500, "b"))
        _, location = world.authorize()
        self.assertIn("result=connected", location)
        world.wait_live(timeout=120)
        subjects = world.message_ids()
        self.assertEqual(len(subjects), 1500)
        self.assertEqual(subjects, sorted(f"b-{i:04d}" for i in range(1500)))

    def test_past_the_cap_within_one_day_for_one_address_is_counted_not_looped(self):
        st = self.stack
        world = World(st, provider="microsoft")
        st.add_account(world.recruiter, provider="microsoft")
        noon = (int(time.time()) // 86400 - 1) * DAY_MS + DAY_MS // 2  # yesterday 12:00 UTC
        st.deliver_bulk(world.recruiter, [
            ("inbox", message(world.candidate_email, world.recruiter, f"s-{i:04d}", f"s-{i}@c.example"),
             noon - i * 1000) for i in range(1001)])
        world.authorize()
        world.wait_live(timeout=60)
        # Graph cannot list the 1,001st of one address's messages on one day: the backfill ends
        # anyway, with the newest 1,000, and says so in the metrics.
        self.assertEqual(world.message_ids(), sorted(f"s-{i:04d}" for i in range(1000)))
        self.assertEqual(metric(st, "hiresync_search_incomplete_total"), 1)

    def test_a_candidate_saved_later_gets_all_1100_past_messages(self):
        st = self.stack
        world = World(st, provider="microsoft")
        st.add_account(world.recruiter, provider="microsoft")
        s, m = st.ops("POST", "/api/ops/members", {"name": "Bo Chen", "emails": ["bo@later.example"],
                                                   "email_discovery": "anyone"})
        self.assertIn(s, (200, 201), m)
        st.deliver_bulk(world.recruiter, self.bulk_for("bo@later.example", world.recruiter, 1100, "t"))
        world.authorize()
        world.wait_live(timeout=60)
        s, body = st.api("POST", f"/api/projects/{world.project_id}/candidates", {"member_id": m["id"]},
                         world.admin)
        self.assertIn(s, (200, 201, 204), body)
        wait_until(lambda: len(world.message_ids(member_id=m["id"])) >= 1100, timeout=60,
                   what="the targeted backfill of all 1,100 messages")
        self.assertEqual(world.message_ids(member_id=m["id"]), sorted(f"t-{i:04d}" for i in range(1100)))


if __name__ == "__main__":
    unittest.main()
