#!/usr/bin/env python3
"""Threads bench (issue 5): GET /api/candidates/{id}/threads with 100,000 messages in the store,
64 concurrent clients, measured with wrk side by side with GET /healthz (the server's own floor:
routing, HTTP parsing and a trivial store query, no message reading). Run by `make bench` after
the other benches; not a test.

The store: a contract with 3 recruiters, 2,000 candidates in 4 projects (a fifth of them in two),
about 50 messages per candidate (20 to 80) in threads of 1 to 8 messages, inbound and outbound,
bodies of realistic size (replies quote the conversation; 40 % carry an HTML alternative),
each candidate mostly with one recruiter (70 %) and some with the others; 2 % of the conversations
have a second recruiter in Cc (a copy in both mailboxes). It is written as one mbox per recruiter
and loaded with `hiresync import --owner` (the real ingest pipeline: matching, threading, store).
A fifth of the threads are then made public (visibility 'contract') with one UPDATE on the
store before the server starts: the same rows PATCH /api/threads/{id} writes, without 100,000
API calls.

Backends (--db, default both): `sqlite` (a file under --work) and `postgres` (a private
PostgreSQL 15 from tests/integration/pg.py: initdb in a temp folder, durability off, loopback TCP;
the schema made with `hiresync migrate --db URI`, then the same seed, imports and UPDATE, the
UPDATE through psql). The same seed and the same mboxes go into each.

The measurement: one `hiresync serve` per backend, both running (an idle server costs no CPU);
one recruiter logs in on each (bearer token); wrk -t2 -c64 -d15s --latency with
bench/threads.lua (a random candidate per request: own threads and the colleagues' public ones,
5 to 40 messages per answer), then the same on /healthz, the backends taking turns within each
of --rounds rounds (SQLite threads, SQLite healthz, PostgreSQL threads, PostgreSQL healthz), so
that noise on the shared machine hits both alike. Reports per backend the medians over rounds of
p50, p99 and requests/s, the ratios to /healthz, and PostgreSQL / SQLite. wrk runs on the same
machine as the server (and PostgreSQL), so all compete for the same cores.

Writes its section of bench/RESULTS.md between the threads-bench markers.
"""
import argparse
import email.utils
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request

from results_md import write_section

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from pg import PostgresServer  # noqa: E402  (tests/integration/pg.py)

