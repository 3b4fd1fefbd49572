"""Issue 12, points 3-5: several `hiresync serve` nodes on one PostgreSQL share the mailboxes.

Each node claims an even share by lease (docs/postgres.md "Cluster"); a request may land on any node
(a relay stands in for the load balancer: every node's public URL is the relay's, and the test picks
the node it forwards to), and the lease holder is woken at once through the database (LISTEN/NOTIFY).
A node killed with SIGKILL loses its mailboxes when its leases lapse, one stopped with SIGTERM hands
them back at once, and nothing is stored twice. Always PostgreSQL, whatever HIRESYNC_TEST_BACKEND.
"""
import http.client
import http.server
import os
import signal
import subprocess
import threading
import time
import unittest

from harness import HIRESYNC, OPERATOR, Stack, World, free_port, http as http_call, message, wait_until

HEARTBEAT_MS = 300
LEASE_MS = 4000


class Relay(http.server.ThreadingHTTPServer):
    """Forwards every request, unchanged, to the node the test chose (stack.target)."""
    daemon_threads = True

    def __init__(self, port, stack):
        self.stack = stack
        super().__init__(("127.0.0.1", port), RelayHandler)


class RelayHandler(http.server.BaseHTTPRequestHandler):
    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        port = self.server.stack.node_ports[self.server.stack.target]
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(self.command, self.path, body, headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
        except OSError as e:  # the chosen node is down: what a load balancer would answer
            self.send_error(502, str(e))
            return
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

    def log_message(self, *args):
        pass


class ClusterStack(Stack):
    """The sandbox, `nodes` serve processes on one PostgreSQL database, and the relay at self.base
    (the public URL of every node: OAuth redirects and Gmail pushes come through it)."""

    def __init__(self, nodes=3, **kwargs):
        self.node_count = nodes
        self.nodes = []
        self.node_ports = [free_port() for _ in range(nodes)]
        self.target = 0
        self.relay = None
        kwargs.setdefault("config_tables", {})["cluster"] = {"heartbeat_ms": HEARTBEAT_MS, "lease_ms": LEASE_MS}
        super().__init__(**kwargs)

    def _start(self, *args):
        self.backend = "postgres"  # the cluster exists only there
        super()._start(*args)

    def start_server(self, extra_env=None):
        if self.relay is None:
            self.relay = Relay(self.port, self)
            threading.Thread(target=self.relay.serve_forever, daemon=True).start()
        for i in range(self.node_count):
            self.nodes.append(self.start_node(i))
        self.server = self.nodes[0]

    def start_node(self, i):
        env = dict(os.environ)
        env["HIRESYNC_OPERATOR_TOKEN"] = OPERATOR
        env.pop("HIRESYNC_SECRET_KEY", None)
        args = [HIRESYNC, "serve", "--listen", f"127.0.0.1:{self.node_ports[i]}", "--db", self.db,
                "--config", self.config, "--sandbox", self.sandbox_base, "--public-url", self.base,
                "--node-id", f"n{i}"]
        with open(os.path.join(self.dir, f"serve{i}.log"), "ab") as log:
            proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{self.node_ports[i]}/healthz"

        def healthy():
            if proc.poll() is not None:
                raise AssertionError(f"node {i} exited with {proc.returncode}:\n{self.log(f'serve{i}')[-3000:]}")
            try:
                return http_call("GET", url, timeout=1)[0] == 200
            except OSError:
                return False
        wait_until(healthy, timeout=15, what=f"node {i} to answer /healthz")
        return proc

    def stop_node(self, i, sig):
        self.nodes[i].send_signal(sig)
        self.nodes[i].wait(timeout=15)

    def close(self):
        for proc in self.nodes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if self.relay is not None:
            self.relay.shutdown()
            self.relay.server_close()
        super().close()

    # --- what the cluster decided -------------------------------------------------------------
    def cluster(self):
        status, body = self.ops("GET", "/api/ops/cluster")
        assert status == 200, (status, body)
        return body["nodes"]

    def lease_of(self, address):
        """(holder, epoch, live) of the mailbox of `address`."""
        rows = self.db_query("SELECT l.holder, l.epoch, l.expires_at_ms FROM mailbox_leases l"
                             " JOIN mailboxes m ON m.id = l.mailbox_id WHERE m.address = ?", address)
        if not rows:
            return None, 0, False
        holder, epoch, expires = rows[0]
        return holder, int(epoch), int(expires) > time.time() * 1000

    def holder_index(self, address):
        holder, _, live = self.lease_of(address)
        return int(holder[1:]) if live and holder else None


class ClusterCase(unittest.TestCase):
    """A ClusterStack per test and the helpers the cluster tests share (no tests of its own)."""
    nodes = 3

    def setUp(self):
        # No hot window: a message shows only because its push woke the holder.
        self.stack = ClusterStack(nodes=self.nodes, sync_config={"poll_interval_s": 600, "push_hot_window_ms": 0})

    def tearDown(self):
        failed = any(err for _, err in getattr(self._outcome, "errors", []) if err) or \
            (hasattr(self._outcome, "result") and (self._outcome.result.failures or self._outcome.result.errors))
        if failed:
            for i in range(self.stack.node_count):
                print(f"\n--- serve{i}.log (tail) ---\n" + self.stack.log(f"serve{i}")[-3000:])
        self.stack.close()

    def live_worlds(self, n):
        worlds = []
        for i in range(n):
            world = World(self.stack, domain=f"acme{i}.example")
            self.stack.add_account(world.recruiter)
            _, location = world.authorize()
            self.assertIn("result=connected", location)
            world.wait_live(timeout=20)
            worlds.append(world)
        return worlds

    def wait_spread(self, expected):
        def spread():
            counts = sorted(n["mailboxes"] for n in self.stack.cluster())
            return counts if counts == expected else None
        return wait_until(spread, timeout=10, what=f"mailboxes spread as {expected}")

    def deliver_and_time(self, world, subject, expected):
        st = self.stack
        time.sleep(1.1)  # Gmail's one push per second per user
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, subject, f"{subject}@c.example"))
        started = time.monotonic()
        wait_until(lambda: world.message_ids() == sorted(expected), timeout=5, what=f"{subject} visible")
        return time.monotonic() - started


