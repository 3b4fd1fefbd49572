"""The browser journey of issue 5, in Debian's chromium driven by playwright-core.

Starts the real sandbox (consent page, no auto-consent) and `hiresync serve` on a fresh SQLite file
with the harness of the sync integration tests, builds two contracts through the HTTP API (the
operator's part, which has no UI), then runs journey.mjs, which does everything a recruiter and an
admin do by clicking. Screenshots land in $HIRESYNC_E2E_ARTIFACTS (default: a temp folder).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "sync"))

from harness import PASSWORD, Stack  # noqa: E402

CHROMIUM = os.environ.get("HIRESYNC_CHROMIUM", "/usr/bin/chromium")


def build_world(stack):
    """Acme (provider not chosen yet: the admin enables it in the UI) with an admin and a second
    recruiter, two candidates in a project; Globex, another contract, with its own user."""
    s, acme = stack.ops("POST", "/api/ops/contracts",
                        {"name": "Acme Robotics",
                         "admin": {"email": "rita@acme-robotics.com", "name": "Rita Recruiter",
                                   "password": PASSWORD}})
    assert s in (200, 201), (s, acme)
    admin = stack.login("rita@acme-robotics.com")
    s, body = stack.api("POST", "/api/users", {"email": "sam@acme-robotics.com", "name": "Sam Sourcer",
                                               "password": PASSWORD, "role": "user"}, admin)
    assert s in (200, 201), (s, body)
    s, ann = stack.ops("POST", "/api/ops/members", {"name": "Ann Lee", "emails": ["ann.lee@example.org"],
                                                    "email_discovery": "anyone"})
    assert s in (200, 201), (s, ann)
    s, bob = stack.ops("POST", "/api/ops/members", {"name": "Bob Martin", "emails": ["bob.martin@gmail.com"],
                                                    "email_discovery": "anyone"})
    assert s in (200, 201), (s, bob)
    s, project = stack.api("POST", "/api/projects", {"name": "Backend Engineer"}, admin)
    assert s in (200, 201), (s, project)
    for member in (ann, bob):
        s, body = stack.api("POST", f"/api/projects/{project['id']}/candidates", {"member_id": member["id"]},
                            admin)
        assert s in (200, 201, 204), (s, body)
    s, globex = stack.ops("POST", "/api/ops/contracts",
                          {"name": "Globex", "admin": {"email": "gina@globex.example", "name": "Gina Globex",
                                                       "password": PASSWORD}})
    assert s in (200, 201), (s, globex)
    stack.add_account("rita@acme-robotics.com")
    # An account whose Workspace admin blocks the app: Google keeps the browser on its own page.
    stack.add_account("blocked@acme-robotics.com", consent="admin_policy_enforced")
    return {
        "base": stack.base,
        "sandbox": stack.sandbox_base,
        "password": PASSWORD,
        "admin": "rita@acme-robotics.com",
        "recruiter": "rita@acme-robotics.com",
        "blocked": "blocked@acme-robotics.com",
        "other": "sam@acme-robotics.com",
        "outsider": "gina@globex.example",
        "candidate": {"id": ann["id"], "name": "Ann Lee", "email": "ann.lee@example.org"},
        "project": {"id": project["id"], "name": "Backend Engineer"},
    }


class BrowserJourney(unittest.TestCase):
    def test_journey(self):
        if not os.path.exists(CHROMIUM):
            self.fail(f"{CHROMIUM} is missing: run scripts/install-deps.sh test")
        if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
            self.fail("playwright-core is missing: run scripts/install-deps.sh test")
        artifacts = os.environ.get("HIRESYNC_E2E_ARTIFACTS") or tempfile.mkdtemp(prefix="hiresync-e2e-")
        shutil.rmtree(artifacts, ignore_errors=True)
        os.makedirs(artifacts, exist_ok=True)
        # An authorization that has not come back after 2 s shows as not finished (default 180 s).
        stack = Stack(auto_consent=False, sync_config={"authorization_timeout_s": 2})
        try:
            world = build_world(stack)
            world["artifacts"] = artifacts
            world["chromium"] = CHROMIUM
            run = subprocess.run(["node", os.path.join(HERE, "journey.mjs")], cwd=HERE,
                                 env=dict(os.environ, HIRESYNC_E2E=json.dumps(world)),
                                 capture_output=True, text=True, timeout=300)
            print(run.stdout)
            if run.returncode != 0:
                print(run.stderr)
                print("\n--- serve.log (tail) ---\n" + stack.log("serve")[-4000:])
                print("\n--- sandbox.log (tail) ---\n" + stack.log("sandbox")[-2000:])
            print(f"screenshots: {artifacts}")
            self.assertEqual(run.returncode, 0, "the browser journey failed (see above)")
        finally:
            stack.close()


if __name__ == "__main__":
    unittest.main()
