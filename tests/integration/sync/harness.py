"""Starts the real `hiresync-sandbox` and `hiresync serve` on loopback and talks to them over HTTP.

Integration tests of the sync path use only the HTTP API of the server and the sandbox's control
API; the one exception (a test that rewrites a stored cursor into an older format) goes through
Stack.db_query / Stack.db_execute, which speak to either backend. Binaries come from HIRESYNC_BIN
and HIRESYNC_SANDBOX_BIN (set by CTest).

The store's backend is HIRESYNC_TEST_BACKEND: `sqlite` (the default; a file in each Stack's temp
folder) or `postgres` (CTest's `sync_*_pg` tests): one private PostgreSQL 15 per test process
(../pg.py, started at the first Stack, stopped when the process exits) and a fresh database
`hs_N` for each Stack, migrated with `hiresync migrate`, dropped when the Stack closes. Every
`hiresync` command the harness runs gets that database as `--db`.
"""
import atexit
import itertools
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pg import PostgresServer  # noqa: E402  (tests/integration/pg.py)

HIRESYNC = os.environ.get("HIRESYNC_BIN", "build/src/app/hiresync")
SANDBOX = os.environ.get("HIRESYNC_SANDBOX_BIN", "build/sandbox/hiresync-sandbox")
OPERATOR = "operator-token-for-tests"
PASSWORD = "correct horse battery staple"
BACKENDS = ("sqlite", "postgres")
BACKEND = os.environ.get("HIRESYNC_TEST_BACKEND") or "sqlite"
if BACKEND not in BACKENDS:
    raise RuntimeError(f"HIRESYNC_TEST_BACKEND must be one of {', '.join(BACKENDS)}, not {BACKEND!r}")

_postgres = None
_database_numbers = itertools.count(1)


def postgres():
    """This test process's PostgreSQL server: started on first use (1-2 s), stopped at exit."""
    global _postgres
    if _postgres is None:
        server = PostgresServer()
        try:
            server.start()
        except BaseException:
            server.stop()  # removes the half-made folder
            raise
        atexit.register(server.stop)
        _postgres = server
    return _postgres


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(NoRedirect)


def http(method, url, body=None, headers=None, timeout=10):
    """Returns (status, parsed JSON or text, headers). Never raises for an HTTP status."""
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        resp = _opener.open(req, timeout=timeout)
        status, raw, rh = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as e:
        status, raw, rh = e.code, e.read(), e.headers
    text = raw.decode("utf-8", "replace")
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return status, parsed, rh


