#!/usr/bin/env bash
# `make demo-cli`: the command-line demo. A fresh demo database, the demo contract seeded, a sample
# mailbox (a maildir and an mbox) imported as the recruiter's mailbox, then the reasons behind what
# did not sync. Everything runs through the real `hiresync` binary on a real SQLite file
# (hiresync-data/demo.db; the web demo, `make demo`, is scripts/demo.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-build}"
bin="$root/$build/src/app/hiresync"
db="$root/hiresync-data/demo.db"
owner="rita@acme-robotics.com"
rm -f "$db" "$db-wal" "$db-shm"
mkdir -p "$(dirname "$db")"

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

bold "Seeding the demo contract (Acme Robotics, Google Workspace) into $db"
"$bin" seed --db "$db" "$root/demo/seed.json"

bold "Importing Rita's mailbox (demo/mailbox: a maildir; demo/archive.mbox: an mbox)"
(cd "$root" && "$bin" import --db "$db" --owner "$owner" demo/mailbox demo/archive.mbox) || true

bold "Importing the same mail again: nothing is doubled"
(cd "$root" && "$bin" import --db "$db" --owner "$owner" demo/mailbox demo/archive.mbox | tail -1) || true

bold "Why did Chen's reply not sync? (hiresync explain)"
"$bin" explain --db "$db" --owner "$owner" "$root/demo/mailbox/cur/04-chen-restricted.eml"

bold "And the internal panel email?"
"$bin" explain --db "$db" --owner "$owner" "$root/demo/mailbox/cur/06-internal.eml"

bold "Candidate threads now in the store (private to Rita)"
if command -v sqlite3 >/dev/null; then
  sqlite3 -header -column "$db" "
    SELECT m.name AS candidate, t.subject AS thread, COUNT(mc.message_id) AS messages,
           datetime(t.last_message_at, 'unixepoch') AS last_message
    FROM threads t JOIN members m ON m.id = t.member_id
    JOIN message_candidates mc ON mc.thread_id = t.id
    GROUP BY t.id ORDER BY m.name, t.last_message_at;"
fi

bold "A GDPR erasure of Bob Martin: his mail is removed, and never syncs again"
"$bin" gdpr-erase --db "$db" --email bob.martin@gmail.com
(cd "$root" && "$bin" import --db "$db" --owner "$owner" demo/mailbox/cur/03-rita-to-bob-plus-tag.eml) || true

printf '\nThe demo database stays at %s; try:\n  %s explain --db %s --owner %s FILE.eml\n' "$db" "$bin" "$db" "$owner"
