// Sampling: the alias table and DiscreteRandom draw with the probabilities they claim
// (fixed-seed chi-square tests), and the snapshot is versioned per batch.
#include <gtest/gtest.h>

#include <map>

#include "common/rng.h"
#include "curriculum/curriculum.h"
#include "curriculum/snapshot.h"
#include "tests/curriculum/test_util.h"

namespace lpt::curriculum {
namespace {

using testing::Make;
using testing::QuietConfig;

// Chi-square statistic of observed counts against expected probabilities.
double ChiSquare(const std::vector<int64_t>& counts, const std::vector<double>& p, int64_t draws) {
  double chi2 = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double e = p[i] * static_cast<double>(draws);
    chi2 += (static_cast<double>(counts[i]) - e) * (static_cast<double>(counts[i]) - e) / e;
  }
  return chi2;
}

TEST(AliasTable, SamplesMatchTheirProbabilities) {
  const std::vector<double> p = {0.5, 0.05, 0.2, 0.0125, 0.0375, 0.1, 0.1};
  Snapshot s;
  s.probabilities = p;
  std::vector<uint32_t> scratch;
  BuildAliasTable(p, &s.alias_prob, &s.alias_index, &scratch);
  CounterRng rng(31);
  constexpr int64_t kDraws = 400000;
  std::vector<int64_t> counts(p.size(), 0);
  for (int64_t i = 0; i < kDraws; ++i) ++counts[s.SampleIndex(&rng)];
  // 6 degrees of freedom: P(chi2 > 22.46) = 0.001.
  EXPECT_LT(ChiSquare(counts, p, kDraws), 22.46);
}

TEST(AliasTable, ZeroProbabilityEntriesAreNeverDrawn) {
  const std::vector<double> p = {0.0, 0.7, 0.0, 0.3};
  Snapshot s;
  s.probabilities = p;
  std::vector<uint32_t> scratch;
  BuildAliasTable(p, &s.alias_prob, &s.alias_index, &scratch);
  CounterRng rng(5);
  for (int i = 0; i < 100000; ++i) {
    const uint32_t k = s.SampleIndex(&rng);
    ASSERT_TRUE(k == 1 || k == 3) << k;
  }
}

TEST(CurriculumSample, DrawsFromTheSnapshotDistribution) {
  CurriculumConfig cfg = QuietConfig(6);
  cfg.ema_timescale = 0.5;
  cfg.min_samples_for_lp = 1;
  cfg.z_score_amplification = 3;
  cfg.rand_task_rate =
      0.05;  // the task that never succeeds is out of play: the mix keeps it drawable
  auto c = Make(cfg);
  const auto ids = c->ActiveTaskIds();
  for (int i = 0; i < 6; ++i) {
    for (int k = 0; k < 4; ++k) c->Update(ids[i], (k * i) % 3 == 0 ? 0.0 : 1.0);
  }
  c->Recompute();
  const Snapshot& s = *c->snapshot();
  constexpr int64_t kDraws = 300000;
  std::vector<int64_t> counts(s.size(), 0);
  for (int64_t i = 0; i < kDraws; ++i) {
    const TaskDraw d = c->Sample();
    ASSERT_EQ((*s.task_ids)[d.index], d.task_id);
    ++counts[d.index];
  }
  // 5 degrees of freedom: P(chi2 > 20.52) = 0.001.
  EXPECT_LT(ChiSquare(counts, s.probabilities, kDraws), 20.52);
  EXPECT_GT(*std::max_element(s.probabilities.begin(), s.probabilities.end()),
            1.5 * *std::min_element(s.probabilities.begin(), s.probabilities.end()));
}

TEST(DiscreteRandom, SamplesEveryTaskUniformly) {
  CurriculumConfig cfg = QuietConfig(10);
  cfg.use_lp = false;
  auto c = Make(cfg);
  constexpr int64_t kDraws = 200000;
  std::map<uint64_t, int64_t> by_id;
  for (int64_t i = 0; i < kDraws; ++i) ++by_id[c->Sample().task_id];
  ASSERT_EQ(by_id.size(), 10u);
  std::vector<int64_t> counts;
  for (const auto& [id, n] : by_id) counts.push_back(n);
  // 9 degrees of freedom: P(chi2 > 27.88) = 0.001.
  EXPECT_LT(ChiSquare(counts, std::vector<double>(10, 0.1), kDraws), 27.88);
}

TEST(CurriculumBatch, SnapshotVersionAdvancesExactlyEveryBatchOfResults) {
  CurriculumConfig cfg = QuietConfig(20);
  cfg.perf_invalidation_batch_size = 7;
  auto c = Make(cfg);
  const uint64_t v0 = c->snapshot()->version;
  const auto ids = c->ActiveTaskIds();
  for (int i = 1; i <= 70; ++i) {
    c->Update(ids[i % 20], 0.5);
    EXPECT_EQ(c->snapshot()->version, v0 + static_cast<uint64_t>(i / 7)) << "after " << i;
  }
  c->Update(0xdeadbeef, 1.0);  // not in the pool: dropped, does not count toward a batch
  EXPECT_EQ(c->snapshot()->version, v0 + 10);
  const CurriculumStats s = c->Stats();
  EXPECT_EQ(s.updates, 70);
  EXPECT_EQ(s.completed, 70);
  EXPECT_EQ(s.stale_results, 1);
  EXPECT_EQ(s.invalidations, 11);  // 10 batches + the one at creation
  EXPECT_EQ(s.snapshot_version, v0 + 10);
  EXPECT_NEAR(s.reduction_ratio, 70.0 / 11, 1e-12);
  EXPECT_EQ(s.cache_hits + s.cache_misses, s.invalidations);
  c->Recompute();  // on demand
  EXPECT_EQ(c->snapshot()->version, v0 + 11);
}

TEST(CurriculumBatch, TaskListCacheHitsWhenOnAndScansEverySlotWhenOff) {
  CurriculumConfig on = QuietConfig(20);
  on.perf_invalidation_batch_size = 1;
  CurriculumConfig off = on;
  off.perf_cache_task_list = false;
  auto a = Make(on);
  auto b = Make(off);
  for (int i = 0; i < 50; ++i) {
    a->Update(a->ActiveTaskIds()[i % 20], 1.0);
    b->Update(b->ActiveTaskIds()[i % 20], 1.0);
  }
  EXPECT_EQ(a->Stats().cache_hits, 50);
  EXPECT_EQ(a->Stats().cache_misses, 1);  // the first build
  EXPECT_EQ(b->Stats().cache_hits, 0);
  EXPECT_EQ(b->Stats().cache_misses, 51);
  // Same seed, same pool: both orders of the task list give the same distribution.
  EXPECT_EQ(a->snapshot()->probabilities, b->snapshot()->probabilities);
}

TEST(CurriculumBatch, PerfLogLinesUseTheOriginalFormat) {
  CurriculumConfig cfg = QuietConfig(10);
  cfg.perf_invalidation_batch_size = 10;
  cfg.perf_log_metrics = true;
  cfg.perf_log_interval = 50;
  auto c = Make(cfg);
  std::vector<std::string> lines;
  c->set_log_sink([&](const std::string& l) { lines.push_back(l); });
  for (int i = 0; i < 100; ++i) c->Update(c->ActiveTaskIds()[i % 10], 0.5);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1],
            "[LP_PERF] Invalidations: 11, Total updates: 100, Batch size: 10, Reduction: 9.1x\n"
            "[LP_PERF] Task list cache: 10 hits, 1 misses, hit rate: 90.9%");
}

}  // namespace
}  // namespace lpt::curriculum

