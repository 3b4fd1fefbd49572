#!/usr/bin/env python3
"""Idle mailboxes at scale (issue 12 (a)): run by `make bench`; not a test.

One `hiresync serve` (SQLite, serve's defaults: 4 sync workers, 4 HTTP threads, fallback poll every
600 s) with the sandbox (auto-consent, Gmail push to serve). N recruiters (default 10,000) in one
contract, each with a connected, live, push-driven Google mailbox (a sandbox account and a Gmail
watch). Two measurements:

1. Memory per mailbox. serve is restarted after seeding, so its baseline holds the 10,000 users
   in the store and no mailbox. Mailboxes are then connected in steps (--steps); after each step,
   once every mailbox is live and serve has idled --idle seconds, serve's VmRSS (and RssAnon,
   threads, open file descriptors) is read from /proc/PID/status. Reported: (RSS_N - RSS_0) / N,
   and the slope between steps (which is free of one-off growth such as caches and allocator
   arenas warmed by the first mailboxes).
2. Push-to-visible. --rate deliveries per second (default 20) for --duration seconds (default
   60), each to a mailbox picked uniformly at random, open loop (a delivery is sent on time
   whether or not the earlier ones are visible yet). Each is candidate mail (from one of the
   contract's candidates), so it becomes visible on that candidate's profile. Latency is
   client-side, through the API: from just before the sandbox control call that delivers the
   message (the sandbox pushes to serve from there) to the message in GET
   /api/candidates/{id}/threads as the recipient recruiter, polled every 5 ms. p50/p99/max and the
   count. serve's own histogram (`hiresync_push_to_visible_seconds` in /metrics: from the
   provider's received time to the commit, so without the API read) is reported beside it for the
   same window.

Setup, and what is not done through the product's front door (argon2id costs ~110 ms per hash
here, by design, so 10,000 passwords through `hiresync seed` and 10,000 logins would take ~40 min
of the machine's 2 cores):
- `hiresync seed` writes the contract (google), its admin (recruiter 0, with a password), the
  candidates and their project. The other recruiters are INSERTed in one statement with the
  admin's password hash (the row `hiresync seed` writes for a user with the same password), and
  each recruiter gets a session row (SHA-256 of a random bearer token, as POST /api/session
  stores it) instead of a login.
- Every mailbox is authorized through the real OAuth flow, as harness.World.authorize does: POST
  /api/me/mailbox/authorize, the sandbox's authorize URL (--auto-consent: it consents at once for
  the login_hint account instead of showing the page), the callback on serve with the code. A
  thread pool (--parallel) drives the flows; serve exchanges each code, stores the sealed tokens,
  and its sync workers backfill (one Gmail search: the mailboxes are empty), set the Gmail watch
  and go live. Setup time, authorize-to-all-live, is reported per step.

The mailbox setup (connect_mailboxes) and the delivery/measure loop (deliver_and_measure) are
functions over a list of Recruiter rows (serve URL, token, address), so that a cluster variant
can spread the recruiters over several serve URLs.

Writes its section of bench/RESULTS.md between the idle-bench markers.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import re
import secrets
import signal
import statistics
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "sync"))
import harness  # noqa: E402
from harness import PASSWORD, Stack, message, wait_until  # noqa: E402
from results_md import write_section  # noqa: E402
from sync_bench import percentile  # noqa: E402
from threads_bench import machine  # noqa: E402

BEGIN, END = "<!-- idle-bench:begin -->", "<!-- idle-bench:end -->"
DOMAIN = "hiresync-idle.example"
CONTRACT = "Idle Bench Co"


class Recruiter:
    """One user with a mailbox: where their serve is, their bearer token, their address."""

    def __init__(self, index, base, token, address):
        self.index, self.base, self.token, self.address = index, base, token, address

    def api(self, method, path, body=None, timeout=30):
        return harness.http(method, self.base + path, body, {"Authorization": f"Bearer {self.token}"},
                            timeout=timeout)


def address_of(i):
    return f"recruiter{i}@{DOMAIN}"


# --- the store ------------------------------------------------------------------------------------
def seed_store(st, recruiters, candidates, work):
    """Seeds the contract, recruiter 0 and the candidates with `hiresync seed`, then the other
    recruiters and everyone's session in bulk. Returns ([Recruiter], {candidate address: member id})."""
    seed = {"members": [{"name": f"Candidate {i}", "emails": [f"candidate{i}@people.example"],
                         "email_discovery": "anyone"} for i in range(candidates)],
            "contracts": [{"name": CONTRACT, "email_provider": "google", "inmail_default_visibility": "private",
                           "internal_domains": [],
                           "users": [{"email": address_of(0), "name": "Recruiter 0", "password": PASSWORD,
                                      "role": "admin"}],
                           "projects": [{"name": "Idle role",
                                         "candidates": [f"candidate{i}@people.example" for i in range(candidates)]}]}]}
    path = os.path.join(work, "seed.json")
    with open(path, "w") as f:
        json.dump(seed, f)
    st.cli("seed", path)
    # The other recruiters: the row `hiresync seed` writes for a user with the admin's password.
    st.db_execute(
        "INSERT INTO users(contract_id, email, email_key, name, role, password_hash, created_at) "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "SELECT u.contract_id, 'recruiter' || n.i || '@" + DOMAIN + "', 'recruiter' || n.i || '@" + DOMAIN + "', "
        "'Recruiter ' || n.i, 'user', u.password_hash, u.created_at FROM n, users u WHERE u.email_key = ?",
        recruiters - 1, address_of(0))
    ids = dict((email, uid) for uid, email in st.db_query("SELECT id, email_key FROM users"))
    now = int(time.time())
    rows, out = [], []
    for i in range(recruiters):
        token = secrets.token_urlsafe(32)
        rows.append((hashlib.sha256(token.encode()).hexdigest(), ids[address_of(i)], now, now + 30 * 86400))
        out.append(Recruiter(i, st.base, token, address_of(i)))
    bulk_insert(st, "sessions", ("token_digest", "user_id", "created_at", "expires_at"), rows)
    members = dict((email, mid) for mid, email in st.db_query("SELECT member_id, email FROM member_emails"))
    return out, members


