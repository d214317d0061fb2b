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

// Episode-weighted hearts per quarter of the planned steps; the summary needs the first and the
// last quarter.
TEST(HeartsByQuarter, WeighsIterationsByTheirEpisodesPerQuarter) {
  HeartsByQuarter q;
  const auto add = [&](int64_t steps, double hearts, double episodes) {
    run::MetricsRow row;
    row.Add("env/hearts_made", hearts);
    row.Add("charts/episodes", episodes);
    q.Add(ProgressPoint{1, 8, steps, 8000}, row);
  };
  add(1000, 0.5, 1);
  add(2000, 0.0, 3);     // still the first quarter: (0.5 + 0) / 4 episodes
  run::MetricsRow none;  // no episode ended: nothing counted
  none.Add("env/hearts_made", std::nan(""));
  q.Add(ProgressPoint{1, 8, 3000, 8000}, none);
  EXPECT_EQ(q.Line(), "hearts by quarter 0.12 - - -");
  EXPECT_EQ(q.Summary(), "");
  add(5000, 1.0, 2);
  add(8000, 2.0, 1);
  add(7000, 1.0, 1);
  EXPECT_EQ(q.Line(), "hearts by quarter 0.12 - 1.00 1.50");
  EXPECT_EQ(q.Summary(), "hearts per agent-episode: first quarter 0.125, last quarter 1.500");
}

}  // namespace
}  // namespace lpt::cli
