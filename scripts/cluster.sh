#!/usr/bin/env bash
# `make cluster-demo`: the product demo on a cluster (issue 12). Everything `make demo` starts (the
# sandbox with its consent page, the demo contract, the sandbox mail accounts, the mail simulator),
# but the store is a private PostgreSQL 15 and three `hiresync serve` nodes share it behind
# haproxy, which the browser, the sandbox's pushes and the OAuth redirects all go through. Prints
# the URL, the logins and what to watch (the operator's cluster view; kill -9 a node and watch
# its mailboxes move), then runs until Ctrl-C, which stops everything, PostgreSQL included.
#
# Usage: scripts/cluster.sh [BUILD_DIR]       (make cluster-demo passes $(BUILD); default: build)
# Environment (optional):
#   DEMO_HOST           host everything listens on and the browser uses     (default 127.0.0.1)
#   DEMO_PORT           haproxy's port, the one URL of the cluster           (default 8080)
#                       node N (1-3) listens on DEMO_PORT + N                 (8081, 8082, 8083)
#   DEMO_SANDBOX_PORT   the sandbox's port                                    (default 9090)
#   DEMO_INTERVAL       seconds between simulated deliveries                  (default 5)
#   CLUSTER_PG_PORT     PostgreSQL's port               (default: 5433, or the next free one)
#   CLUSTER_STATS_PORT  haproxy's statistics page                             (default 8404)
#   HIRESYNC_OPERATOR_TOKEN  the operator token (default: a random one, printed)
#   HIRESYNC_PG_BIN     PostgreSQL's binaries        (default /usr/lib/postgresql/15/bin)
# Data: hiresync-data/cluster/ (pg/ the database cluster and its socket, haproxy.cfg,
# cluster.toml, secret.key, logs/), made fresh on every run. `make demo` (one node on SQLite)
# keeps hiresync-data/hiresync.db and is not affected.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-build}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
bin="$build/src/app/hiresync"
sandbox_bin="$build/sandbox/hiresync-sandbox"
host="${DEMO_HOST:-127.0.0.1}"
port="${DEMO_PORT:-8080}"
sandbox_port="${DEMO_SANDBOX_PORT:-9090}"
interval="${DEMO_INTERVAL:-5}"
stats_port="${CLUSTER_STATS_PORT:-8404}"
base="http://$host:$port"
sandbox="http://$host:$sandbox_port"
data="$root/hiresync-data/cluster"
logs="$data/logs"
seed="$root/demo/app-seed.json"
pg_bin="${HIRESYNC_PG_BIN:-/usr/lib/postgresql/15/bin}"
pg_dir="$data/pg"
nodes=(1 2 3)

me=cluster-demo
# shellcheck source=scripts/demo-lib.sh
source "$root/scripts/demo-lib.sh"
demo_require_binaries
for tool in initdb pg_ctl createdb; do
  [[ -x "$pg_bin/$tool" ]] || {
    echo "$me: PostgreSQL 15 is not installed (no $pg_bin/$tool); run scripts/install-deps.sh cluster" >&2
    exit 2
  }
done
command -v haproxy >/dev/null ||
  { echo "$me: haproxy is not installed; run scripts/install-deps.sh cluster" >&2; exit 2; }
node_ports=()
for i in "${nodes[@]}"; do node_ports+=($((port + i))); done
demo_check_ports "DEMO_PORT=18080 DEMO_SANDBOX_PORT=19090 CLUSTER_STATS_PORT=18404 make cluster-demo" \
  "$port" "${node_ports[@]}" "$sandbox_port" "$stats_port"

# initdb refuses root: as root, PostgreSQL's commands run as the `postgres` account.
as_postgres() {
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}
pg_ctl() { as_postgres "$pg_bin/pg_ctl" "$@"; }
pg_running() { [[ -f "$pg_dir/data/postmaster.pid" ]]; }
# shellcheck disable=SC2317  # called by demo_cleanup (scripts/demo-lib.sh)
demo_stop_more() {
  if pg_running; then
    echo "Stopping PostgreSQL"
    pg_ctl stop -D "$pg_dir/data" -m fast -w >/dev/null 2>&1 || true
  fi
}