def bulk_insert(st, table, columns, rows):
    """Many rows in one transaction on either backend (SQLite: executemany; PostgreSQL: one INSERT
    through psql). Values are ints or strings without quotes."""
    if st.backend == "postgres":
        values = ",".join("(" + ",".join(str(v) if isinstance(v, int) else f"'{v}'" for v in r) + ")"
                          for r in rows)
        harness.postgres().psql(f"INSERT INTO {table}({','.join(columns)}) VALUES {values};", st.database)
        return
    import sqlite3
    db = sqlite3.connect(st.db, timeout=60)
    try:
        db.executemany(f"INSERT INTO {table}({','.join(columns)}) VALUES ({','.join('?' * len(columns))})", rows)
        db.commit()
    finally:
        db.close()


# --- the mailboxes --------------------------------------------------------------------------------
def authorize(st, r):
    """The OAuth flow of harness.World.authorize for one recruiter (the sandbox auto-consents)."""
    st.add_account(r.address)
    s, body, _ = r.api("POST", "/api/me/mailbox/authorize")
    if s != 200:
        raise RuntimeError(f"{r.address}: authorize answered {s}: {body}")
    s, _, h = harness.http("GET", body["authorize_url"], timeout=30)
    if s not in (302, 303):
        raise RuntimeError(f"{r.address}: the sandbox answered {s}")
    s, _, h = r.api("GET", h["Location"].replace(r.base, ""))
    if s not in (302, 303) or "result=connected" not in h.get("Location", ""):
        raise RuntimeError(f"{r.address}: callback answered {s}, {h.get('Location')}")


def mailbox_states(st):
    return dict(st.db_query("SELECT state, COUNT(*) FROM mailboxes GROUP BY state"))


def connect_mailboxes(st, recruiters, parallel, timeout):
    """Authorizes every recruiter's mailbox with `parallel` flows at once, then waits until all of
    the store's mailboxes are live. Returns (seconds to the last authorization, seconds to all live,
    states at the end)."""
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
        for f in concurrent.futures.as_completed([pool.submit(authorize, st, r) for r in recruiters]):
            f.result()
    authorized = time.monotonic() - t0
    want = sum(mailbox_states(st).values())
    last = {}

    def all_live():
        nonlocal last
        last = mailbox_states(st)
        return last.get("live", 0) == want
    try:
        wait_until(all_live, timeout=timeout, interval=0.5, what="every mailbox live")
    except AssertionError as e:
        raise RuntimeError(f"not all mailboxes went live: {last}") from e
    return authorized, time.monotonic() - t0, last


