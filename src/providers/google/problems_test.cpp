// Every problem code a connector may set is in model/problems.cpp with words for the recruiter.
#include "model/problems.hpp"

#include <gtest/gtest.h>

namespace hiresync::model {
namespace {

TEST(Problems, EveryCodeHasMessageAndRemedy) {
  const char* codes[] = {"admin_policy_enforced",
                         "org_internal",
                         "access_denied",
                         "authorization_failed",
                         "no_mailbox",
                         "insufficient_scope",
                         "wrong_provider",
                         "sync_not_enabled",
                         "provider_unreachable",
                         "access_revoked",
                         "provider_misconfigured",
                         "mailbox_in_use",
                         "provider_error"};
  for (const char* code : codes) {
    const Problem* problem = find_problem(code);
    ASSERT_NE(problem, nullptr) << code;
    EXPECT_EQ(problem->code, code);
    EXPECT_FALSE(problem->message.empty()) << code;
    EXPECT_FALSE(problem->remedy.empty()) << code;
  }
}

TEST(Problems, UnknownCodeIsNull) {
  EXPECT_EQ(find_problem("no_such_problem"), nullptr);
  EXPECT_EQ(find_problem(""), nullptr);
}

}  // namespace
}  // namespace hiresync::model