BACKENDS = ("sqlite", "postgres")
BACKEND_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
BEGIN, END = "<!-- threads-bench:begin -->", "<!-- threads-bench:end -->"
PASSWORD = "bench password long enough"
DOMAIN = "hiresync-threads.example"
PROJECTS = ["Backend Engineer", "Data Scientist", "Product Designer", "Site Reliability Engineer"]
LOREM = ("We would like to invite you to a second conversation with the hiring manager and one engineer "
         "of the team. It takes about an hour; we will talk about a system you built and about how you "
         "work with product and design. Please let us know two or three slots that suit you next week.\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_corpus(args, work):
    """Writes the seed and one mbox per recruiter. Returns (seed path, recruiters, messages written)."""
    rng = random.Random(args.random_seed)
    recruiters = [f"recruiter{i + 1}@{DOMAIN}" for i in range(args.recruiters)]
    members, project_members = [], {p: [] for p in PROJECTS}
    for i in range(args.candidates):
        addr = f"candidate{i}@people{i % 17}.example"
        members.append({"name": f"Candidate {i}", "emails": [addr], "email_discovery": "anyone"})
        project_members[PROJECTS[i % len(PROJECTS)]].append(addr)
        if i % 5 == 0:
            project_members[PROJECTS[(i + 1) % len(PROJECTS)]].append(addr)
    seed = {"members": members, "contracts": [{
        "name": "Threads Bench Co", "email_provider": "google", "inmail_default_visibility": "private",
        "internal_domains": [],
        "users": [{"email": r, "name": f"Recruiter {i + 1}", "password": PASSWORD,
                   "role": "admin" if i == 0 else "user"} for i, r in enumerate(recruiters)],
        "projects": [{"name": p, "candidates": c} for p, c in project_members.items()]}]}
    seed_path = os.path.join(work, "seed.json")
    with open(seed_path, "w") as f:
        json.dump(seed, f)

    # Messages per candidate: 20..80, scaled so that the total is exactly args.messages.
    counts = [rng.randint(20, 80) for _ in range(args.candidates)]
    scale = args.messages / sum(counts)
    counts = [max(1, int(c * scale)) for c in counts]
    for i in range(args.messages - sum(counts)):
        counts[i % len(counts)] += 1
    boxes = {r: open(os.path.join(work, f"{r.split('@')[0]}.mbox"), "w", newline="\n") for r in recruiters}
    now = int(time.time())
    stored = 0
    for i, total in enumerate(counts):
        cand = members[i]["emails"][0]
        primary = recruiters[i % len(recruiters)]
        written = 0
        t = 0
        while written < total:
            owner = primary if rng.random() < 0.7 else rng.choice(recruiters)
            length = min(rng.randint(1, 8), total - written)
            cc = rng.choice([r for r in recruiters if r != owner]) if rng.random() < 0.02 else None
            start = now - rng.randint(3600, 365 * 86400)
            ids = []
            subject = f"Role {PROJECTS[i % len(PROJECTS)]}: conversation {t} with candidate {i}"
            inbound = rng.random() < 0.6
            quoted = []
            for k in range(length):
                mid = f"<c{i}.t{t}.m{k}@{DOMAIN}>"
                sender, to = (cand, owner) if inbound else (owner, cand)
                lines = [f"From: {sender}", f"To: {to}"]
                if cc and inbound:
                    lines.append(f"Cc: {cc}")
                lines += [f"Subject: {'Re: ' if k else ''}{subject}", f"Message-ID: {mid}",
                          "Date: " + email.utils.formatdate(start + k * 5400, usegmt=True)]
                if ids:
                    lines += [f"In-Reply-To: {ids[-1]}", "References: " + " ".join(ids[-5:])]
                body = (f"Hello,\n\nmessage {k + 1} of conversation {t} about the role. "
                        "Thanks for your time today; here are the next steps we discussed.\n\n"
                        + LOREM * rng.randint(1, 4) + "\nBest regards\n")
                # Replies quote the conversation so far, as mail clients do.
                body += "".join(f"\n> {q}" for q in quoted[-40:]) + ("\n" if quoted else "")
                quoted += body.splitlines()[:8]
                if rng.random() < 0.4:  # an HTML alternative, as most clients send
                    html = "<html><body>" + "".join(
                        f"<p style=\"margin:0 0 8px;font-family:Arial\">{p}</p>" for p in body.split("\n\n")) + \
                        "<div style=\"color:#888\">" + "&nbsp;" * 400 + "</div></body></html>"
                    lines += ["MIME-Version: 1.0", 'Content-Type: multipart/alternative; boundary="b1"']
                    body = (f"--b1\nContent-Type: text/plain; charset=utf-8\n\n{body}\n--b1\n"
                            f"Content-Type: text/html; charset=utf-8\n\n{html}\n--b1--\n")
                raw = "\n".join(lines) + "\n\n" + body
                stamp = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(start + k * 5400))
                targets = [owner] + ([cc] if cc and inbound else [])
                for target in targets:
                    boxes[target].write(f"From {sender} {stamp}\n{raw}\n")
                stored += len(targets)
                ids.append(mid)
                inbound = not inbound
                written += 1
            t += 1
    for f in boxes.values():
        f.close()
    return seed_path, recruiters, stored


class Store:
    """The bench's store on one backend: its --db argument and SQL behind the server's back."""

    def __init__(self, backend, work, pg=None):
        self.backend, self.pg = backend, pg
        if backend == "postgres":
            self.db = pg.uri()
        else:
            self.db = os.path.join(work, "store.db")

    def query(self, sql):
        if self.backend == "postgres":
            return self.pg.query(sql)
        con = sqlite3.connect(self.db)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def execute(self, sql):
        if self.backend == "postgres":
            self.pg.psql(sql.rstrip(";") + ";")
            return
        con = sqlite3.connect(self.db)
        try:
            con.execute(sql)
            con.commit()
        finally:
            con.close()


