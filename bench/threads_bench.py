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
SQLite file before the server starts: the same rows PATCH /api/threads/{id} writes, without
100,000 API calls.

The measurement: `hiresync serve` on that file; one recruiter logs in (bearer token); wrk
-t2 -c64 -d15s --latency with bench/threads.lua (a random candidate per request: own threads and
the colleagues' public ones, 5 to 40 messages per answer), then the same on /healthz, alternating
for --rounds rounds. Reports the medians over rounds of p50, p99 and requests/s, and the ratios.
wrk runs on the same machine as the server, so both compete for the same cores.

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


def build_store(args, work):
    """Writes the seed and the mboxes, seeds and imports. Returns (db path, stats)."""
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

    db = os.path.join(work, "store.db")
    run([args.hiresync, "seed", "--db", db, seed_path])
    import_stats = {}
    t0 = time.monotonic()
    for r in recruiters:
        out = run([args.hiresync, "import", "--db", db, "--owner", r, "--json",
                   os.path.join(work, f"{r.split('@')[0]}.mbox")], capture=True)
        res = json.loads(out)
        res.pop("messages", None)
        import_stats[r] = res
    import_s = time.monotonic() - t0
    con = sqlite3.connect(db)
    # A fifth of the threads public: what PATCH /api/threads/{id} {"visibility":"contract"} writes.
    con.execute("UPDATE messages SET visibility = 'contract' WHERE id IN (SELECT mc.message_id FROM "
                "message_candidates mc WHERE mc.thread_id % 5 = 0)")
    con.commit()
    messages = con.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    threads = con.execute("SELECT COUNT(*) FROM threads").fetchone()[0]
    public = con.execute("SELECT COUNT(*) FROM messages WHERE visibility = 'contract'").fetchone()[0]
    con.close()
    return db, {"messages": messages, "threads": threads, "public": public, "written": stored,
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


def render(args, store, threads_rows, health_rows, answer, context):
    t_p50, t_p99, t_rps = median(threads_rows, "p50"), median(threads_rows, "p99"), median(threads_rows, "rps")
    h_p50, h_p99, h_rps = median(health_rows, "p50"), median(health_rows, "p99"), median(health_rows, "rps")
    bad = sum(r["non2xx"] for r in threads_rows + health_rows)
    verdict = "PASS" if t_p99 < 50 and bad == 0 else "FAIL"
    lines = [BEGIN, "## Candidate threads under load (issue 5)", "",
             f"- Date: {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; machine: {machine()}",
             f"- Command: `python3 bench/threads_bench.py` (part of `make bench`; `CONTENDERS=threads make bench` "
             f"runs it alone). wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s --latency, "
             f"{args.rounds} rounds, the two endpoints alternating; medians over rounds. wrk shares the "
             "machine's cores with the server.",
             f"- Store: {store['messages']:,} messages in {store['threads']:,} threads, {args.candidates:,} "
             f"candidates in {len(PROJECTS)} projects, {args.recruiters} recruiters; {store['public']:,} messages "
             f"public. Built by `hiresync import` of one mbox per recruiter in {store['import_s']:.1f} s.",
             f"- The viewer: {store['recruiters'][0]} (own threads plus colleagues' public ones): "
             f"{answer['threads']:.1f} threads and {answer['messages']:.1f} messages per answer on average "
             f"({answer['bytes'] / 1024:.1f} KiB of JSON).", "",
             "| endpoint | p50 | p99 | requests/s | non-2xx |", "|---|---:|---:|---:|---:|",
             f"| GET /api/candidates/{{id}}/threads (random candidate) | {t_p50:.2f} ms | {t_p99:.2f} ms | "
             f"{t_rps:,.0f} | {sum(r['non2xx'] for r in threads_rows)} |",
             f"| GET /healthz (the floor) | {h_p50:.2f} ms | {h_p99:.2f} ms | {h_rps:,.0f} | "
             f"{sum(r['non2xx'] for r in health_rows)} |",
             f"| threads / healthz | {t_p50 / h_p50:.1f}x | {t_p99 / h_p99:.1f}x | "
             f"{t_rps / h_rps:.2f}x | |", "",
             f"Target: threads p99 < 50 ms with 64 concurrent clients: **{verdict}** ({t_p99:.2f} ms).", "",
             f"Service time without queueing (wrk -t1 -c1, {min(args.duration, 5)} s): threads p50 "
             f"{context['single_threads']['p50']:.3f} ms, p99 {context['single_threads']['p99']:.2f} ms "
             f"({context['single_threads']['rps']:,.0f} req/s); healthz p50 {context['single_health']['p50']:.3f} ms, "
             f"p99 {context['single_health']['p99']:.2f} ms. With 64 clients a request waits for the ones "
             "ahead of it (64 / throughput on average), so p50 and p99 there are mostly queueing.", "",
             f"Machine load before the runs (1-minute load average): {context['load'][0]:.1f} on "
             f"{os.cpu_count()} CPUs ({context['load'][1]:.1f} after, which counts the bench's own server "
             "and wrk threads).", "",
             "Per round (threads p50 / p99 / req/s; healthz p50 / p99 / req/s): " + "; ".join(
                 f"{t['p50']:.2f} / {t['p99']:.2f} / {t['rps']:,.0f}; {h['p50']:.2f} / {h['p99']:.2f} / "
                 f"{h['rps']:,.0f}" for t, h in zip(threads_rows, health_rows)) + ".", END]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hiresync", default=os.environ.get("HIRESYNC_BIN", os.path.join(ROOT, "build/src/app/hiresync")))
    ap.add_argument("--wrk", default=shutil.which("wrk") or "wrk")
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
    if not shutil.which(args.wrk):
        sys.exit("threads bench: wrk not found (Debian package wrk; scripts/install-deps.sh bench installs it)")

    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    print(f"threads bench: building a store of {args.messages:,} messages", file=sys.stderr)
    db, store = build_store(args, args.work)
    print(f"threads bench: {store['messages']:,} messages, {store['threads']:,} threads "
          f"(import {store['import_s']:.1f} s)", file=sys.stderr)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, HIRESYNC_OPERATOR_TOKEN="threads-bench-operator")
    env.pop("HIRESYNC_SECRET_KEY", None)
    log = open(os.path.join(args.work, "serve.log"), "w")
    server = subprocess.Popen([args.hiresync, "serve", "--listen", f"127.0.0.1:{port}", "--db", db,
                               "--log-level", "warn"], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 20
        while True:
            if server.poll() is not None:
                sys.exit(f"threads bench: serve exited ({server.returncode}); see {log.name}")
            try:
                if http_json("GET", base + "/healthz").get("status") == "ok":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("threads bench: serve did not answer /healthz")
            time.sleep(0.1)
        token = http_json("POST", base + "/api/session",
                          {"email": store["recruiters"][0], "password": PASSWORD})["token"]
        con = sqlite3.connect(db)
        ids = [r[0] for r in con.execute("SELECT DISTINCT member_id FROM project_candidates ORDER BY 1")]
        con.close()
        ids_file = os.path.join(args.work, "candidate-ids.txt")
        with open(ids_file, "w") as f:
            f.write("\n".join(map(str, ids)) + "\n")
        # What one answer holds, over a sample of candidates (and a warm-up of the page cache).
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
        wrk_env = dict(os.environ, BENCH_TOKEN=token, BENCH_IDS_FILE=ids_file)
        lua = os.path.join(ROOT, "bench", "threads.lua")
        load_before = os.getloadavg()
        # The service time without queueing: one client, one connection.
        single = argparse.Namespace(**{**vars(args), "connections": 1, "wrk_threads": 1,
                                       "duration": min(args.duration, 5)})
        single_threads, _ = wrk(single, base, lua, wrk_env)
        single_health, _ = wrk(single, base + "/healthz")
        threads_rows, health_rows = [], []
        for n in range(args.rounds):
            t, t_out = wrk(args, base, lua, wrk_env)
            h, h_out = wrk(args, base + "/healthz")
            with open(os.path.join(args.work, f"wrk-round{n + 1}.txt"), "w") as f:
                f.write(t_out + "\n---- /healthz\n" + h_out)
            print(f"threads bench: round {n + 1}: threads p50 {t['p50']:.2f} ms p99 {t['p99']:.2f} ms "
                  f"{t['rps']:,.0f} req/s; healthz p50 {h['p50']:.2f} ms p99 {h['p99']:.2f} ms "
                  f"{h['rps']:,.0f} req/s", file=sys.stderr)
            threads_rows.append(t)
            health_rows.append(h)
        load_after = os.getloadavg()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    context = {"single_threads": single_threads, "single_health": single_health,
               "load": (load_before[0], load_after[0])}
    section = render(args, store, threads_rows, health_rows, answer, context)
    print(section)
    if args.no_results:
        return 0
    write_section(args.results, BEGIN, END, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
