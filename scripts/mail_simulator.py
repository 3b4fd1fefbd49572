#!/usr/bin/env python3
"""Mail simulator for `make demo`: keeps candidate email flowing into the recruiters' sandbox mailboxes.

Every --interval seconds, each recruiter whose address has an account on hiresync-sandbox gets one
message through the sandbox control API (POST /control/accounts/{address}/messages), which stores
it and pushes the change to the server exactly as Gmail / Graph would:

- a candidate writes in (inbox), or the recruiter answers (sent folder); conversations alternate
  and replies are threaded with In-Reply-To and References to the earlier messages;
- now and then a candidate writes to two recruiters at once (one of them in Cc): both mailboxes
  get the same message, and a viewer who may see both copies sees it once;
- now and then a message that must NOT sync: from the company's own domain, from a candidate who
  hides from email discovery, from a member who is in no project, or from an unknown address.

Candidates come from the seed file (--seed, the `hiresync seed` format); recruiters from
--recruiters, else the users of the seed's first contract. The simulator cannot know who connected
a mailbox: it delivers to every recruiter that has a sandbox account (mail to a mailbox that is
connected later is found by its backfill). Python 3 standard library only.
"""
import argparse
import email.utils
import itertools
import json
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from email.policy import SMTP

OPENERS = [
    ("{role} role at {company}",
     "Hi {recruiter_first},\n\nThanks for reaching out about the {role} position. I'd love to hear more "
     "about the team and the tech stack. I'm available most afternoons this week.\n\nBest,\n{cand}"),
    ("Following up on my application ({role})",
     "Hello {recruiter_first},\n\nI applied for the {role} opening last week and wanted to follow up. "
     "My portfolio is at https://portfolio.example/{slug} in case it helps.\n\nKind regards,\n{cand}"),
    ("Question about the {role} position",
     "Hi {recruiter_first},\n\nIs the {role} role open to remote candidates in a different time zone? "
     "I'm based in Lisbon.\n\nThanks,\n{cand}"),
]
INBOUND_REPLIES = [
    "Thanks, {recruiter_first}! Thursday at 14:00 works for me. Should I prepare anything?\n\n{cand}",
    "Hi {recruiter_first},\n\nI've attached my updated CV to my profile. Looking forward to the next "
    "step.\n\n{cand}",
    "That sounds great. My notice period is four weeks, and my salary expectation is in the range we "
    "discussed.\n\nBest,\n{cand}",
    "Quick question before the interview: will there be a live coding part?\n\n{cand}",
]
OUTBOUND = [
    "Hi {cand_first},\n\nGreat to hear from you! Could we schedule a 30-minute call this week? How "
    "about Thursday at 14:00 CET?\n\nBest regards,\n{recruiter}\nAcme Robotics",
    "Hi {cand_first},\n\nThanks for the quick answer. I've shared your profile with the hiring manager "
    "and will come back to you by Friday.\n\n{recruiter}",
    "Hi {cand_first},\n\nYes: a 45-minute pairing session on a small problem, in the language you "
    "prefer. Nothing to prepare.\n\n{recruiter}",
]
NOT_SYNCED = ["internal", "hidden", "not_in_project", "unknown"]


def http_post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def ascii_address(address):
    """The address with an IDN domain in its ASCII (punycode) form, as mailers write it."""
    local, _, domain = address.rpartition("@")
    try:
        domain.encode("ascii")
        return address
    except UnicodeEncodeError:
        return local + "@" + domain.encode("idna").decode("ascii")


def domain_of(address):
    return address.rpartition("@")[2].lower()


