"""Issue 3, second "Done when": each consent outcome and the no-Gmail account end in their own
error code, message and remedy on GET /api/me/mailbox; authorizing against the contract's choice
is refused with a clear error."""
import unittest
import urllib.parse

from harness import StackTest, World


class ConsentOutcomes(StackTest):
    def outcome(self, world, **account):
        self.stack.add_account(world.recruiter, **account)
        s, location = world.authorize()
        self.assertIn(s, (302, 303))
        query = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
        s, mb = world.mailbox()
        self.assertEqual(s, 200, mb)
        self.assertEqual(mb["status"], "needs_reauth", mb)
        error = mb["error"]
        self.assertTrue(error["message"], error)
        self.assertTrue(error["remedy"], error)
        self.assertEqual(query.get("result"), ["error"], location)
        self.assertEqual(query.get("code"), [error["code"]], location)
        return error

    def test_each_outcome_has_its_own_code_message_and_remedy(self):
        st = self.stack
        cases = [({"consent": "admin_policy_enforced"}, "admin_policy_enforced"),
                 ({"consent": "org_internal"}, "org_internal"),
                 ({"consent": "access_denied"}, "access_denied"),
                 ({"mailbox": False}, "no_mailbox")]
        seen = {}
        for i, (account, code) in enumerate(cases):
            world = World(st, domain=f"tenant{i}.example")
            error = self.outcome(world, **account)
            self.assertEqual(error["code"], code)
            seen[code] = (error["message"], error["remedy"])
        self.assertEqual(len({m for m, _ in seen.values()}), len(cases), seen)
        self.assertEqual(len({r for _, r in seen.values()}), len(cases), seen)

    def test_a_granted_retry_clears_the_error(self):
        st = self.stack
        world = World(st)
        self.outcome(world, consent="access_denied")
        st.add_account(world.recruiter, consent="granted")
        s, location = world.authorize()
        self.assertIn("result=connected", location)
        mb = world.wait_live()
        self.assertIsNone(mb["error"])

    def test_authorizing_against_the_contracts_choice_is_refused(self):
        st = self.stack
        world = World(st, provider="microsoft")
        st.add_account(world.recruiter)
        s, body = st.api("POST", "/api/me/mailbox/authorize", {"provider": "google"}, world.admin)
        self.assertEqual(s, 422, body)
        self.assertEqual(body["error"]["code"], "wrong_provider")
        self.assertTrue(body["error"]["remedy"])

    def test_the_state_is_single_use_and_bound_to_the_session(self):
        st = self.stack
        world = World(st)
        st.add_account(world.recruiter)
        s, body = st.api("POST", "/api/me/mailbox/authorize", None, world.admin)
        self.assertEqual(s, 200)
        from harness import http
        s, _, h = http("GET", body["authorize_url"])
        callback = h["Location"]
        # Another session (the second recruiter) cannot finish this user's flow.
        s, _, h = http("GET", callback, headers={"Authorization": f"Bearer {world.second}"})
        self.assertNotIn("result=connected", h.get("Location", ""))
        # And the state is spent: replaying the callback in the right session fails too.
        s, _, h = http("GET", callback, headers={"Authorization": f"Bearer {world.admin}"})
        self.assertNotIn("result=connected", h.get("Location", ""))
        self.assertEqual(world.mailbox()[0], 404)


if __name__ == "__main__":
    unittest.main()
