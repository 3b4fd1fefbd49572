#!/usr/bin/env python3
"""Runs the `make bench` rounds and writes bench/RESULTS.md.

Every contender processes the whole corpus as one process, timed from spawn to exit (wall clock,
time.perf_counter) with its CPU time and peak RSS from wait4. Contenders are interleaved within a
round (floor, import, python compat32, python default, mailparser, postal-mime), and the round is
repeated, so that machine noise falls on all of them alike. The page cache is warm for every run
(one untimed read of the corpus comes first; dropping caches needs root, which the bench does not
assume).

The import runs against a fresh SQLite database per run, seeded from bench/seed.json before the
clock starts. A contender whose binary or script is missing is skipped and the report says so; a
contender that exits non-zero keeps its timing but is flagged, and is never counted as a PASS.

Raw runs go to OUT/results-<UTC stamp>.json (and OUT/latest.json); the summary to --results.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
PEERS = os.path.join(BENCH_DIR, "peers")

# Targets from the issue: (contender, kind, bound, text).
#   "floor_ratio": import median / floor median <= bound
#   "speedup":     contender median / import median >= bound
TARGETS = [
    ("floor", "floor_ratio", 2.0, "import <= 2x floor"),
    ("python-compat32", "speedup", 10.0, "import >= 10x faster than Python email compat32 (parse-only)"),
    ("mailparser", "speedup", 50.0, "import >= 50x faster than mailparser"),
]


class Contender:
    """One command to time. `setup` (optional) runs untimed before each run and returns
    (argv, cleanup); otherwise `argv` is used as is. `requires` lists paths that must exist."""

    def __init__(self, name, what, argv=None, requires=(), setup=None, stdout_to_null=False):
        self.name = name
        self.what = what
        self.argv = argv
        self.requires = list(requires)
        self.setup = setup
        self.stdout_to_null = stdout_to_null
        self.skip_reason = None
        self.runs = []


def which(program):
    if os.sep in program:
        return program if os.access(program, os.X_OK) else None
    return shutil.which(program)


def capture(argv, cwd=ROOT):
    try:
        return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return None


def timed_run(argv, stdout_to_null):
    """Runs argv to completion; returns a dict with wall, cpu, maxrss_mb, rc, stdout, stderr tail."""
    out_target = subprocess.DEVNULL if stdout_to_null else subprocess.PIPE
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=out_target, stderr=err, stdin=subprocess.DEVNULL)
        stdout = b""
        if not stdout_to_null:
            stdout = proc.stdout.read()  # peers print one short line; reading cannot stall them
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.stdout:
            proc.stdout.close()
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "maxrss_mb": usage.ru_maxrss / 1024.0,
        "rc": proc.returncode,
        "stdout": stdout.decode(errors="replace").strip()[-500:],
        "stderr": stderr.strip()[-2000:],
    }


def make_import(args, scratch, name="import", seed_file=None, what=None):
    """A hiresync import contender: fresh database per run, seeded untimed."""
    seed_file = seed_file or args.seed

    def setup():
        run_dir = tempfile.mkdtemp(prefix="import-", dir=scratch)
        db = os.path.join(run_dir, "bench.db")
        seed = subprocess.run([args.hiresync, "seed", "--db", db, seed_file], cwd=ROOT,
                              capture_output=True, text=True)
        if seed.returncode != 0:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise RuntimeError(f"hiresync seed failed ({seed.returncode}): {seed.stderr.strip()[-500:]}")
        argv = [args.hiresync, "import", "--db", db, "--owner", args.owner, "--json", args.corpus]
        return argv, lambda: shutil.rmtree(run_dir, ignore_errors=True)

    return Contender(
        name,
        what or "`hiresync import --json` of the corpus into a fresh seeded SQLite db (stdout to /dev/null)",
        requires=[args.hiresync], setup=setup, stdout_to_null=True)


def contenders(args, scratch):
    py, node = args.python, args.node
    return [
        Contender("floor", "read every file once (bench_floor)", [args.floor, args.corpus],
                  requires=[args.floor]),
        make_import(args, scratch),
        make_import(args, scratch, "import-metadata-only", os.path.join(BENCH_DIR, "seed-no-candidates.json"),
                    "the same import with no candidate saved to a project: every message stops at the "
                    "metadata (participants-only) stage, so this is the cost of judging a mailbox"),
        Contender("python-compat32",
                  "Python email, policy.compat32: headers + walk parts, no body decoding (parse-only)",
                  [py, os.path.join(PEERS, "python_email.py"), "compat32", args.corpus],
                  requires=[py]),
        Contender("python-default",
                  "Python email, policy.default: address objects + walk parts + get_content() of text parts",
                  [py, os.path.join(PEERS, "python_email.py"), "default", args.corpus],
                  requires=[py]),
        Contender("mailparser", "nodemailer mailparser simpleParser, full parse",
                  [node, os.path.join(PEERS, "mailparser.mjs"), args.corpus],
                  requires=[node, os.path.join(args.tools, "node_modules", "mailparser", "package.json")]),
        Contender("postal-mime", "postal-mime PostalMime.parse, full parse",
                  [node, os.path.join(PEERS, "postal_mime.mjs"), args.corpus],
                  requires=[node, os.path.join(args.tools, "node_modules", "postal-mime", "package.json")]),
    ]


def corpus_stats(root):
    files, size, groups = 0, 0, {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path):
                files += 1
                size += os.path.getsize(path)
                group = os.path.relpath(dirpath, root)
                groups[group] = groups.get(group, 0) + 1
    return {"path": root, "files": files, "bytes": size, "groups": dict(sorted(groups.items()))}


def warm_up(root):
    """Reads every corpus file once, untimed, so every contender starts from the same warm cache."""
    for dirpath, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(dirpath, name), "rb") as f:
                while f.read(1 << 20):
                    pass


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram_gb = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    ram_gb = int(line.split()[1]) / 1024 / 1024
                    break
    except OSError:
        pass
    uname = platform.uname()
    return {"uname": f"{uname.system} {uname.release} {uname.machine}", "cpu": cpu,
            "nproc": os.cpu_count(), "ram_gb": ram_gb}


def package_version(tools, name):
    try:
        with open(os.path.join(tools, "node_modules", name, "package.json")) as f:
            return json.load(f).get("version")
    except (OSError, ValueError):
        return None


def versions(args):
    rev = capture(["git", "rev-parse", "--short", "HEAD"])
    if rev is None:
        rev = "no commit yet"
    elif capture(["git", "status", "--porcelain", "--untracked-files=no"]):
        rev += " (with uncommitted changes)"
    hiresync_version = capture([args.hiresync, "--version"]) if which(args.hiresync) else None
    return {
        "python": capture([args.python, "-c", "import sys; print(sys.version.split()[0])"]),
        "node": capture([args.node, "--version"]),
        "mailparser": package_version(args.tools, "mailparser"),
        "postal-mime": package_version(args.tools, "postal-mime"),
        "hiresync git rev": rev,
        "hiresync --version": hiresync_version,
        "gmime": capture(["pkg-config", "--modversion", "gmime-3.0"]),
        "sqlite": capture(["pkg-config", "--modversion", "sqlite3"]),
    }


def summarize(c):
    ok = [r for r in c.runs if r["rc"] == 0]
    use = ok or c.runs
    if not use:
        return None
    walls = [r["wall_s"] for r in use]
    return {
        "runs": len(c.runs),
        "failed_runs": len(c.runs) - len(ok),
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "cpu_median_s": statistics.median(r["cpu_s"] for r in use),
        "maxrss_median_mb": statistics.median(r["maxrss_mb"] for r in use),
    }


def evaluate_targets(summary):
    imp = summary.get("import")
    rows = []
    for name, kind, bound, text in TARGETS:
        other = summary.get(name)
        if not imp or not other:
            missing = "import" if not imp else name
            rows.append({"target": text, "value": None, "status": f"n/a ({missing} did not run)"})
            continue
        if kind == "floor_ratio":
            value = imp["median_s"] / other["median_s"]
            passed = value <= bound
            shown = f"{value:.2f}x floor"
        else:
            value = other["median_s"] / imp["median_s"]
            passed = value >= bound
            shown = f"{value:.1f}x faster"
        clean = imp["failed_runs"] == 0 and other["failed_runs"] == 0
        status = ("PASS" if passed else "FAIL") if clean else "FAIL (a run exited non-zero)"
        rows.append({"target": text, "value": value, "shown": shown, "status": status})
    return rows


def write_markdown(path, report):
    m, corpus, ver = report["machine"], report["corpus"], report["versions"]
    summary, floor = report["summary"], report["summary"].get("floor")
    imp = summary.get("import")
    lines = [
        "# HireSync bench results",
        "",
        f"- Date: {report['date_utc']} UTC",
        f"- Machine: {m['uname']}; {m['cpu']}; {m['nproc']} CPUs; "
        + (f"{m['ram_gb']:.1f} GiB RAM" if m["ram_gb"] else "RAM unknown"),
        f"- Corpus: {corpus['files']} files, {corpus['bytes'] / 1e6:.1f} MB "
        f"(SpamAssassin public corpus, raw messages only: "
        + ", ".join(f"{g} {n}" for g, n in corpus["groups"].items()) + ")",
        f"- Rounds: {report['rounds']}, contenders interleaved within each round; all runs warm-cache "
        "(one untimed read of the corpus first; caches are not dropped)",
        "- Versions: " + "; ".join(f"{k} {v}" for k, v in ver.items() if v),
        "",
        "Wall time of the whole process, spawn to exit (so every row includes the few ms it takes to start "
        "a process). CPU = user + sys of the process. Peak RSS is wait4's ru_maxrss, which on Linux also "
        f"counts the forking driver's own {report['driver_rss_mb']:.0f} MB: a peak at or below that "
        "(see the floor row) means \"no more than that\".",
        "",
        "| contender | what it does | median s | min s | max s | x floor | import speedup | CPU s "
        "| peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in report["contenders"]:
        s = summary.get(c["name"])
        if s is None:
            lines.append(f"| {c['name']} | {c['what']} | skipped: {c['skip_reason']} | | | | | | |")
            continue
        ratio = f"{s['median_s'] / floor['median_s']:.2f}" if floor else "n/a"
        if c["name"].startswith("import") or c["name"] == "floor" or not imp:
            speedup = "" if c["name"].startswith("import") or c["name"] == "floor" else "n/a"
        else:
            speedup = f"{s['median_s'] / imp['median_s']:.1f}x"
        failed = f" ({s['failed_runs']} of {s['runs']} runs failed)" if s["failed_runs"] else ""
        lines.append(f"| {c['name']}{failed} | {c['what']} | {s['median_s']:.3f} | {s['min_s']:.3f} | "
                     f"{s['max_s']:.3f} | {ratio} | {speedup} | {s['cpu_median_s']:.2f} | "
                     f"{s['maxrss_median_mb']:.0f} |")
    lines += ["", "## Targets", "", "| target | measured | result |", "|---|---:|---|"]
    for t in report["targets"]:
        lines.append(f"| {t['target']} | {t.get('shown', 'n/a')} | {t['status']} |")
    if report.get("import_summary"):
        lines += ["", "Import outcome (one extra untimed run): " + report["import_summary"]]
    notes = [f"- {c['name']}: {c['skip_reason']}" for c in report["contenders"] if c["skip_reason"]]
    for c in report["contenders"]:
        s = summary.get(c["name"])
        if s and s["failed_runs"]:
            notes.append(f"- {c['name']}: {s['failed_runs']} run(s) exited non-zero; stderr in "
                         f"{report['raw_file']}")
    if notes:
        lines += ["", "## Notes", ""] + notes
    lines += [
        "",
        "What each contender does, and why the comparison is fair (and where it is not): bench/README.md.",
        f"Raw per-run numbers: {os.path.relpath(report['raw_file'], ROOT)} (not committed).",
        "",
        "How to reproduce: `make bench` (ROUNDS=N for more rounds; see bench/run.sh for the knobs).",
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def import_summary(args, scratch):
    """One untimed import with its JSON kept, for the counts (seen, synced, skipped by reason)."""
    cont = make_import(args, scratch)
    try:
        argv, cleanup = cont.setup()
    except RuntimeError as e:
        return None, str(e)
    try:
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True)
        with open(os.path.join(args.out, "import-output.json"), "wb") as f:
            f.write(proc.stdout)
        try:
            data = json.loads(proc.stdout)
        except ValueError:
            return None, f"exit {proc.returncode}; output is not JSON"
        keys = ("seen", "synced", "duplicate", "malformed")
        text = ", ".join(f"{k} {data.get(k)}" for k in keys)
        skipped = data.get("skipped") or {}
        if skipped:
            text += "; skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(skipped.items()))
        return text, None
    finally:
        cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--hiresync", default=os.path.join(ROOT, "build/src/app/hiresync"))
    ap.add_argument("--floor", default=os.path.join(ROOT, "build/bench/bench_floor"))
    ap.add_argument("--seed", default=os.path.join(BENCH_DIR, "seed.json"))
    ap.add_argument("--owner", default="recruiter@hiresync-bench.example")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--contenders", default="all", help="comma list, or 'all'")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--node", default="node")
    ap.add_argument("--tools", default=os.path.join(ROOT, "tools"))
    ap.add_argument("--out", default=os.path.join(BENCH_DIR, "out"))
    ap.add_argument("--results", default=os.path.join(BENCH_DIR, "RESULTS.md"))
    args = ap.parse_args()
    for attr in ("corpus", "hiresync", "floor", "seed", "tools", "out", "results"):
        setattr(args, attr, os.path.abspath(getattr(args, attr)))
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    os.makedirs(args.out, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="scratch-", dir=args.out)  # on the repo's disk, not tmpfs

    chosen = contenders(args, scratch)
    if args.contenders != "all":
        wanted = set(args.contenders.split(","))
        unknown = wanted - {c.name for c in chosen}
        if unknown:
            ap.error(f"unknown contenders: {', '.join(sorted(unknown))}")
    for c in chosen:
        if args.contenders != "all" and c.name not in wanted:
            c.skip_reason = "not selected (CONTENDERS)"
            continue
        missing = [p for p in c.requires if not which(p) and not os.path.exists(p)]
        if missing:
            c.skip_reason = "missing " + ", ".join(os.path.relpath(p, ROOT) if os.path.isabs(p) else p
                                                   for p in missing)
            print(f"bench: skipping {c.name}: {c.skip_reason}", file=sys.stderr)
    active = [c for c in chosen if not c.skip_reason]

    corpus = corpus_stats(args.corpus)
    print(f"bench: corpus {corpus['files']} files, {corpus['bytes'] / 1e6:.1f} MB; warming the cache",
          file=sys.stderr)
    warm_up(args.corpus)

    try:
        for rnd in range(1, args.rounds + 1):
            for c in active:
                cleanup = None
                try:
                    argv, cleanup = c.setup() if c.setup else (c.argv, None)
                except RuntimeError as e:
                    c.runs.append({"round": rnd, "wall_s": 0.0, "cpu_s": 0.0, "maxrss_mb": 0.0,
                                   "rc": -1, "stdout": "", "stderr": str(e), "setup_failed": True})
                    print(f"bench: round {rnd} {c.name}: setup failed: {e}", file=sys.stderr)
                    continue
                try:
                    run = timed_run(argv, c.stdout_to_null)
                finally:
                    if cleanup:
                        cleanup()
                run["round"] = rnd
                c.runs.append(run)
                flag = "" if run["rc"] == 0 else f"  (exit {run['rc']})"
                print(f"bench: round {rnd}/{args.rounds} {c.name:16} {run['wall_s']:8.3f} s{flag}",
                      file=sys.stderr)
        imp_text = None
        if any(c.name == "import" for c in active):
            imp_text, imp_err = import_summary(args, scratch)
            if imp_err:
                imp_text = "unavailable: " + imp_err
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    # A contender whose every run failed at setup has no timing to report.
    for c in active:
        if c.runs and all(r.get("setup_failed") for r in c.runs):
            c.skip_reason = "setup failed: " + c.runs[-1]["stderr"][:200]
            c.runs = []
    summary = {c.name: s for c in chosen if (s := summarize(c)) is not None}

    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    raw_file = os.path.join(args.out, f"results-{stamp}.json")
    report = {
        "date_utc": now.strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "corpus": corpus,
        "versions": versions(args),
        "rounds": args.rounds,
        "warm_cache": True,
        "contenders": [{"name": c.name, "what": c.what, "skip_reason": c.skip_reason, "runs": c.runs}
                       for c in chosen],
        "summary": summary,
        "targets": evaluate_targets(summary),
        "import_summary": imp_text,
        "raw_file": raw_file,
        "driver_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }
    for path in (raw_file, os.path.join(args.out, "latest.json")):
        with open(path, "w") as f:
            json.dump(report, f, indent=1)
    write_markdown(args.results, report)
    print(f"bench: wrote {os.path.relpath(args.results, ROOT)} and {os.path.relpath(raw_file, ROOT)}",
          file=sys.stderr)
    with open(args.results) as f:
        sys.stdout.write(f.read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
