#include "curriculum/fast_math.h"

#include <gtest/gtest.h>

#include <cmath>

namespace lpt::curriculum {
namespace {

TEST(FastExp, MatchesStdExpToAFewUlpAcrossTheRange) {
  double worst = 0;
  for (double x = -700; x <= 700; x += 0.0137) {
    const double expected = std::exp(x);
    worst = std::max(worst, std::abs(Exp(x) - expected) / expected);
  }
  EXPECT_LT(worst, 1e-15);
  EXPECT_EQ(Exp(0.0), 1.0);
  EXPECT_NEAR(Exp(1.0), M_E, 1e-15);
}

TEST(FastExp, SaturatesInsteadOfOverflowing) {
  EXPECT_TRUE(std::isfinite(Exp(1e6)));
  EXPECT_GT(Exp(1e6), 1e300);
  EXPECT_GE(Exp(-1e6), 0.0);
  EXPECT_LT(Exp(-1e6), 1e-300);
}

}  // namespace
}  // namespace lpt::curriculum