def load_store(args, work, store, seed_path, recruiters, stored):
    """Migrates (PostgreSQL), seeds and imports the mboxes into `store`; makes a fifth of the
    threads public. Returns the stats."""
    if store.backend == "postgres":
        run([args.hiresync, "migrate", "--db", store.db])
    run([args.hiresync, "seed", "--db", store.db, seed_path])
    import_stats = {}
    t0 = time.monotonic()
    for r in recruiters:
        out = run([args.hiresync, "import", "--db", store.db, "--owner", r, "--json",
                   os.path.join(work, f"{r.split('@')[0]}.mbox")], capture=True)
        res = json.loads(out)
        res.pop("messages", None)
        import_stats[r] = res
    import_s = time.monotonic() - t0
    # A fifth of the threads public: what PATCH /api/threads/{id} {"visibility":"contract"} writes.
    store.execute("UPDATE messages SET visibility = 'contract' WHERE id IN (SELECT mc.message_id FROM "
                  "message_candidates mc WHERE mc.thread_id % 5 = 0)")
    if store.backend == "postgres":
        store.execute("VACUUM ANALYZE")  # what autovacuum would do after a bulk load, done now
    messages = store.query("SELECT COUNT(*) FROM messages")[0][0]
    threads = store.query("SELECT COUNT(*) FROM threads")[0][0]
    public = store.query("SELECT COUNT(*) FROM messages WHERE visibility = 'contract'")[0][0]
    return {"messages": messages, "threads": threads, "public": public, "written": stored,
            "import_s": import_s, "import": import_stats, "recruiters": recruiters}


def run(argv, capture=False):
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"threads bench: {' '.join(argv[:3])} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout if capture else None


