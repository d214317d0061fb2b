#include "trainer/cli/progress.h"

#include <gtest/gtest.h>

#include <cmath>

namespace lpt::cli {
namespace {

TEST(ProgressLine, ShowsWhereTheRunIsAndDashesForIterationsWithoutEpisodes) {
  run::MetricsRow row;
  row.Add("charts/sps", 1000);
  row.Add("charts/episode_return", std::nan(""));
  row.Add("env/hearts_made", 0.125);
  row.Add("curriculum/gini_sampling", 0.25);
  row.Add("curriculum/evicted", 3);
  const ProgressPoint at{2, 8, 2000, 8000};
  const std::string line = ProgressLine(at, row, /*with_bar=*/false);
  EXPECT_EQ(line,
            "iter 2/8  steps 2,000 (25%)  1,000 SPS  return -  ore - battery - hearts 0.125  LP: "
            "gini 0.25 evicted 3  "
            "eta 0m06s");
  EXPECT_EQ(ProgressLine(at, row, /*with_bar=*/true).rfind("[#####...............] iter 2/8", 0),
            0u);
}

}  // namespace
}  // namespace lpt::cli