def process_stats(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                out[key] = int(value.split()[0])  # kB, or a count
    out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return out


# --- deliveries -----------------------------------------------------------------------------------
def deliver_and_measure(st, recruiters, members, rate, duration, seed, poll_s=0.005, timeout=30.0, workers=64):
    """Open loop: every 1/rate s a candidate message to a random recruiter's mailbox; each is then
    watched through that recruiter's candidate threads until it shows. Returns the latencies (ms),
    the deliveries that never showed, and how late the sender fell behind its schedule at worst."""
    rng = random.Random(seed)
    cands = sorted(members.items())
    plan = [(rng.choice(recruiters), *rng.choice(cands)) for _ in range(int(rate * duration))]
    latencies, missing, lock = [], [], threading.Lock()

    def one(n, r, cand_email, member_id):
        subject = f"idle {n} {secrets.token_hex(4)}"
        start = time.monotonic()
        st.deliver(r.address, message(cand_email, r.address, subject, f"idle{n}.{secrets.token_hex(4)}@c.example"))
        deadline = start + timeout
        while time.monotonic() < deadline:
            s, threads, _ = r.api("GET", f"/api/candidates/{member_id}/threads")
            now = time.monotonic()
            if s == 200 and any(m["subject"] == subject for t in threads for m in t["messages"]):
                with lock:
                    latencies.append((now - start) * 1000)
                return
            time.sleep(poll_s)
        with lock:
            missing.append((r.address, subject))

    lag = 0.0
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = []
        t0 = time.monotonic()
        for n, (r, cand_email, member_id) in enumerate(plan):
            due = t0 + n / rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            lag = max(lag, time.monotonic() - due)
            futures.append(pool.submit(one, n, r, cand_email, member_id))
        for f in futures:
            f.result()
    return {"latencies_ms": latencies, "missing": missing, "lag_s": lag, "planned": len(plan)}


def histogram(metrics_text, name):
    """{le: cumulative count} summed over label sets, plus the count, from Prometheus text."""
    buckets, count = {}, 0
    for line in metrics_text.splitlines():
        m = re.match(rf'{name}_bucket\{{(.*?)\}} (\S+)', line)
        if m:
            le = re.search(r'le="([^"]+)"', m.group(1)).group(1)
            buckets[le] = buckets.get(le, 0) + float(m.group(2))
        m = re.match(rf'{name}_count(?:\{{.*?\}})? (\S+)', line)
        if m:
            count += float(m.group(1))
    return buckets, count


def metrics(st):
    s, text, _ = harness.http("GET", st.base + "/metrics", timeout=30)
    return text if s == 200 else ""


# --- the run --------------------------------------------------------------------------------------
def settle(st, seconds):
    time.sleep(seconds)
    return process_stats(st.server.pid)


def run(args):
    st = Stack(auto_consent=True, sync_config={"poll_interval_s": 600})
    result = {"steps": []}
    try:
        t0 = time.monotonic()
        recruiters, members = seed_store(st, args.mailboxes, args.candidates, st.dir)
        result["seed_s"] = time.monotonic() - t0
        # Restart serve so that its baseline is a process that has seen the seeded store, not the seeding.
        st.kill_server(signal.SIGTERM)
        st.start_server()
        print(f"idle bench: seeded {args.mailboxes:,} recruiters in {result['seed_s']:.1f} s; idling "
              f"{args.idle} s for the baseline", file=sys.stderr)
        result["baseline"] = settle(st, args.idle)
        done = 0
        for n in sorted(set(min(args.mailboxes, s) for s in args.steps) | {args.mailboxes}):
            batch = recruiters[done:n]
            print(f"idle bench: connecting mailboxes {done + 1:,}..{n:,}", file=sys.stderr)
            try:
                authorized_s, live_s, states = connect_mailboxes(st, batch, args.parallel, args.live_timeout)
            except Exception as e:  # noqa: BLE001  (a scale limit is a finding: keep what was measured)
                alive = st.server.poll() is None
                result["failure"] = {"at": n, "error": str(e), "serve_alive": alive,
                                     "stats": process_stats(st.server.pid) if alive else None,
                                     "serve_log_tail": st.log("serve")[-3000:]}
                print(f"idle bench: failed at {n:,}: {e}", file=sys.stderr)
                break
            done = n
            stats = settle(st, args.idle)
            result["steps"].append({"mailboxes": n, "authorized_s": authorized_s, "live_s": live_s,
                                    "states": states, "stats": stats})
            print(f"idle bench: {n:,} live ({live_s:.1f} s for this step); VmRSS {stats['VmRSS']:,} kB, "
                  f"{stats['Threads']} threads, {stats['fds']} fds", file=sys.stderr)
        live = [r for r in recruiters[:done]]
        if live and args.duration > 0:
            print(f"idle bench: {args.rate}/s deliveries over {len(live):,} mailboxes for {args.duration} s",
                  file=sys.stderr)
            before = metrics(st)
            load = os.getloadavg()[0]
            result["deliveries"] = deliver_and_measure(st, live, members, args.rate, args.duration, args.random_seed)
            result["deliveries"]["load_before"] = load
            result["deliveries"]["load_after"] = os.getloadavg()[0]
            after = metrics(st)
            b0, c0 = histogram(before, "hiresync_push_to_visible_seconds")
            b1, c1 = histogram(after, "hiresync_push_to_visible_seconds")
            result["server_histogram"] = {"count": c1 - c0,
                                          "buckets": {le: b1[le] - b0.get(le, 0) for le in b1}}
            result["after_deliveries"] = process_stats(st.server.pid)
        sb = st.ctl("GET", "/control/stats")[1]
        result["sandbox"] = {"rejected": sb.get("rejected"), "pushes": sb.get("pushes")}
        result["serve_log_errors"] = sum(1 for line in st.log("serve").splitlines()
                                         if " error " in line.lower() or "\"error\"" in line.lower())
    finally:
        st.close()
    return result


def render(args, r):
    base = r["baseline"]
    lines = [BEGIN, "## Idle mailboxes on one node (issue 12 (a))", "",
             f"- Date: {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; machine: {machine()}",
             f"- Command: `python3 bench/idle_bench.py` (part of `make bench`; `CONTENDERS=idle make bench` runs it "
             f"alone); here `--mailboxes {args.mailboxes} --rate {args.rate} --duration {args.duration} "
             f"--idle {args.idle}`. Method and shortcuts in the script's docstring.",
             f"- serve on SQLite with its defaults (4 sync workers, 4 HTTP threads, fallback poll 600 s), "
             f"the sandbox with auto-consent and Gmail push; {args.candidates} candidates in the contract's project; "
             f"setup (seed + bulk users and sessions): {r['seed_s']:.1f} s.", "",
             "### Memory", "",
             "| mailboxes live | authorize all | to all live | VmRSS | RssAnon | (VmRSS - baseline) / mailbox | "
             "slope since previous row | threads | fds |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
             f"| 0 (baseline, {args.mailboxes:,} users seeded) | | | {base['VmRSS'] / 1024:.1f} MB | "
             f"{base['RssAnon'] / 1024:.1f} MB | | | {base['Threads']} | {base['fds']} |"]
    prev_n, prev_rss = 0, base["VmRSS"]
    for s in r["steps"]:
        rss, n = s["stats"]["VmRSS"], s["mailboxes"]
        per = (rss - base["VmRSS"]) * 1024 / n / 1024
        slope = (rss - prev_rss) * 1024 / (n - prev_n) / 1024
        lines.append(f"| {n:,} | {s['authorized_s']:.1f} s | {s['live_s']:.1f} s | {rss / 1024:.1f} MB | "
                     f"{s['stats']['RssAnon'] / 1024:.1f} MB | {per:.1f} KB | {slope:.1f} KB | "
                     f"{s['stats']['Threads']} | {s['stats']['fds']} |")
        prev_n, prev_rss = n, rss
    verdicts = []
    if r["steps"]:
        last = r["steps"][-1]
        per = (last["stats"]["VmRSS"] - base["VmRSS"]) / last["mailboxes"]
        full = last["mailboxes"] == args.mailboxes
        verdicts.append(f"RSS per mailbox < 50 KB at {last['mailboxes']:,} mailboxes: "
                        f"**{'PASS' if per < 50 and full else 'FAIL'}** ({per:.1f} KB)")
    lines += ["", "RSS is read after every mailbox of the step is live and serve has idled "
              f"{args.idle} s (VmRSS from /proc/PID/status; RssAnon is its heap part).", ""]
    if "failure" in r:
        f = r["failure"]
        lines += [f"**serve did not get {f['at']:,} mailboxes live**: {f['error']} (serve "
                  f"{'still running' if f['serve_alive'] else 'exited'}).", ""]
    d = r.get("deliveries")
    if d:
        lat = d["latencies_ms"]
        p99 = percentile(lat, 99) if lat else float("inf")
        n_live = r["steps"][-1]["mailboxes"]
        lines += ["### Push-to-visible with deliveries spread over the mailboxes", "",
                  "| mailboxes | deliveries | visible | p50 | p99 | max | never visible (30 s) |",
                  "|---:|---:|---:|---:|---:|---:|---:|",
                  f"| {n_live:,} | {d['planned']:,} ({args.rate}/s for {args.duration} s) | {len(lat):,} | "
                  f"{statistics.median(lat):.0f} ms | {p99:.0f} ms | {max(lat):.0f} ms | {len(d['missing'])} |", "",
                  "Client-side, through the API: from just before the sandbox control call that delivers the "
                  "message to its subject in GET /api/candidates/{id}/threads as the recipient recruiter, polled "
                  f"every 5 ms. The sender fell at most {d['lag_s'] * 1000:.0f} ms behind its schedule. Load "
                  f"average (1 min) {d['load_before']:.1f} before the deliveries, {d['load_after']:.1f} after.", ""]
        h = r.get("server_histogram")
        if h and h["count"]:
            le = h["buckets"]
            under = le.get("0.5", 0) / h["count"] * 100
            lines += [f"serve's own view over the same window (`hiresync_push_to_visible_seconds`, provider "
                      f"received time to commit): {h['count']:.0f} observations, {under:.1f} % within 0.5 s, "
                      f"{le.get('0.1', 0) / h['count'] * 100:.1f} % within 0.1 s.", ""]
        verdicts.append(f"push-to-visible p99 < 500 ms at {args.rate}/s over {n_live:,} mailboxes: "
                        f"**{'PASS' if p99 < 500 and not d['missing'] and n_live == args.mailboxes else 'FAIL'}** "
                        f"({p99:.0f} ms)")
        a = r.get("after_deliveries")
        if a:
            lines += [f"After the deliveries: VmRSS {a['VmRSS'] / 1024:.1f} MB, {a['Threads']} threads, "
                      f"{a['fds']} fds.", ""]
    lines += ["### Targets", ""] + [f"- {v}" for v in verdicts] + [
        "", f"Sandbox over the whole run: pushes {json.dumps(r['sandbox']['pushes'])}, rejected "
        f"{json.dumps(r['sandbox']['rejected'])}.", END]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mailboxes", type=int, default=10000)
    ap.add_argument("--steps", default="1000,5000", help="also measure RSS at these counts (comma list)")
    ap.add_argument("--candidates", type=int, default=20)
    ap.add_argument("--parallel", type=int, default=16, help="OAuth flows at once")
    ap.add_argument("--idle", type=int, default=20, help="seconds serve idles before each RSS reading")
    ap.add_argument("--live-timeout", type=int, default=1200, help="seconds for a step's mailboxes to go live")
    ap.add_argument("--rate", type=float, default=20.0, help="deliveries per second")
    ap.add_argument("--duration", type=int, default=60, help="seconds of deliveries")
    ap.add_argument("--random-seed", type=int, default=12)
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    ap.add_argument("--json", help="also write the raw result here")
    ap.add_argument("--no-results", action="store_true", help="print the section only")
    args = ap.parse_args()
    args.steps = [int(s) for s in args.steps.split(",") if s]
    result = run(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1, default=str)
    section = render(args, result)
    print(section)
    if "failure" in result:
        print(result["failure"]["serve_log_tail"], file=sys.stderr)
    if not args.no_results:
        write_section(args.results, BEGIN, END, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