def http_json(method, url, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                 method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def parse_wrk(text):
    """p50 and p99 in ms, requests/s, and the non-2xx count from `wrk --latency` output."""
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def latency(pct):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        return float(m.group(1)) * unit[m.group(2)] if m else float("nan")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*", text)
    total = re.search(r"(\d+) requests in", text)
    return {"p50": latency(50), "p99": latency(99), "rps": float(rps.group(1)) if rps else 0.0,
            "non2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(0) if errors else "",
            "requests": int(total.group(1)) if total else 0}


def wrk(args, url, lua=None, env=None):
    argv = [args.wrk, f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    if lua:
        argv += ["-s", lua]
    proc = subprocess.run(argv + [url], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"threads bench: wrk failed: {proc.stderr}")
    return parse_wrk(proc.stdout), proc.stdout


def machine():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            ram = int(f.readline().split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        ram = 0
    u = platform.uname()
    return f"{u.system} {u.release} {u.machine}; {cpu}; {os.cpu_count()} CPUs; {ram:.1f} GiB RAM"


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def render(args, backends, store, runs, load):
    """`runs`: {backend: {"threads": [rows], "health": [rows], "answer", "single_threads",
    "single_health"}} for the backends of this run, in --db order."""
    def med(backend, kind):
        rows = runs[backend][kind]
        return median(rows, "p50"), median(rows, "p99"), median(rows, "rps")

    first = runs[backends[0]]
    answer = first["answer"]
    lines = [BEGIN, "## Candidate threads under load (issues 5, 12 (c))", "",
             f"- Date: {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; machine: {machine()}",
             f"- Command: `python3 bench/threads_bench.py --db {','.join(backends)}` (part of `make bench`; "
             f"`CONTENDERS=threads make bench` runs it alone). wrk -t{args.wrk_threads} -c{args.connections} "
             f"-d{args.duration}s --latency, {args.rounds} rounds; within a round the backends take turns, "
             "each with its threads run then its /healthz run; medians over rounds. wrk shares the machine's "
             "cores with the server" + (" and PostgreSQL" if "postgres" in backends else "") + ".",
             f"- Store: {store['messages']:,} messages in {store['threads']:,} threads, {args.candidates:,} "
             f"candidates in {len(PROJECTS)} projects, {args.recruiters} recruiters; {store['public']:,} messages "
             "public. Built by `hiresync import` of one mbox per recruiter: " + "; ".join(
                 f"{BACKEND_NAMES[b]} {runs[b]['store']['import_s']:.1f} s" for b in backends) + ".",
             f"- The viewer: {store['recruiters'][0]} (own threads plus colleagues' public ones): "
             f"{answer['threads']:.1f} threads and {answer['messages']:.1f} messages per answer on average "
             f"({answer['bytes'] / 1024:.1f} KiB of JSON)." + ("" if all(
                 runs[b]["answer"] == answer for b in backends) else " The answers differ between backends: " +
                 "; ".join(f"{BACKEND_NAMES[b]} {runs[b]['answer']}" for b in backends)),
             ]
    if "postgres" in backends:
        lines.append("- PostgreSQL: a private PostgreSQL 15 (tests/integration/pg.py) on loopback TCP, "
                     "fsync and synchronous_commit off (the reads measured here do not touch them), "
                     "`VACUUM ANALYZE` after the load (what autovacuum does soon after a bulk load).")
    lines += ["", "| backend | endpoint | p50 | p99 | requests/s | non-2xx |", "|---|---|---:|---:|---:|---:|"]
    for b in backends:
        t, h = med(b, "threads"), med(b, "health")
        lines += [f"| {BACKEND_NAMES[b]} | GET /api/candidates/{{id}}/threads (random candidate) | {t[0]:.2f} ms | "
                  f"{t[1]:.2f} ms | {t[2]:,.0f} | {sum(r['non2xx'] for r in runs[b]['threads'])} |",
                  f"| {BACKEND_NAMES[b]} | GET /healthz (the floor) | {h[0]:.2f} ms | {h[1]:.2f} ms | {h[2]:,.0f} | "
                  f"{sum(r['non2xx'] for r in runs[b]['health'])} |",
                  f"| {BACKEND_NAMES[b]} | threads / healthz | {t[0] / h[0]:.1f}x | {t[1] / h[1]:.1f}x | "
                  f"{t[2] / h[2]:.2f}x | |"]
    if len(backends) == 2:
        a, b = med(backends[0], "threads"), med(backends[1], "threads")
        lines.append(f"| {BACKEND_NAMES[backends[1]]} / {BACKEND_NAMES[backends[0]]} | threads | {b[0] / a[0]:.2f}x | "
                     f"{b[1] / a[1]:.2f}x | {b[2] / a[2]:.2f}x | |")
    lines.append("")
    for b in backends:
        t = med(b, "threads")
        bad = sum(r["non2xx"] for r in runs[b]["threads"] + runs[b]["health"])
        verdict = "PASS" if t[1] < 50 and bad == 0 else "FAIL"
        lines.append(f"Target on {BACKEND_NAMES[b]}: threads p99 < 50 ms with {args.connections} concurrent "
                     f"clients: **{verdict}** ({t[1]:.2f} ms).")
    lines += ["", f"Service time without queueing (wrk -t1 -c1, {min(args.duration, 5)} s): " + "; ".join(
        f"{BACKEND_NAMES[b]}: threads p50 {runs[b]['single_threads']['p50']:.3f} ms, p99 "
        f"{runs[b]['single_threads']['p99']:.2f} ms ({runs[b]['single_threads']['rps']:,.0f} req/s), healthz p50 "
        f"{runs[b]['single_health']['p50']:.3f} ms, p99 {runs[b]['single_health']['p99']:.2f} ms" for b in backends) +
        f". With {args.connections} clients a request waits for the ones ahead of it "
        f"({args.connections} / throughput on average), so p50 and p99 there are mostly queueing.", "",
        f"Machine load before the runs (1-minute load average): {load[0]:.1f} on {os.cpu_count()} CPUs "
        f"({load[1]:.1f} after, which counts the bench's own servers and wrk threads).", ""]
    for b in backends:
        lines.append(f"Per round on {BACKEND_NAMES[b]} (threads p50 / p99 / req/s; healthz p50 / p99 / req/s): " +
                     "; ".join(f"{t['p50']:.2f} / {t['p99']:.2f} / {t['rps']:,.0f}; {h['p50']:.2f} / "
                               f"{h['p99']:.2f} / {h['rps']:,.0f}"
                               for t, h in zip(runs[b]["threads"], runs[b]["health"])) + ".")
    lines.append(END)
    return "\n".join(lines) + "\n"


def start_server(args, backend, store, work):
    """`hiresync serve` on the store; returns (process, base URL, log file)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, HIRESYNC_OPERATOR_TOKEN="threads-bench-operator")
    env.pop("HIRESYNC_SECRET_KEY", None)
    if backend == "postgres":  # no folder beside a URI for the default key file
        env["HIRESYNC_SECRET_KEY"] = os.urandom(32).hex()
    log = open(os.path.join(work, f"serve-{backend}.log"), "w")
    server = subprocess.Popen([args.hiresync, "serve", "--listen", f"127.0.0.1:{port}", "--db", store.db,
                               "--log-level", "warn"], stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 20
    while True:
        if server.poll() is not None:
            sys.exit(f"threads bench: serve ({backend}) exited ({server.returncode}); see {log.name}")
        try:
            if http_json("GET", base + "/healthz").get("status") == "ok":
                return server, base, log
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.kill()
            sys.exit(f"threads bench: serve ({backend}) did not answer /healthz")
        time.sleep(0.1)


def prepare_client(base, store, stats, work, backend):
    """Logs the viewer in, writes the candidate ids for wrk, and samples what one answer holds
    (which also warms the caches). Returns (wrk environment, answer)."""
    token = http_json("POST", base + "/api/session", {"email": stats["recruiters"][0], "password": PASSWORD})["token"]
    ids = [r[0] for r in store.query("SELECT DISTINCT member_id FROM project_candidates ORDER BY 1")]
    ids_file = os.path.join(work, f"candidate-ids-{backend}.txt")
    with open(ids_file, "w") as f:
        f.write("\n".join(map(str, ids)) + "\n")
    sample = ids[:: max(1, len(ids) // 200)]
    n_threads = n_messages = n_bytes = 0
    for mid in sample:
        req = urllib.request.Request(f"{base}/api/candidates/{mid}/threads",
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
        body = json.loads(raw)
        n_threads += len(body)
        n_messages += sum(len(t["messages"]) for t in body)
        n_bytes += len(raw)
    answer = {"threads": n_threads / len(sample), "messages": n_messages / len(sample),
              "bytes": n_bytes / len(sample)}
    return dict(os.environ, BENCH_TOKEN=token, BENCH_IDS_FILE=ids_file), answer


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hiresync", default=os.environ.get("HIRESYNC_BIN", os.path.join(ROOT, "build/src/app/hiresync")))
    ap.add_argument("--wrk", default=shutil.which("wrk") or "wrk")
    ap.add_argument("--db", default="sqlite,postgres", help="backends, comma list of sqlite and postgres")
    ap.add_argument("--messages", type=int, default=100000)
    ap.add_argument("--candidates", type=int, default=2000)
    ap.add_argument("--recruiters", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--random-seed", type=int, default=5)
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "out", "threads"),
                    help="folder for the store, the mboxes and the logs (remade)")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    ap.add_argument("--no-results", action="store_true", help="print the section only")
    args = ap.parse_args()
    backends = [b for b in args.db.split(",") if b]
    if not backends or any(b not in BACKENDS for b in backends):
        sys.exit(f"threads bench: --db takes a comma list of {', '.join(BACKENDS)}")
    if not shutil.which(args.wrk):
        sys.exit("threads bench: wrk not found (Debian package wrk; scripts/install-deps.sh bench installs it)")

    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    print(f"threads bench: writing {args.messages:,} messages", file=sys.stderr)
    seed_path, recruiters, stored = write_corpus(args, args.work)
    pg = None
    servers = []
    runs = {}
    try:
        if "postgres" in backends:
            pg = PostgresServer().start()
        for b in backends:
            store = Store(b, args.work, pg)
            stats = load_store(args, args.work, store, seed_path, recruiters, stored)
            print(f"threads bench: {BACKEND_NAMES[b]}: {stats['messages']:,} messages, {stats['threads']:,} "
                  f"threads (import {stats['import_s']:.1f} s)", file=sys.stderr)
            server, base, log = start_server(args, b, store, args.work)
            servers.append((server, log))
            wrk_env, answer = prepare_client(base, store, stats, args.work, b)
            runs[b] = {"store": stats, "base": base, "env": wrk_env, "answer": answer, "threads": [], "health": []}
        lua = os.path.join(ROOT, "bench", "threads.lua")
        load_before = os.getloadavg()
        # The service time without queueing: one client, one connection.
        single = argparse.Namespace(**{**vars(args), "connections": 1, "wrk_threads": 1,
                                       "duration": min(args.duration, 5)})
        for b in backends:
            runs[b]["single_threads"], _ = wrk(single, runs[b]["base"], lua, runs[b]["env"])
            runs[b]["single_health"], _ = wrk(single, runs[b]["base"] + "/healthz")
        for n in range(args.rounds):
            for b in backends:
                r = runs[b]
                t, t_out = wrk(args, r["base"], lua, r["env"])
                h, h_out = wrk(args, r["base"] + "/healthz")
                with open(os.path.join(args.work, f"wrk-{b}-round{n + 1}.txt"), "w") as f:
                    f.write(t_out + "\n---- /healthz\n" + h_out)
                print(f"threads bench: round {n + 1} {BACKEND_NAMES[b]}: threads p50 {t['p50']:.2f} ms p99 "
                      f"{t['p99']:.2f} ms {t['rps']:,.0f} req/s; healthz p50 {h['p50']:.2f} ms p99 "
                      f"{h['p99']:.2f} ms {h['rps']:,.0f} req/s", file=sys.stderr)
                r["threads"].append(t)
                r["health"].append(h)
        load_after = os.getloadavg()
    finally:
        for server, log in servers:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
        if pg:
            pg.stop()

    first = runs[backends[0]]["store"]
    section = render(args, backends, first, runs, (load_before[0], load_after[0]))
    print(section)
    if args.no_results:
        return 0
    write_section(args.results, BEGIN, END, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