class Simulator:
    def __init__(self, args):
        self.sandbox = args.sandbox.rstrip("/")
        self.providers = [p for p in args.providers.split(",") if p]
        self.rng = random.Random(args.random_seed)
        seed = {}
        if args.seed:
            with open(args.seed, encoding="utf-8") as f:
                seed = json.load(f)
        contract = (seed.get("contracts") or [{}])[0]
        users = {u["email"].lower(): u.get("name", u["email"]) for u in contract.get("users", [])}
        if args.recruiters:
            self.recruiters = [r.strip().lower() for r in args.recruiters.split(",") if r.strip()]
        else:
            self.recruiters = list(users)
        if not self.recruiters:
            sys.exit("mail_simulator: no recruiters (give --recruiters or a --seed with users)")
        self.names = {r: users.get(r, r.split("@")[0].capitalize()) for r in self.recruiters}
        self.company = contract.get("name", "Acme Robotics")
        own = {domain_of(r) for r in self.recruiters}
        internal = own | {d.lower() for d in contract.get("internal_domains", [])}
        roles = {}
        for project in contract.get("projects", []):
            for c in project.get("candidates", []):
                roles.setdefault(c.lower(), project["name"])
        self.candidates, self.off = [], {"internal": [], "hidden": [], "not_in_project": []}
        for m in seed.get("members", []):
            emails = [e.lower() for e in m.get("emails", [])]
            if not emails:
                continue
            role = next((roles[e] for e in emails if e in roles), None)
            who = {"name": m["name"], "email": m["emails"][0], "role": role or "open"}
            if domain_of(emails[0]) in internal:
                self.off["internal"].append(who)
            elif m.get("email_discovery", "nobody") != "anyone":
                self.off["hidden"].append(who)
            elif role is None:
                self.off["not_in_project"].append(who)
            else:
                self.candidates.append(who)
        if not self.candidates:
            self.candidates = [{"name": "Ann Lee", "email": "ann.lee@example.org", "role": "Backend Engineer"}]
        self.off["unknown"] = [{"name": "Jobs Digest", "email": "digest@jobs-newsletter.example", "role": "open"}]
        self.threads = {}          # (recruiter, candidate email) -> [{"id","subject","direction"}]
        self.turn = {r: itertools.cycle(range(len(self.candidates))) for r in self.recruiters}
        self.missing = set()       # recruiters without a sandbox account (told once)
        self.tick = 0

    def compose(self, sender, to, subject, text, cc=None, reply_to_ids=None, html=False):
        msg = EmailMessage(policy=SMTP)
        msg["From"] = email.utils.formataddr((sender["name"], ascii_address(sender["email"])), "utf-8")
        msg["To"] = email.utils.formataddr((to["name"], ascii_address(to["email"])), "utf-8")
        if cc:
            msg["Cc"] = email.utils.formataddr((cc["name"], ascii_address(cc["email"])), "utf-8")
        msg["Subject"] = subject
        msg["Date"] = email.utils.formatdate(usegmt=True)
        domain = domain_of(ascii_address(sender["email"]))
        msg["Message-ID"] = email.utils.make_msgid(domain=domain)
        if reply_to_ids:
            msg["In-Reply-To"] = reply_to_ids[-1]
            msg["References"] = " ".join(reply_to_ids[-10:])
        msg.set_content(text)
        if html:
            paragraphs = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
            msg.add_alternative(f"<html><body style=\"font-family:sans-serif\">{paragraphs}</body></html>",
                                subtype="html")
        return msg

    def fill(self, template, recruiter, cand):
        return template.format(recruiter=self.names[recruiter], recruiter_first=self.names[recruiter].split()[0],
                               cand=cand["name"], cand_first=cand["name"].split()[0], role=cand["role"],
                               company=self.company, slug=cand["email"].split("@")[0].replace(".", "-"))

    def deliver(self, recruiter, msg, folder):
        """Delivers to the recruiter's account on every provider that has one (the demo makes both,
        so whichever provider the admin picks gets the mail). Returns {provider: message id}."""
        ids = {}
        for provider in self.providers:
            status, text = http_post(f"{self.sandbox}/control/accounts/{urllib.parse.quote(recruiter)}/messages",
                                     {"folder": folder, "raw": msg.as_string(), "provider": provider})
            if status == 404 and "nknown account" in text:
                continue
            if status >= 300:
                print(f"mail_simulator: delivery to {recruiter} ({provider}) failed: {status} {text[:200]}",
                      flush=True)
                continue
            try:  # the provider's message id (Graph: the immutable one, which HireSync uses)
                answer = json.loads(text)
                ids[provider] = answer.get("immutable_id") or answer.get("id") or "?"
            except ValueError:
                ids[provider] = "?"
        if not ids and recruiter not in self.missing:
            print(f"mail_simulator: {recruiter} has no sandbox account; skipping it", flush=True)
            self.missing.add(recruiter)
        elif ids:
            self.missing.discard(recruiter)
        return ids

    def conversation_message(self, recruiter):
        """The next message of one of the recruiter's conversations: (msg, folder, candidate, cc)."""
        cand = self.candidates[next(self.turn[recruiter])]
        me = {"name": self.names[recruiter], "email": recruiter}
        thread = self.threads.get((recruiter, cand["email"]))
        if thread is None or len(thread) >= self.rng.randint(2, 8):
            subject, body = self.rng.choice(OPENERS)
            cc = None
            others = [r for r in self.recruiters if r != recruiter and r not in self.missing]
            if others and self.rng.random() < 0.12:
                cc = {"name": self.names[others[0]], "email": others[0]}
            msg = self.compose(cand, me, self.fill(subject, recruiter, cand), self.fill(body, recruiter, cand),
                               cc=cc, html=self.rng.random() < 0.3)
            self.threads[(recruiter, cand["email"])] = [{"id": msg["Message-ID"], "subject": msg["Subject"],
                                                        "direction": "inbound"}]
            return msg, "inbox", cand, cc
        ids = [m["id"] for m in thread]
        subject = "Re: " + thread[0]["subject"]
        if thread[-1]["direction"] == "inbound":
            msg = self.compose(me, cand, subject, self.fill(self.rng.choice(OUTBOUND), recruiter, cand),
                               reply_to_ids=ids)
            direction, folder = "outbound", "sent"
        else:
            msg = self.compose(cand, me, subject, self.fill(self.rng.choice(INBOUND_REPLIES), recruiter, cand),
                               reply_to_ids=ids, html=self.rng.random() < 0.2)
            direction, folder = "inbound", "inbox"
        thread.append({"id": msg["Message-ID"], "subject": subject, "direction": direction})
        return msg, folder, cand, None

    def off_message(self, recruiter, kind):
        pool = self.off[kind] or self.off["unknown"]
        who = self.rng.choice(pool)
        me = {"name": self.names[recruiter], "email": recruiter}
        texts = {"internal": ("Lunch & learn on Friday", "Hi all, the robotics lunch & learn moves to Friday."),
                 "hidden": ("Re: our chat", "Thanks again for the chat, let's keep in touch."),
                 "not_in_project": ("Open to opportunities", "Hello, I saw your post and I'm open to new roles."),
                 "unknown": ("Your weekly jobs digest", "12 new roles match your saved searches.")}
        subject, text = texts[kind]
        return self.compose(who, me, subject, text + f"\n\n{who['name']}"), who

    def round(self):
        self.tick += 1
        delivered = 0
        for recruiter in self.recruiters:
            if self.tick % 6 == 0:
                kind = NOT_SYNCED[(self.tick // 6 - 1) % len(NOT_SYNCED)]
                msg, who = self.off_message(recruiter, kind)
                ids = self.deliver(recruiter, msg, "inbox")
                if ids:
                    delivered += 1
                    where = ", ".join(f"{p} {i}" for p, i in ids.items())
                    print(f"-> {recruiter:28} inbox  from {who['name']}: {msg['Subject']!r} "
                          f"(must NOT sync: {kind.replace('_', ' ')}; provider message id: {where})",
                          flush=True)
                continue
            msg, folder, cand, cc = self.conversation_message(recruiter)
            arrow = "to  " if folder == "sent" else "from"
            if not self.deliver(recruiter, msg, folder):
                continue
            delivered += 1
            extra = f" (Cc {self.names[cc['email']]})" if cc else ""
            print(f"-> {recruiter:28} {folder:6} {arrow} {cand['name']}: {msg['Subject']!r}{extra}", flush=True)
            if cc and self.deliver(cc["email"], msg, "inbox"):  # the colleague's own copy
                delivered += 1
                print(f"-> {cc['email']:28} inbox  from {cand['name']}: {msg['Subject']!r} "
                      f"(Cc'd copy: a viewer who may see both copies sees one)", flush=True)
        return delivered


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sandbox", default="http://127.0.0.1:9090", help="hiresync-sandbox base URL")
    ap.add_argument("--interval", type=float, default=5.0, help="seconds between rounds (default 5)")
    ap.add_argument("--recruiters", default="", help="comma list of recruiter addresses")
    ap.add_argument("--seed", default="", help="seed JSON to read candidates (and recruiters) from")
    ap.add_argument("--providers", default="google,microsoft",
                    help="deliver to the recruiter's account on each of these (default google,microsoft)")
    ap.add_argument("--count", type=int, default=0, help="stop after N rounds (0: run until stopped)")
    ap.add_argument("--random-seed", type=int, default=None, help="make the choices repeatable")
    args = ap.parse_args()
    sim = Simulator(args)
    try:
        while True:
            try:
                sim.round()
            except OSError as e:  # the sandbox is restarting or gone: keep trying
                print(f"mail_simulator: sandbox unreachable: {e}", flush=True)
            if args.count and sim.tick >= args.count:
                return 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