class ClusterTest(ClusterCase):
    def test_mailboxes_spread_evenly_and_a_push_to_any_node_wakes_the_holder(self):
        st = self.stack
        worlds = self.live_worlds(3)
        self.wait_spread([1, 1, 1])
        nodes = st.cluster()
        self.assertEqual(sorted(n["id"] for n in nodes), ["n0", "n1", "n2"])
        for n in nodes:
            self.assertTrue(n["last_heartbeat_at"].endswith("Z"), n)
            self.assertGreaterEqual(n["queue_depth"], 0)

        world = worlds[0]
        holder = st.holder_index(world.recruiter)
        self.assertIsNotNone(holder)
        st.target = (holder + 1) % self.nodes  # the push lands on a node that does not hold it
        elsewhere = self.deliver_and_time(world, "via another node", ["via another node"])
        st.target = holder
        direct = self.deliver_and_time(world, "via the holder", ["via another node", "via the holder"])
        # The fallback poll is 10 minutes away: only the wakeup explains either. Through the
        # database it costs a NOTIFY, not a heartbeat.
        self.assertLess(elsewhere, direct + 1.0, (elsewhere, direct))
        self.assertLess(elsewhere, HEARTBEAT_MS / 1000.0 + 2.0)

    def test_a_killed_holder_is_taken_over_after_its_lease_and_nothing_is_doubled(self):
        st = self.stack
        worlds = self.live_worlds(2)
        world = worlds[0]
        holder = st.holder_index(world.recruiter)
        _, epoch, _ = st.lease_of(world.recruiter)
        st.stop_node(holder, signal.SIGKILL)
        st.target = (holder + 1) % self.nodes
        killed_at = time.monotonic()
        time.sleep(1.1)
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, "after the crash",
                                            "after-crash@c.example"))
        wait_until(lambda: world.message_ids() == ["after the crash"], timeout=LEASE_MS / 1000.0 + 5,
                   what="the message synced by the node that took over")
        self.assertLess(time.monotonic() - killed_at, LEASE_MS / 1000.0 + 5)
        new_holder, new_epoch, live = st.lease_of(world.recruiter)
        self.assertTrue(live)
        self.assertNotEqual(new_holder, f"n{holder}")
        self.assertGreater(new_epoch, epoch)
        time.sleep(1.0)
        self.assertEqual(world.message_ids(), ["after the crash"])  # stored once
        # The survivors share everything; the killed node stays listed, with its last heartbeat and
        # no mailboxes, until it starts again.
        self.wait_spread([0, 1, 1])

    def test_sigterm_hands_the_mailboxes_back_at_once(self):
        st = self.stack
        worlds = self.live_worlds(3)
        self.wait_spread([1, 1, 1])
        world = worlds[1]
        holder = st.holder_index(world.recruiter)
        st.target = (holder + 1) % self.nodes
        stopped = time.monotonic()
        st.stop_node(holder, signal.SIGTERM)

        def taken():
            index = st.holder_index(world.recruiter)
            return index is not None and index != holder
        wait_until(taken, timeout=LEASE_MS / 1000.0, what="another node holding the mailbox")
        # Well before the lease would have lapsed: handed back, not timed out.
        self.assertLess(time.monotonic() - stopped, LEASE_MS / 1000.0 / 2)
        self.assertEqual(sorted(n["id"] for n in st.cluster()), sorted(f"n{i}" for i in range(3) if i != holder))
        self.wait_spread([1, 2])
        self.deliver_and_time(world, "after handing back", ["after handing back"])


if __name__ == "__main__":
    unittest.main()
