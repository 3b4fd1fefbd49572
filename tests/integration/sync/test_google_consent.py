"""Issue 3, second "Done when": each consent outcome and the no-Gmail account end in their own
error code, message and remedy on GET /api/me/mailbox; authorizing against the contract's choice
is refused with a clear error."""
import unittest
import urllib.parse

from harness import StackTest, World, http, wait_until


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

    def test_each_outcome_that_comes_back_has_its_own_code_message_and_remedy(self):
        # Only a Deny (and what fails after the code, like no Gmail) comes back to HireSync; an
        # organization's refusal stays on Google's page (NotFinished below).
        st = self.stack
        cases = [({"consent": "access_denied"}, "access_denied"),
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


def start_blocked(test, world, provider, consent):
    """Starts an authorization the provider refuses on its own page: no redirect comes back."""
    st = test.stack
    st.add_account(world.recruiter, provider=provider, consent=consent)
    s, body = st.api("POST", "/api/me/mailbox/authorize", None, world.admin)
    test.assertEqual(s, 200, body)
    s, page, h = http("GET", body["authorize_url"])
    test.assertIn(s, (400, 403), page)
    test.assertIsNone(h.get("Location"), "the provider must not send the browser back")
    return page


class NotFinished(StackTest):
    """Issue 11 point 5: Google (admin_policy_enforced, org_internal) and Entra (90094, 90095,
    50105) keep the browser on their own page; after authorization_timeout_s GET /api/me/mailbox
    says the authorization did not finish, with the likely causes and the IT page."""
    sync_config = {"authorization_timeout_s": 2}

    def not_finished(self, world):
        def shown():
            s, body = world.mailbox()
            return body if body.get("authorization") else None
        return wait_until(shown, timeout=10, what="authorization not_finished")

    def test_google_refusals_stay_on_googles_page_and_show_as_not_finished(self):
        st = self.stack
        world = World(st)
        page = start_blocked(self, world, "google", "admin_policy_enforced")
        self.assertIn("Error 400: admin_policy_enforced", page)
        s, body = world.mailbox()
        self.assertEqual(s, 404, body)  # nothing came back yet, and it is still recent
        self.assertIsNone(body.get("authorization"), body)
        body = self.not_finished(world)
        a = body["authorization"]
        self.assertEqual((a["state"], a["provider"], a["code"]), ("not_finished", "google", "consent_not_finished"))
        self.assertTrue(a["started_at"] and a["message"] and a["remedy"], a)
        self.assertEqual([c["code"] for c in a["likely_causes"]], ["admin_policy_enforced", "org_internal"])
        self.assertTrue(all(c["message"] and c["remedy"] for c in a["likely_causes"]), a)
        self.assertEqual(a["it_admin_url"], "/it-admin")

        # org_internal, on a second contract, is Google's page too (HTTP 403).
        other = World(st, domain="other.example")
        self.assertIn("Error 403: org_internal", start_blocked(self, other, "google", "org_internal"))

        # IT approves; the next authorization comes back and clears it.
        st.add_account(world.recruiter, consent="granted")
        _, location = world.authorize()
        self.assertIn("result=connected", location)
        self.assertIsNone(world.wait_live().get("authorization"))

    def test_a_redirect_with_an_error_clears_it(self):
        st = self.stack
        world = World(st)
        start_blocked(self, world, "google", "admin_policy_enforced")
        self.not_finished(world)
        st.add_account(world.recruiter, consent="access_denied")
        _, location = world.authorize()
        self.assertIn("code=access_denied", location)
        s, body = world.mailbox()
        self.assertEqual((s, body["error"]["code"]), (200, "access_denied"), body)
        self.assertIsNone(body["authorization"], body)

    def test_entra_refusals_stay_on_entras_page_and_show_as_not_finished(self):
        st = self.stack
        cases = [("admin_required", "AADSTS90094", "Need admin approval"),
                 ("admin_approval_required", "AADSTS90095", "Approval required"),
                 ("not_assigned", "AADSTS50105", "assigned")]
        for i, (consent, aadsts, words) in enumerate(cases):
            world = World(st, provider="microsoft", domain=f"ms{i}.example")
            page = start_blocked(self, world, "microsoft", consent)
            self.assertIn(aadsts, page)
            self.assertIn(words, page)
            a = self.not_finished(world)["authorization"]
            self.assertEqual(a["provider"], "microsoft")
            self.assertEqual([c["code"] for c in a["likely_causes"]], ["admin_consent_required", "not_assigned"])
        # A user with a live mailbox who tries again and is refused sees both: still live, not finished.
        world = self.__class__.live(st)
        start_blocked(self, world, "microsoft", "admin_required")
        body = self.not_finished(world)
        self.assertEqual(body["status"], "live", body)

    @staticmethod
    def live(st):
        world = World(st, provider="microsoft", domain="live.example")
        st.add_account(world.recruiter, provider="microsoft")
        _, location = world.authorize()
        assert "result=connected" in location, location
        world.wait_live()
        return world


if __name__ == "__main__":
    unittest.main()