namespace lpt::curriculum {
namespace {

TEST(SnapshotWire, PackUnpackRoundTripSamplesIdentically) {
  CurriculumConfig cfg = testing::QuietConfig(50);
  cfg.ema_timescale = 0.5;
  cfg.min_samples_for_lp = 1;
  auto c = testing::Make(cfg);
  const auto ids = c->ActiveTaskIds();
  for (int i = 0; i < 50; ++i) c->Update(ids[i], (i % 3) / 2.0);
  for (int i = 0; i < 50; i += 2) c->Update(ids[i], 1.0);
  c->Recompute();
  const Snapshot& original = *c->snapshot();
  const std::vector<uint8_t> wire = PackSnapshot(original);
  EXPECT_EQ(wire.size(), 20u + 50u * 20u);
  auto copy = UnpackSnapshot(wire).value();
  EXPECT_EQ(copy->version, original.version);
  EXPECT_EQ(*copy->task_ids, *original.task_ids);
  EXPECT_EQ(*copy->label_ids, *original.label_ids);
  EXPECT_EQ(copy->probabilities, original.probabilities);
  CounterRng a(9), b(9);
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(original.SampleIndex(&a), copy->SampleIndex(&b));
  std::vector<uint8_t> cut(wire.begin(), wire.end() - 1);
  EXPECT_EQ(UnpackSnapshot(cut).status().code(), StatusCode::kCorruption);
  EXPECT_FALSE(UnpackSnapshot({1, 2, 3}).ok());
}

}  // namespace
}  // namespace lpt::curriculum
