// Synthetic learners: tasks whose success changes with practice should draw more samples under
// LP than tasks stuck at 0 or at 1. The comparison is against uniform sampling of the same pool
// (same seed, so the same task ids and kinds), which removes the luck of the pool's make-up.
#include <gtest/gtest.h>

#include <cmath>
#include <unordered_map>

#include "common/rng.h"
#include "curriculum/curriculum.h"

namespace lpt::curriculum {
namespace {

// kind 0: always fails; kind 1: always succeeds; kind 2: success probability rises from 0 to 1
// over its first 100 practices.
std::shared_ptr<const TaskGenerator> KindGenerator() {
  GeneratorSpec spec;
  spec.name = "learner";
  Bucket kind;
  kind.key = "kind";
  kind.values = {0, 1, 2};
  spec.buckets.push_back(kind);
  return std::shared_ptr<const TaskGenerator>(TaskGenerator::Create({spec}).value());
}

struct Shares {
  double changing = 0;
  double flat0 = 0;
  double flat1 = 0;
};

Shares RunLearners(uint64_t seed, bool use_lp) {
  CurriculumConfig cfg;
  cfg.use_lp = use_lp;
  cfg.num_active_tasks = 30;
  cfg.perf_invalidation_batch_size = 10;
  cfg.ema_timescale = 0.1;
  cfg.min_samples_for_lp = 3;
  cfg.rand_task_rate = 0.05;
  // Pure learning progress: the performance term (lp_gain) would also favour solved tasks.
  cfg.lp_gain = 0;
  // Sampling alone is under test: without eviction both runs keep the same pool.
  cfg.max_evictions_per_recompute = 0;
  cfg.seed = seed;
  auto gen = KindGenerator();
  auto c = Curriculum::Create(cfg, gen).value();
  std::unordered_map<uint64_t, int> practice;
  CounterRng rng(seed, 7);
  std::vector<double> params(gen->num_keys());
  std::string label;
  Shares shares;
  constexpr int kEpisodes = 20000;
  for (int t = 0; t < kEpisodes; ++t) {
    const TaskDraw d = c->Sample();
    gen->Generate(d.task_id, params.data(), &label);
    const int kind = static_cast<int>(params[0]);
    const int n = practice[d.task_id]++;
    double p = kind == 1 ? 1.0 : kind == 0 ? 0.0 : std::min(1.0, n / 100.0);
    c->Update(d.task_id, rng.Uniform() < p ? 1.0 : 0.0);
    (kind == 2 ? shares.changing : kind == 0 ? shares.flat0 : shares.flat1) += 1.0 / kEpisodes;
  }
  return shares;
}

TEST(LearningProgress, ConcentratesOnTasksWhoseSuccessIsChanging) {
  for (uint64_t seed : {1, 2, 3, 4}) {
    const Shares lp = RunLearners(seed, true);
    const Shares uniform = RunLearners(seed, false);
    // Seen: 1.45x to 1.8x over these seeds.
    EXPECT_GT(lp.changing, 1.3 * uniform.changing) << "seed " << seed;
    EXPECT_LT(lp.flat0, uniform.flat0) << "seed " << seed;
    EXPECT_LT(lp.flat1, uniform.flat1) << "seed " << seed;
  }
}

}  // namespace
}  // namespace lpt::curriculum