# A fresh data directory. A PostgreSQL left running by an earlier run that was killed is stopped
# first: its files are about to go.
if pg_running; then pg_ctl stop -D "$pg_dir/data" -m fast -w >/dev/null 2>&1 || true; fi
rm -rf "$data"
mkdir -p "$logs" "$pg_dir/sock"
demo_traps

export HIRESYNC_OPERATOR_TOKEN="${HIRESYNC_OPERATOR_TOKEN:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}"
unset HIRESYNC_SECRET_KEY HIRESYNC_DB HIRESYNC_PUBLIC_URL

printf '\033[1m== HireSync cluster demo\033[0m\n'

# --- PostgreSQL: a private server in hiresync-data/cluster/pg, not the system service ----------
pg_port="${CLUSTER_PG_PORT:-}"
if [[ -z "$pg_port" ]]; then
  pg_port=5433
  while (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do pg_port=$((pg_port + 1)); done
fi
if ((EUID == 0)); then chown -R postgres:postgres "$pg_dir"; fi
as_postgres test -w "$pg_dir" || {
  echo "$me: the postgres account cannot write $pg_dir (a folder on the way is not open to it)" >&2
  exit 1
}
echo "Starting PostgreSQL 15 on 127.0.0.1:$pg_port (data and socket in hiresync-data/cluster/pg)"
as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --locale=C \
  >"$pg_dir/initdb.log" 2>&1 || { echo "$me: initdb failed; see $pg_dir/initdb.log" >&2; exit 1; }
pg_ctl start -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
  -o "-p $pg_port -k $pg_dir/sock -c listen_addresses=127.0.0.1" >/dev/null ||
  { echo "$me: PostgreSQL did not start; the end of its log:" >&2; tail -n 20 "$pg_dir/server.log" >&2; exit 1; }
as_postgres "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres hiresync
db="postgresql://postgres@127.0.0.1:$pg_port/hiresync"

echo "Migrating the schema (hiresync migrate --db $db)"
"$bin" migrate --db "$db" | sed 's/^/   /'

# --- the servers' settings: one config, one secret key for all three nodes ---------------------
# Tokens sealed by one node are opened by another, so the nodes share the key file: the first node
# creates it, the others (started once it answers) read it.
demo_write_config "$data/cluster.toml" "secret_key_file = \"$data/secret.key\""

demo_start_sandbox
sandbox_pid="${pids[-1]}"

# --- haproxy: the cluster's one address ----------------------------------------------------------
{
  cat <<EOF
# Written by scripts/cluster.sh for the cluster demo.
global
  log stdout format raw local0
  maxconn 2000

defaults
  mode http
  log global
  option httplog
  option dontlognull
  # A request a dead node never answered is sent to another node.
  option redispatch
  retries 2
  timeout connect 2s
  # Above any wait a request may hold open (long polls, a backfill's first answer).
  timeout client 120s
  timeout server 120s
  timeout http-request 15s
  timeout http-keep-alive 15s
  timeout queue 15s

frontend hiresync
  bind $host:$port
  default_backend nodes

backend nodes
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  # A killed node is out of the rotation within about a second.
  default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2
EOF
  for i in "${nodes[@]}"; do echo "  server node$i $host:$((port + i)) check"; done
  cat <<EOF

listen stats
  bind $host:$stats_port
  stats enable
  stats uri /
  stats refresh 2s
EOF
} >"$data/haproxy.cfg"
haproxy -c -q -f "$data/haproxy.cfg" >"$logs/haproxy.log" 2>&1 ||
  { echo "$me: haproxy refuses $data/haproxy.cfg:" >&2; cat "$logs/haproxy.log" >&2; exit 1; }
echo "Starting haproxy on $base (round robin over nodes 1-3; statistics on http://$host:$stats_port/)"
haproxy -db -f "$data/haproxy.cfg" >>"$logs/haproxy.log" 2>&1 &
pids+=($!)
haproxy_pid=$!

echo "Seeding the demo contract (demo/app-seed.json)"
if ! out="$("$bin" seed --db "$db" "$seed" 2>&1)"; then
  echo "$me: hiresync seed on PostgreSQL failed:" >&2
  printf '%s\n' "$out" | sed 's/^/   /' >&2
  exit 1
fi
printf '%s\n' "$out" | sed 's/^/   /'

declare -A node_pid
for i in "${nodes[@]}"; do
  echo "Starting node$i: hiresync serve on $host:$((port + i))"
  "$bin" serve --listen "$host:$((port + i))" --db "$db" --node-id "node$i" --config "$data/cluster.toml" \
    --public-url "$base" --sandbox "$sandbox" >"$logs/node$i.log" 2>&1 &
  pids+=($!)
  node_pid[$i]=$!
  wait_healthy "node$i" "http://$host:$((port + i))" "${node_pid[$i]}" "$logs/node$i.log"
done
wait_healthy haproxy "$base" "$haproxy_pid" "$logs/haproxy.log"

demo_create_accounts
demo_start_simulator

b=$'\033[1m' n=$'\033[0m'
ops="curl -s -H \"Authorization: Bearer $HIRESYNC_OPERATOR_TOKEN\""
cat <<EOF

${b}HireSync runs on three nodes: open $base${n} (haproxy, round robin)

$(demo_print_logins)

Connect mailboxes as in make demo: as Rita, Settings > Company: choose Google Workspace (or
Microsoft 365), Save; then Settings > Email & calendar: "Authorize work email", Allow. Sam and
Tom too (a private window each), so that the three nodes share several mailboxes.

What to watch:
  The cluster as the operator sees it: every node, its last heartbeat, the mailboxes it holds
  and its queue depth:
    $ops $base/api/ops/cluster | python3 -m json.tool
  Kill a node without warning, then ask again: its heartbeat stops, haproxy takes it out of the
  rotation within a second, and once its leases expire its mailboxes are held by the others,
  while candidate mail keeps arriving in the browser:
    kill -9 ${node_pid[2]}        # node2
  Start it again (it rejoins and takes its share back):
    $bin serve --listen $host:$((port + 2)) --db $db --node-id node2 --config $data/cluster.toml --public-url $base --sandbox $sandbox >>$logs/node2.log 2>&1 &
  haproxy's view of the nodes: http://$host:$stats_port/

Behind the scenes:
  nodes      node1 pid ${node_pid[1]} ($host:$((port + 1))), node2 pid ${node_pid[2]} ($host:$((port + 2))), node3 pid ${node_pid[3]} ($host:$((port + 3)))
  logs       $logs/{node1,node2,node3,haproxy,sandbox,simulator}.log
  database   $db   (psql "$db"; server log $pg_dir/server.log)
  sandbox    $sandbox (control API: sandbox/README.md)

Press Ctrl-C to stop (the nodes, haproxy, the sandbox, the simulator and PostgreSQL).
EOF

# Run until Ctrl-C, or until haproxy, the sandbox or PostgreSQL exits on its own. Nodes may die:
# that is the demo.
postmaster_pid="$(head -n 1 "$pg_dir/data/postmaster.pid")"
demo_run_while_alive "$haproxy_pid" "$sandbox_pid" "$postmaster_pid"
echo "$me: haproxy, the sandbox or PostgreSQL exited on its own; the end of their logs:" >&2
tail -n 20 "$logs/haproxy.log" "$logs/sandbox.log" "$pg_dir/server.log" >&2
exit 1
