#!/usr/bin/env bash
# `make demo`: the product demo. A fresh data directory (hiresync-data/), the provider emulator
# (hiresync-sandbox, with its consent page: nothing is approved automatically), `hiresync serve` on
# SQLite with the demo contract seeded (demo/app-seed.json), sandbox mail accounts for the
# recruiters and a few that show the troubleshooting paths, and a mail simulator that delivers
# candidate email every few seconds. Prints the URL, the logins and what to try, then runs until
# Ctrl-C, which stops everything it started.
#
# Usage: scripts/demo.sh [BUILD_DIR]          (make demo passes $(BUILD); default: build)
# Environment (optional):
#   DEMO_HOST          host both servers listen on and the browser uses   (default 127.0.0.1)
#   DEMO_PORT          HireSync's port                                     (default 8080)
#   DEMO_SANDBOX_PORT  the sandbox's port                                  (default 9090)
#   DEMO_INTERVAL      seconds between simulated deliveries                (default 5)
#   HIRESYNC_OPERATOR_TOKEN  the operator token (default: a random one, printed)
#   HIRESYNC_WEB_DIR   serve the UI from this folder instead of the embedded copy (development)
# The command-line demo that imports a sample mailbox is `make demo-cli` (scripts/cli-demo.sh).
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
base="http://$host:$port"
sandbox="http://$host:$sandbox_port"
data="$root/hiresync-data"
logs="$data/logs"
seed="$root/demo/app-seed.json"

me=demo
# shellcheck source=scripts/demo-lib.sh
source "$root/scripts/demo-lib.sh"
demo_require_binaries
demo_check_ports "DEMO_PORT=8081 DEMO_SANDBOX_PORT=9091 make demo" "$port" "$sandbox_port"
demo_traps

# A fresh data directory: the database, its secret key (made by serve, mode 0600) and the logs.
rm -f "$data/hiresync.db" "$data/hiresync.db-wal" "$data/hiresync.db-shm" "$data/secret.key" "$data/demo.toml"
rm -rf "$logs"
mkdir -p "$logs"
demo_write_config "$data/demo.toml"

export HIRESYNC_OPERATOR_TOKEN="${HIRESYNC_OPERATOR_TOKEN:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}"
unset HIRESYNC_SECRET_KEY HIRESYNC_DB HIRESYNC_PUBLIC_URL

printf '\033[1m== HireSync demo\033[0m\n'
echo "Seeding the demo contract (demo/app-seed.json)"
"$bin" seed --db "$data/hiresync.db" "$seed" | sed 's/^/   /'

demo_start_sandbox

echo "Starting hiresync serve on $base (SQLite: hiresync-data/hiresync.db)"
"$bin" serve --listen "$host:$port" --db "$data/hiresync.db" --config "$data/demo.toml" \
  --public-url "$base" --sandbox "$sandbox" >"$logs/serve.log" 2>&1 &
pids+=($!)
wait_healthy "hiresync serve" "$base" "${pids[-1]}" "$logs/serve.log"

demo_create_accounts
demo_start_simulator

b=$'\033[1m' n=$'\033[0m'
cat <<EOF

${b}HireSync is running: open $base${n}

$(demo_print_logins)

What to try:
  1. As Rita: Settings > Company: "Company email and calendar provider" is None. Edit, choose
     Google Workspace (or Microsoft 365), Save. Until then nobody can connect a mailbox.
  2. Settings > Email & calendar: "Authorize work email". The sandbox's consent page opens for
     rita@acme-robotics.com: Allow. You come back to "Connected"; the mail the simulator already
     delivered is backfilled, then the mailbox is live.
  3. Projects > Backend Engineer: the pipeline shows each candidate's latest activity. Open Ann Lee:
     a new candidate email (or Rita's reply, from the Sent folder) arrives every ${interval} s without
     reloading. Every message is "Private to me" until Rita makes it (or a thread) public.
  4. In a private window sign in as Sam and connect his mailbox too. Sam sees his own mail and only
     what Rita made public. A message Ann sent to Rita with Sam in Cc shows once.
  5. Chen Wei (hides from email discovery), Lena Fischer (on acme-robotics.com, the company's own
     domain), Felix Braun (in no project) and newsletters never sync: the simulator sends such mail
     too. Troubleshooting: enter the provider message id the simulator log prints for such a
     message (grep "must NOT" in the simulator log below), or paste a message, to read why.
  6. Send an InMail (the company default is private; Settings > Company changes it).
  7. Deauthorize: syncing stops, the synced messages stay. As Olga (another company), Ann Lee's
     Acme threads do not exist.

Troubleshooting paths: on the consent page, replace the account with one of these, then Allow:
  it-approval@acme-robotics.com   Google: the Workspace admin blocks the app (admin_policy_enforced);
                                  Microsoft: admin consent required (AADSTS90094)
  not-assigned@acme-robotics.com  Microsoft: the user is not assigned to the app (AADSTS50105);
                                  Google: the account is outside the allowed organization (org_internal)
  onprem@acme-robotics.com        Microsoft: mailbox hosted on-premises (MailboxNotEnabledForRESTAPI);
                                  Google: the account has no Gmail mailbox
  The first two stay on the provider's own error page ("Access blocked", "Need admin approval"),
  as the real ones do: nothing comes back to HireSync. Go back to Email & calendar: after a
  minute ([sync] authorization_timeout_s) it says the connection did not finish, with the likely
  causes and a link to the IT admin page.
  rita@acme-robotics.com as Sam, after Rita connected: "already connected by Rita Recruiter"
  Deny on the consent page: access_denied. The IT admin page explains what IT must grant.
  operator: curl -H "Authorization: Bearer $HIRESYNC_OPERATOR_TOKEN" "$base/api/ops/problems"

Behind the scenes:
  logs       $logs/{serve,sandbox,simulator}.log   (tail -f $logs/simulator.log)
  operator   curl -H "Authorization: Bearer $HIRESYNC_OPERATOR_TOKEN" "$base/api/ops/gdpr/export?member_id=1"
  sandbox    $sandbox (control API: sandbox/README.md)

Press Ctrl-C to stop.
EOF

# Run until Ctrl-C, or until the server or the sandbox exits on its own.
demo_run_while_alive "${pids[0]}" "${pids[1]}"
echo "demo: a server exited on its own; the end of its log:" >&2
tail -n 20 "$logs/serve.log" "$logs/sandbox.log" >&2
exit 1