def wait_until(predicate, timeout=10.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")


class Stack:
    """One sandbox and one server, with their own database (a SQLite file, or a PostgreSQL
    database of this process's server: see HIRESYNC_TEST_BACKEND) and logs in a temp folder."""

    def __init__(self, auto_consent=True, sandbox_args=(), sync_config=None, push=True,
                 allow_http_notifications=True, config_tables=None):
        self.dir = tempfile.mkdtemp(prefix="hiresync-it-")
        self.sandbox_port = free_port()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.sandbox_base = f"http://127.0.0.1:{self.sandbox_port}"
        self.server = self.sandbox = None
        self.backend = BACKEND
        self.database = None  # the PostgreSQL database's name
        try:
            self._start(auto_consent, sandbox_args, sync_config, push, allow_http_notifications, config_tables)
        except BaseException:
            self.close()  # a failed setUp gets no tearDown: stop the sandbox, drop the database
            raise

    def _start(self, auto_consent, sandbox_args, sync_config, push, allow_http_notifications, config_tables):
        if self.backend == "postgres":
            self.database = f"hs_{next(_database_numbers)}"
            postgres().create_database(self.database)
            self.db = postgres().uri(self.database)  # what every command gets as --db
            self.cli("migrate")  # serve refuses an older schema on PostgreSQL
        else:
            self.db = os.path.join(self.dir, "hiresync.db")
        self.config = os.path.join(self.dir, "hiresync.toml")
        sync = {"poll_interval_s": 600, "backfill_days": 365}
        sync.update(sync_config or {})
        with open(self.config, "w") as f:
            # The key file beside the SQLite file is serve's default; a URI has no folder to use.
            f.write(f"secret_key_file = {json.dumps(os.path.join(self.dir, 'secret.key'))}\n")
            f.write("[sync]\n")
            for k, v in sync.items():
                f.write(f"{k} = {v}\n")
            for table, values in (config_tables or {}).items():
                f.write(f"[{table}]\n")
                for k, v in values.items():
                    f.write(f"{k} = {json.dumps(v)}\n")
        args = [SANDBOX, "--listen", f"127.0.0.1:{self.sandbox_port}"]
        if auto_consent:
            args.append("--auto-consent")
        if push:
            args += ["--google-push-endpoint", f"{self.base}/webhooks/google"]
        if allow_http_notifications:
            # Graph refuses http:// notification URLs; our server listens on http loopback.
            args.append("--allow-http-notifications")
        args += list(sandbox_args)
        self.sandbox = self._spawn(args, "sandbox")
        self.start_server()

    def _spawn(self, args, name, env=None):
        with open(os.path.join(self.dir, f"{name}.log"), "ab") as log:
            proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        url = self.base if name == "serve" else self.sandbox_base
        try:
            wait_until(lambda: self._healthy(url, proc), timeout=15, what=f"{name} to answer /healthz")
        except AssertionError as e:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            # The folder may be gone before anyone reads the log (a failed setUp).
            raise AssertionError(f"{name}: {e}\n--- {name}.log (tail) ---\n{self.log(name)[-3000:]}") from None
        return proc

    @staticmethod
    def _healthy(url, proc):
        if proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode}")
        try:
            return http("GET", url + "/healthz", timeout=1)[0] == 200
        except OSError:
            return False

    def start_server(self, extra_env=None):
        env = dict(os.environ)
        env.update(extra_env or {})
        env["HIRESYNC_OPERATOR_TOKEN"] = OPERATOR
        env.pop("HIRESYNC_SECRET_KEY", None)
        args = [HIRESYNC, "serve", "--listen", f"127.0.0.1:{self.port}", "--db", self.db,
                "--config", self.config, "--sandbox", self.sandbox_base, "--public-url", self.base]
        self.server = self._spawn(args, "serve", env)

    def cli(self, command, *args, check=True):
        """Runs `hiresync COMMAND --db <this Stack's database> ARGS...`; output in cli.log.
        Returns the CompletedProcess (text); with check, a non-zero exit fails the test."""
        argv = [HIRESYNC, command, "--db", self.db, *args]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        with open(os.path.join(self.dir, "cli.log"), "a") as log:
            log.write(f"$ {' '.join(argv)}\n{done.stdout}{done.stderr}exit {done.returncode}\n")
        if check and done.returncode != 0:
            raise AssertionError(f"hiresync {command} exited with {done.returncode}:\n{done.stderr}{done.stdout}")
        return done

    # --- the database, behind the server's back (only for what the API cannot do) ---------------
    def db_query(self, sql, *params):
        """The rows of one query as a list of tuples, on either backend. Parameters are `?`
        placeholders (a `?` in the SQL is always one), bound by sqlite3 or quoted by psql."""
        if self.backend == "postgres":
            sql, variables = self._psql_variables(sql, params)
            return postgres().query(sql, self.database, **variables)
        db = sqlite3.connect(self.db)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def db_execute(self, sql, *params):
        """Runs one statement (committed) on either backend; `?` placeholders as in db_query."""
        if self.backend == "postgres":
            sql, variables = self._psql_variables(sql, params)
            postgres().psql(sql.rstrip().rstrip(";") + ";", self.database, **variables)
            return
        db = sqlite3.connect(self.db)
        try:
            db.execute(sql, params)
            db.commit()
        finally:
            db.close()

    @staticmethod
    def _psql_variables(sql, params):
        parts = sql.split("?")
        if len(parts) != len(params) + 1:
            raise ValueError(f"{len(parts) - 1} placeholders for {len(params)} parameters: {sql}")
        if any(p is None for p in params):
            raise ValueError("psql cannot bind NULL: write NULL in the SQL")
        out = parts[0]
        for i, part in enumerate(parts[1:]):
            out += f":'p{i}'" + part
        return out, {f"p{i}": str(p) for i, p in enumerate(params)}

    def kill_server(self, sig=signal.SIGKILL):
        self.server.send_signal(sig)
        self.server.wait(timeout=10)

    def close(self):
        for proc in (self.server, self.sandbox):
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if os.environ.get("HIRESYNC_KEEP_TEST_DIRS"):
            print("kept", self.dir, f"(database {self.db} until this process exits)" if self.database else "")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
            if self.database:
                try:
                    postgres().drop_database(self.database)
                except RuntimeError as e:  # a leftover database costs only disk until exit
                    print("could not drop", self.database, e)

    def log(self, name):
        with open(os.path.join(self.dir, f"{name}.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    # --- the server's API ---------------------------------------------------------------------
    def api(self, method, path, body=None, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        status, parsed, _ = http(method, self.base + path, body, headers)
        return status, parsed

    def ops(self, method, path, body=None):
        return self.api(method, path, body, OPERATOR)

    def login(self, email):
        status, body = self.api("POST", "/api/session", {"email": email, "password": PASSWORD})
        assert status == 200, (status, body)
        return body["token"]

    # --- the sandbox's control API -------------------------------------------------------------
    def ctl(self, method, path, body=None):
        status, parsed, _ = http(method, self.sandbox_base + path, body)
        return status, parsed

    def add_account(self, address, consent="granted", mailbox=True, provider="google", hosting="cloud"):
        status, body = self.ctl("POST", "/control/accounts",
                                {"provider": provider, "address": address, "mailbox": mailbox,
                                 "consent": consent, "hosting": hosting})
        assert status in (200, 201), (status, body)

    def deliver(self, address, raw, folder="inbox", internal_date_ms=None, provider=None):
        body = {"folder": folder, "raw": raw}
        if provider is not None:
            body["provider"] = provider
        if internal_date_ms is not None:
            body["internal_date_ms"] = internal_date_ms
        status, out = self.ctl("POST", f"/control/accounts/{address}/messages", body)
        assert status in (200, 201), (status, out)
        return out

    def deliver_bulk(self, address, messages):
        """Loads many messages without push notifications: [(folder, raw, internal_date_ms)]."""
        body = {"messages": [{"folder": f, "raw": r, "internal_date_ms": d} for f, r, d in messages], "push": False}
        status, out = self.ctl("POST", f"/control/accounts/{address}/messages:bulk", body)
        assert status in (200, 201), (status, out)
        return out

    def stats(self, address):
        status, body = self.ctl("GET", "/control/stats?" + urllib.parse.urlencode({"account": address}))
        assert status == 200, (status, body)
        return body

    def fault(self, **kwargs):
        status, body = self.ctl("POST", "/control/faults", kwargs)
        assert status in (200, 201, 204), (status, body)


def message(sender, to, subject, msg_id, body="Hello", cc=None, in_reply_to=None, date=None):
    lines = [f"From: {sender}", f"To: {to}"]
    if cc:
        lines.append(f"Cc: {cc}")
    lines += [f"Subject: {subject}", f"Message-ID: <{msg_id}>",
              "Date: " + (date or time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()))]
    if in_reply_to:
        lines += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    return "\r\n".join(lines) + "\r\n\r\n" + body + "\r\n"


class World:
    """A contract with an admin (who is also a recruiter), a second recruiter, a candidate in a
    project, and a second contract with its own user: built through the HTTP API."""

    def __init__(self, stack, provider="google", domain="acme.example"):
        self.stack = stack
        self.domain = domain
        s, c = stack.ops("POST", "/api/ops/contracts",
                         {"name": f"Acme {domain}", "admin": {"email": f"rita@{domain}", "name": "Rita",
                                                              "password": PASSWORD}})
        assert s in (200, 201), (s, c)
        self.contract_id = c["id"]
        self.admin = stack.login(f"rita@{domain}")
        s, u = stack.api("POST", "/api/users", {"email": f"sam@{domain}", "name": "Sam", "password": PASSWORD,
                                                "role": "user"}, self.admin)
        assert s in (200, 201), (s, u)
        self.second = stack.login(f"sam@{domain}")
        self.candidate_email = f"ann.{domain.split('.')[0]}@candidates.example"
        s, m = stack.ops("POST", "/api/ops/members", {"name": "Ann Lee", "emails": [self.candidate_email],
                                                      "email_discovery": "anyone"})
        assert s in (200, 201), (s, m)
        self.candidate_id = m["id"]
        s, p = stack.api("POST", "/api/projects", {"name": "Backend"}, self.admin)
        assert s in (200, 201), (s, p)
        self.project_id = p["id"]
        s, body = stack.api("POST", f"/api/projects/{self.project_id}/candidates", {"member_id": self.candidate_id},
                            self.admin)
        assert s in (200, 201, 204), (s, body)
        if provider != "none":
            self.enable(provider)
        self.recruiter = f"rita@{domain}"

    def enable(self, provider):
        s, body = self.stack.api("PATCH", "/api/contract/settings", {"email_provider": provider}, self.admin)
        assert s == 200, (s, body)

    def authorize(self, token=None):
        """Runs the OAuth flow as a browser would (auto-consent): returns the callback's Location."""
        token = token or self.admin
        s, body = self.stack.api("POST", "/api/me/mailbox/authorize", None, token)
        if s != 200:
            return s, body
        s, _, h = http("GET", body["authorize_url"])
        assert s in (302, 303), s
        callback = h["Location"]
        s, _, h = http("GET", callback, headers={"Authorization": f"Bearer {token}"})
        assert s in (302, 303), (s, callback)
        return s, h["Location"]

    def mailbox(self, token=None):
        return self.stack.api("GET", "/api/me/mailbox", None, token or self.admin)

    def wait_live(self, token=None, timeout=10):
        def live():
            s, b = self.mailbox(token)
            return b if s == 200 and b["status"] == "live" else None
        return wait_until(live, timeout=timeout, what="mailbox live")

    def threads(self, token=None, member_id=None):
        return self.stack.api("GET", f"/api/candidates/{member_id or self.candidate_id}/threads", None,
                              token or self.admin)

    def message_ids(self, token=None, member_id=None):
        """Every message visible to the caller on the candidate's profile, by subject (sorted)."""
        s, threads = self.threads(token, member_id)
        assert s == 200, (s, threads)
        return sorted(m["subject"] for t in threads for m in t["messages"])


class StackTest(unittest.TestCase):
    """Starts one Stack per test; keeps the logs in the failure message."""
    sandbox_args = ()
    sync_config = None
    config_tables = None  # other tables of the server's TOML config: {"microsoft": {...}}
    allow_http_notifications = True
    auto_consent = True
    provider = "google"

    def live_world(self):
        """A contract on `provider` whose admin has authorized their mailbox, synced and live."""
        world = World(self.stack, provider=self.provider)
        self.stack.add_account(world.recruiter, provider=self.provider)
        _, location = world.authorize()
        assert "result=connected" in location, location
        world.wait_live()
        return world

    def setUp(self):
        self.stack = Stack(auto_consent=self.auto_consent, sandbox_args=self.sandbox_args,
                           sync_config=self.sync_config, allow_http_notifications=self.allow_http_notifications,
                           config_tables=self.config_tables)

    def tearDown(self):
        failed = any(err for _, err in getattr(self._outcome, "errors", []) if err) or \
            (hasattr(self._outcome, "result") and (self._outcome.result.failures or self._outcome.result.errors))
        if failed:
            print("\n--- serve.log (tail) ---\n" + self.stack.log("serve")[-4000:])
            print("\n--- sandbox.log (tail) ---\n" + self.stack.log("sandbox")[-2000:])
        self.stack.close()


class FaultTest(StackTest):
    """A live mailbox of `provider`, deliveries in pairs, and "exactly this set" assertions."""
    # A fallback poll every 2 s so a dropped push is caught within the tests' patience.
    sync_config = {"poll_interval_s": 2}

    def deliver_pair(self, world, tag):
        """One candidate message and one unrelated message; returns the candidate's subject."""
        st = self.stack
        st.deliver(world.recruiter, message(f"x-{tag}@noise.example", world.recruiter, f"noise {tag}",
                                            f"noise-{tag}@noise.example"))
        st.deliver(world.recruiter, message(world.candidate_email, world.recruiter, f"cand {tag}",
                                            f"cand-{tag}@c.example"))
        return f"cand {tag}"

    def assert_exactly(self, world, subjects, timeout=20):
        wait_until(lambda: world.message_ids() == sorted(subjects), timeout=timeout,
                   what=f"exactly {sorted(subjects)}")
        time.sleep(0.3)
        self.assertEqual(world.message_ids(), sorted(subjects))  # and nothing doubled after
