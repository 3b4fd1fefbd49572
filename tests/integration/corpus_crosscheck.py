#!/usr/bin/env python3
"""An independent implementation of HireSync's matching rules on Python's stdlib email parser.

Used to cross-check the exact counts asserted by corpus_test.cpp: two implementations on two
different parsers agreeing on 6,046 real messages is evidence that the counts are right, not merely
what our code happens to do. Shares no code with src/.

usage: corpus_crosscheck.py SEED.json OWNER CORPUS_DIR   -> prints the import summary as JSON
"""
import email
import email.policy
import email.utils
import hashlib
import json
import os
import re
import sys

# An angle-addr whose local part holds unquoted whitespace ("<Undisclosed Recipients@x>") is no
# address under RFC 5322 3.4.1. GMime rejects it; Python's getaddresses salvages "Recipients@x".
# Drop it here so the two implementations judge the same addresses.
BAD_ANGLE_ADDR = re.compile(r'<[^<>"@]*\s[^<>"@]*@[^<>]*>')

WEBMAIL = {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
           "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de",
           "web.de", "mail.com", "yandex.ru", "zoho.com", "fastmail.com", "ymail.com", "yahoo.co.uk",
           "hotmail.co.uk", "hotmail.fr"}
RANK = ["own_address", "no_profile", "internal_domain", "discovery_restricted", "not_in_project", "erased"]


def canonical(addr):
    addr = addr.strip().strip("<>").strip().lower()
    if "@" not in addr:
        return None
    local, domain = addr.rsplit("@", 1)
    domain = domain.rstrip(".")
    if not local or not domain:
        return None
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        if not domain.isascii():
            return None
    if domain in ("gmail.com", "googlemail.com"):
        domain = "gmail.com"
        local = local.split("+", 1)[0].replace(".", "")
    return local + "@" + domain


def main():
    seed = json.load(open(sys.argv[1]))
    owner = canonical(sys.argv[2])
    corpus = sys.argv[3]
    member_of, discovery, first_email = {}, {}, {}
    for i, m in enumerate(seed["members"]):
        discovery[i] = m.get("email_discovery", "nobody")
        first_email[i] = m["emails"][0]
        for e in m["emails"]:
            member_of[canonical(e)] = i
    contract = next(c for c in seed["contracts"]
                    if any(canonical(u["email"]) == owner for u in c.get("users", [])))
    saved = {member_of[canonical(a)] for p in contract.get("projects", []) for a in p.get("candidates", [])}
    internal = {d.lower().encode("idna").decode() for d in contract.get("internal_domains", [])}
    owner_domain = owner.split("@")[1]
    enabled = contract.get("email_provider", "none") != "none"

    summary = {"seen": 0, "synced": 0, "duplicate": 0, "malformed": 0, "skipped": {}}
    stored = set()
    per_file = {}
    files = []
    for d, dirs, names in os.walk(corpus):
        dirs.sort()
        files += [os.path.join(d, n) for n in sorted(names) if not n.startswith(".")]
    for path in sorted(files):
        raw = open(path, "rb").read()
        summary["seen"] += 1
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        if not msg.keys():
            summary["malformed"] += 1
            continue
        verdicts, matched = [], []
        for header in ("From", "Sender", "Reply-To", "To", "Cc", "Bcc"):
            for _, addr in email.utils.getaddresses([BAD_ANGLE_ADDR.sub("", str(v)) for v in msg.get_all(header, [])]):
                if not addr:
                    continue
                c = canonical(addr)
                if not enabled:
                    verdicts.append("sync_disabled")
                elif c is None:
                    verdicts.append("no_profile")
                elif c == owner:
                    verdicts.append("own_address")
                elif (c.split("@")[1] == owner_domain and owner_domain not in WEBMAIL) or c.split("@")[1] in internal:
                    verdicts.append("internal_domain")
                elif c not in member_of:
                    verdicts.append("no_profile")
                elif discovery[member_of[c]] != "anyone":
                    verdicts.append("discovery_restricted")
                elif member_of[c] not in saved:
                    verdicts.append("not_in_project")
                else:
                    verdicts.append("matched")
                    if member_of[c] not in matched:
                        matched.append(member_of[c])
        if matched:
            mid = (msg.get("Message-ID") or "").strip()
            key = mid.strip("<>") if mid else hashlib.sha256(raw).hexdigest()
            if key in stored:
                summary["duplicate"] += 1
            else:
                stored.add(key)
                summary["synced"] += 1
            continue
        if "sync_disabled" in verdicts:
            reason = "sync_disabled"
        elif not verdicts:
            reason = "no_profile"
        else:
            reason = max(verdicts, key=RANK.index)
        summary["skipped"][reason] = summary["skipped"].get(reason, 0) + 1
        per_file[path] = reason
    if os.environ.get("CROSSCHECK_PER_FILE"):
        json.dump(per_file, open(os.environ["CROSSCHECK_PER_FILE"], "w"))
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
