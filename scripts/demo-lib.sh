# shellcheck shell=bash
# shellcheck disable=SC2154  # the caller sets the variables listed below
# The pieces `make demo` (scripts/demo.sh) and `make cluster-demo` (scripts/cluster.sh) share:
# sourced, not run. The caller sets, before calling anything here:
#   me           the prefix of error messages ("demo", "cluster-demo")
#   root         the repository;  bin, sandbox_bin  the built hiresync and hiresync-sandbox
#   host         the host everything listens on;  base  HireSync's URL (the browser's)
#   sandbox, sandbox_port   the sandbox's URL and port
#   data, logs   the data folder and its logs folder;  seed  demo/app-seed.json
#   interval     seconds between simulated deliveries
# Processes started go into the array `pids`; `demo_cleanup` (installed by demo_traps) stops them
# on exit or Ctrl-C, then calls `demo_stop_more` when the caller defines it (the cluster stops
# PostgreSQL there).

demo_require_binaries() {
  local b
  for b in "$bin" "$sandbox_bin"; do
    [[ -x "$b" ]] || { echo "$me: $b not found; run 'make $me' (it builds first)" >&2; exit 2; }
  done
  command -v python3 >/dev/null ||
    { echo "$me: python3 is needed (scripts/install-deps.sh installs it)" >&2; exit 2; }
}

# A tiny HTTP client (python3 is part of the build dependencies; curl may be absent on a fresh
# machine). Prints the status and the body; exits 0 for 2xx.
http() {  # METHOD URL [JSON]
  python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
method, url = sys.argv[1], sys.argv[2]
data = sys.argv[3].encode() if len(sys.argv) > 3 else None
req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        print(r.status, r.read().decode("utf-8", "replace")); sys.exit(0)
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode("utf-8", "replace")); sys.exit(1)
except OSError as e:
    print(0, e); sys.exit(1)
PY
}

port_busy() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }

# Refuses to start when a port is taken; HINT says how to pick others.
demo_check_ports() {  # HINT PORT...
  local hint="$1" p
  shift
  for p in "$@"; do
    if port_busy "$p"; then
      echo "$me: $host:$p is already in use (an earlier demo still running?). Stop it, or pick other ports:" >&2
      echo "      $hint" >&2
      exit 1
    fi
  done
}

pids=()
# shellcheck disable=SC2317  # invoked by the trap
demo_cleanup() {
  trap - EXIT INT TERM
  if ((${#pids[@]})); then
    printf '\nStopping the demo...\n'
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  if declare -F demo_stop_more >/dev/null; then demo_stop_more; fi
  echo "Stopped. The demo's data and logs stay in $data (make $me starts fresh)."
}

demo_traps() {
  trap demo_cleanup EXIT
  trap 'exit 0' INT TERM
}

wait_healthy() {  # NAME URL PID LOG
  local i
  for ((i = 0; i < 150; i++)); do
    if ! kill -0 "$3" 2>/dev/null; then
      echo "$me: $1 exited; the end of its log ($4):" >&2
      tail -n 20 "$4" >&2
      exit 1
    fi
    http GET "$2/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$me: $1 did not answer $2/healthz within 15 s; see $4" >&2
  exit 1
}

# The server's settings for a demo; each extra argument is a top-level line written before [sync]
# (TOML: top-level keys come before the first table).
demo_write_config() {  # FILE [TOP_LEVEL_LINE...]
  local file="$1"
  shift
  {
    echo "# Written by scripts/${0##*/} for the demo (see README.md for every setting)."
    if (($#)); then printf '%s\n' "$@"; fi
    cat <<'TOML'
[sync]
backfill_days = 30     # the window searched when a mailbox connects
poll_interval_s = 60   # the safety-net poll; pushes deliver within milliseconds
authorization_timeout_s = 60  # a refused consent (no redirect) shows as "not finished" after 1 min
TOML
  } >"$file"
}

demo_start_sandbox() {
  echo "Starting hiresync-sandbox on $sandbox (Google and Microsoft, consent page on)"
  # --allow-http-notifications: real Graph only sends to https URLs; the demo serves http on loopback.
  "$sandbox_bin" --listen "$host:$sandbox_port" --google-push-endpoint "$base/webhooks/google" \
    --allow-http-notifications >"$logs/sandbox.log" 2>&1 &
  pids+=($!)
  wait_healthy hiresync-sandbox "$sandbox" "${pids[-1]}" "$logs/sandbox.log"
}

demo_account() {  # PROVIDER ADDRESS CONSENT HOSTING MAILBOX
  local out
  out="$(http POST "$sandbox/control/accounts" \
    "{\"provider\":\"$1\",\"address\":\"$2\",\"consent\":\"$3\",\"hosting\":\"$4\",\"mailbox\":$5}")" ||
    { echo "$me: creating the $1 account $2 failed: $out" >&2; exit 1; }
}

demo_create_accounts() {
  echo "Creating the sandbox mail accounts"
  local user provider
  for user in rita sam tom; do
    for provider in google microsoft; do demo_account "$provider" "$user@acme-robotics.com" granted cloud true; done
  done
  demo_account google olga@globex.example granted cloud true
  # Accounts that show the troubleshooting paths (typed into the consent page's Account field).
  demo_account google it-approval@acme-robotics.com admin_policy_enforced cloud true
  demo_account microsoft it-approval@acme-robotics.com admin_required cloud true
  demo_account google not-assigned@acme-robotics.com org_internal cloud true
  demo_account microsoft not-assigned@acme-robotics.com not_assigned cloud true
  demo_account google onprem@acme-robotics.com granted cloud false
  demo_account microsoft onprem@acme-robotics.com granted on_premises true
}

demo_start_simulator() {
  echo "Starting the mail simulator (a message for each recruiter every ${interval} s)"
  python3 "$root/scripts/mail_simulator.py" --sandbox "$sandbox" --seed "$seed" --interval "$interval" \
    --recruiters rita@acme-robotics.com,sam@acme-robotics.com,tom@acme-robotics.com \
    >"$logs/simulator.log" 2>&1 &
  pids+=($!)
}

demo_print_logins() {
  cat <<'EOF'
Sign in as (password after the slash):
  rita@acme-robotics.com / rita-demo-pass   Rita Recruiter, admin of Acme Robotics
  sam@acme-robotics.com  / sam-demo-pass    Sam Sourcer, recruiter
  tom@acme-robotics.com  / tom-demo-pass    Tom Hart, recruiter
  olga@globex.example    / olga-demo-pass   Olga, admin of another company (Globex Staffing)
EOF
}

# Sleeps until Ctrl-C (the trap exits), or returns when one of the given processes has exited.
demo_run_while_alive() {  # PID...
  local p
  while :; do
    for p in "$@"; do kill -0 "$p" 2>/dev/null || return 0; done
    sleep 1 &
    wait $! || true
  done
}
