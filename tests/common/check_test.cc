#include "common/check.h"

#include <gtest/gtest.h>

namespace lpt {
namespace {

TEST(CheckDeathTest, FailedCheckReportsFileLineConditionAndMessage) {
  const int slot = 7;
  EXPECT_DEATH(LPT_CHECK(slot < 4) << "slot " << slot << " of 4",
               "check failed at .*check_test.cc:[0-9]+: slot < 4 slot 7 of 4");
}

TEST(CheckDeathTest, ProcessContextIsPartOfTheMessage) {
  SetProcessContext("rank 3 on node17");
  EXPECT_DEATH(LPT_CHECK(false), "\\(rank 3 on node17\\)");
  SetProcessContext("");
}

void ExitWithCode42(const std::string&) { std::exit(42); }

TEST(CheckDeathTest, FatalHandlerIsCalledInsteadOfAbort) {
  EXPECT_EXIT(
      {
        SetFatalHandler(&ExitWithCode42);
        LPT_CHECK(1 == 2);
      },
      ::testing::ExitedWithCode(42), "");
}

TEST(Check, PassingCheckDoesNotEvaluateTheMessage) {
  int evaluated = 0;
  auto count = [&] { return ++evaluated; };
  LPT_CHECK(true) << count();
  EXPECT_EQ(evaluated, 0);
}

}  // namespace
}  // namespace lpt
