#include "trainer/run/metrics.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "common/files.h"
#include "trainer/run/episode_tally.h"
#include "trainer/run/reduction.h"

namespace lpt::run {
namespace {

std::string TempDir() {
  char dir[] = "/tmp/lptrain_metrics_XXXXXX";
  EXPECT_NE(mkdtemp(dir), nullptr);
  return dir;
}

TEST(MetricsRow, JsonKeepsOrderAndWritesNonFiniteAsNull) {
  MetricsRow row;
  row.Add("charts/iteration", 3);
  row.Add("charts/episode_return", std::nan(""));
  row.Add("losses/approx_kl", 0.0123456789123);
  EXPECT_EQ(
      row.ToJson(),
      R"({"charts/iteration":3,"charts/episode_return":null,"losses/approx_kl":0.0123456789})");
  EXPECT_EQ(row.Get("charts/iteration"), 3);
  EXPECT_EQ(row.Get("missing", -1), -1);
}

TEST(TruncateMetrics, RowsAfterTheIterationAndCutShortLinesMoveAside) {
  const std::string dir = TempDir();
  const std::string path = dir + "/metrics.jsonl", discarded = dir + "/metrics.discarded.jsonl";
  ASSERT_TRUE(
      WriteFileAtomically(path,
                          "{\"charts/iteration\":1,\"x\":1}\n{\"charts/iteration\":2,\"x\":2}\n"
                          "{\"charts/iteration\":3,\"x\":3}\n{\"charts/iteration\":4,\"x\"")
          .ok());
  const StatusOr<int64_t> moved = TruncateMetrics(path, 2, discarded);
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ(*moved, 2);
  EXPECT_EQ(ReadFileText(path).value(),
            "{\"charts/iteration\":1,\"x\":1}\n{\"charts/iteration\":2,\"x\":2}\n");
  EXPECT_EQ(ReadFileText(discarded).value(),
            "{\"charts/iteration\":3,\"x\":3}\n{\"charts/iteration\":4,\"x\"\n");
  EXPECT_EQ(TruncateMetrics(dir + "/none.jsonl", 2, discarded).value(),
            0);  // a missing file is fine
  ASSERT_TRUE(RemoveTree(dir).ok());
}

TEST(RankReduction, AWorldOfOneKeepsEveryFigureByName) {
  distributed::Control solo(distributed::WorldInfo{});
  RankReduction r;
  r.Sum("episodes", 4);
  r.Max("timing/iteration", 1.5);
  r.Sum("returns", 2.5);
  ASSERT_TRUE(r.Reduce(&solo).ok());
  EXPECT_EQ(r.Get("episodes"), 4);
  EXPECT_EQ(r.Get("returns"), 2.5);
  EXPECT_EQ(r.Get("timing/iteration"), 1.5);
}

TEST(EpisodeTally, PerAgentFiguresAreNanWithoutEpisodesAndMeansWithThem) {
  distributed::Control solo(distributed::WorldInfo{});
  EpisodeTally tally;
  RankReduction empty;
  tally.AddTo(&empty);
  ASSERT_TRUE(empty.Reduce(&solo).ok());
  MetricsRow none;
  EpisodeTally::Report(empty, &none);
  EXPECT_EQ(none.Get("charts/episodes"), 0);
  EXPECT_TRUE(std::isnan(none.Get("charts/episode_return")));
  EXPECT_TRUE(std::isnan(none.Get("env/hearts_made")));

  envsim::EpisodeStats ep;
  ep.length = 10;
  ep.returns = {1.0f, 3.0f};
  ep.collected.assign(2 * envsim::kNumItems, 0);
  ep.robbed.assign(2 * envsim::kNumItems, 0);
  ep.deposited.assign(2 * envsim::kNumItems, 0);
  ep.attack_spent.assign(2 * envsim::kNumItems, 0);
  ep.stolen.assign(2 * envsim::kNumItems, 0);
  ep.collected[static_cast<int>(envsim::Item::kOreRed)] = 4;  // agent 0 gained 4 ore
  ep.action_count.assign(2 * envsim::kNumActions, 1);
  ep.action_failed.assign(2 * envsim::kNumActions, 0);
  ep.times_frozen = {0, 2};
  tally.Add(ep);
  RankReduction r;
  tally.AddTo(&r);
  ASSERT_TRUE(r.Reduce(&solo).ok());
  MetricsRow row;
  EpisodeTally::Report(r, &row);
  EXPECT_EQ(row.Get("charts/episodes"), 1);
  EXPECT_EQ(row.Get("charts/episode_return"), 2.0);
  EXPECT_EQ(row.Get("charts/episode_length"), 10);
  EXPECT_EQ(row.Get("env/ore_red.gained"), 2.0);
  EXPECT_EQ(row.Get("env/times_frozen"), 1.0);
  EXPECT_EQ(row.Get("env/action_fail_rate"), 0.0);
}

}  // namespace
}  // namespace lpt::run
