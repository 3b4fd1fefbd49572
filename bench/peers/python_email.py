#!/usr/bin/env python3
"""Bench peer: Python's stdlib `email` parsing every file of a corpus directory.

usage: python_email.py compat32|default DIR

For every regular file under DIR (recursively, sorted): read the bytes, parse them with
email.message_from_bytes, read the participant and threading headers, and walk every part.

  compat32  policy.compat32 (the legacy default). Headers come back as plain strings; the walk asks
            each part for its content type. No body is decoded: this is the "parse-only" peer the
            targets refer to.
  default   policy.default (the modern API). Address headers are parsed into Address objects and
            read through .addresses; the walk also decodes every text/* part with get_content()
            (errors from malformed parts are counted, as a real consumer would have to).

Prints one summary line: files, parts, decode errors. Exit status 0, or 2 on bad usage.
"""

import email
import os
import sys
from email import policy

HEADERS = ("From", "Sender", "Reply-To", "To", "Cc", "Bcc",
           "Message-ID", "In-Reply-To", "References", "Subject", "Date")
ADDRESS_HEADERS = frozenset(("From", "Sender", "Reply-To", "To", "Cc", "Bcc"))


def corpus_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if os.path.isfile(path):
                yield path


def parse_compat32(raw, counts):
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    sink = 0
    for name in HEADERS:
        value = msg.get(name)
        if value is not None:
            sink += len(str(value))
    for part in msg.walk():
        sink += len(part.get_content_type())
        counts["parts"] += 1
    return sink


def parse_default(raw, counts):
    msg = email.message_from_bytes(raw, policy=policy.default)
    sink = 0
    for name in HEADERS:
        try:
            value = msg.get(name)
            if value is None:
                continue
            if name in ADDRESS_HEADERS:
                for address in value.addresses:
                    sink += len(address.addr_spec) + len(address.display_name)
            else:
                sink += len(str(value))
        except Exception:  # a header the policy cannot parse; a real consumer would skip it too
            counts["header_errors"] += 1
    for part in msg.walk():
        content_type = part.get_content_type()
        counts["parts"] += 1
        if part.get_content_maintype() == "text":
            try:
                sink += len(part.get_content())
            except Exception:
                counts["decode_errors"] += 1
        sink += len(content_type)
    return sink


def main(argv):
    modes = {"compat32": parse_compat32, "default": parse_default}
    if len(argv) != 3 or argv[1] not in modes:
        print("usage: python_email.py compat32|default DIR", file=sys.stderr)
        return 2
    parse = modes[argv[1]]
    counts = {"files": 0, "parts": 0, "header_errors": 0, "decode_errors": 0}
    for path in corpus_files(argv[2]):
        with open(path, "rb") as f:
            raw = f.read()
        parse(raw, counts)
        counts["files"] += 1
    print(f"python-email {argv[1]}: {counts['files']} files {counts['parts']} parts "
          f"{counts['header_errors']} header errors {counts['decode_errors']} decode errors")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
