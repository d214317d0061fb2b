// Hand-computed scores: the reweighting, raw LP from a result history, the full probability
// vector of a 4-task pool, the fair start of cold tasks, tasks out of play, uniform mixing,
// temperature mode, the basic scorer.
#include <gtest/gtest.h>

#include <cmath>

#include "curriculum/curriculum.h"
#include "tests/curriculum/test_util.h"

namespace lpt::curriculum {
namespace {

using testing::Make;
using testing::ProbabilityOf;
using testing::QuietConfig;

TEST(Reweight, MatchesHandComputedValues) {
  EXPECT_DOUBLE_EQ(Reweight(0.0, 0.05), 0.0);
  EXPECT_DOUBLE_EQ(Reweight(1.0, 0.05), 1.0);
  EXPECT_NEAR(Reweight(0.5, 0.05), 0.95, 1e-15);         // 0.5*0.95 / 0.5
  EXPECT_NEAR(Reweight(0.2, 0.1), 0.18 / 0.26, 1e-15);   // 0.2*0.9 / (0.2 + 0.1*0.6)
  EXPECT_NEAR(Reweight(0.75, 0.1), 0.675 / 0.7, 1e-15);  // 0.75*0.9 / (0.75 - 0.05)
  EXPECT_DOUBLE_EQ(Reweight(0.3, 0.5), 0.3);             // theta 1/2: identity
  EXPECT_DOUBLE_EQ(Reweight(0.3, 0.0), 0.3);             // theta 0: no reweighting
  EXPECT_DOUBLE_EQ(Reweight(0.0, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(Reweight(1.0, 0.0), 1.0);
}

// alpha 0.5, slow alpha 0.1, theta 0.1, lp_gain 0.1, min_samples 2.
CurriculumConfig HandConfig(int pool) {
  CurriculumConfig c = QuietConfig(pool);
  c.ema_timescale = 0.5;
  c.slow_timescale_factor = 0.2;
  c.progress_smoothing = 0.1;
  c.lp_gain = 0.1;
  c.min_samples_for_lp = 2;
  c.exploration_bonus = 0.1;
  c.unsolved_weight = 0;
  c.z_score_amplification = 1;
  return c;
}

// Results 0, 1, 1: fast 0 -> 0.5 -> 0.75, slow 0 -> 0.1 -> 0.19.
// raw = |R(0.75) - R(0.19)| + 0.1 * R(0.75), R(0.75) = 0.675/0.7, R(0.19) = 0.171/0.252.
constexpr double kR075 = 0.675 / 0.7;
constexpr double kR019 = 0.171 / 0.252;
constexpr double kRawRising = (kR075 - kR019) + 0.1 * kR075;

TEST(LearningProgress, RawScoreOfAResultHistoryMatchesTheHandComputation) {
  auto c = Make(HandConfig(4));
  const uint64_t id = c->ActiveTaskIds()[0];
  for (double s : {0.0, 1.0, 1.0}) c->Update(id, s);
  c->Recompute();
  const TaskView t = *c->Task(id);
  EXPECT_EQ(t.count, 3);
  EXPECT_NEAR(t.fast, 0.75, 1e-15);
  EXPECT_NEAR(t.slow, 0.19, 1e-15);
  EXPECT_NEAR(t.p_true, 0.75, 1e-15);
  EXPECT_NEAR(t.raw_score, kRawRising, 1e-12);
}

TEST(LearningProgress, ScoresAreClippedAndNormalisedByMaxScore) {
  auto c = Make(HandConfig(4));
  const uint64_t id = c->ActiveTaskIds()[0];
  c->Update(id, 7.0, 10.0);  // 0.7
  c->Update(id, 3.0);        // clipped to 1
  c->Update(id, -2.0);       // clipped to 0
  const TaskView t = *c->Task(id);
  EXPECT_NEAR(t.total, 1.7, 1e-12);
  EXPECT_EQ(t.last, 0.0);
}

double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Four tasks: cold, rising (kRawRising), flat at 1 (lp_gain * R(1) = 0.1), flat at 0 (lp 0 and
// never a success: out of play). The cold task starts fair: the mean raw score of the mature
// tasks in play. Expected probabilities computed here independently: z-scores over the tasks
// in play, sigmoid, normalise, out-of-play tasks 0, then the uniform mix.
struct FourTasks {
  std::unique_ptr<Curriculum> c;
  std::vector<uint64_t> ids;
  std::vector<double> raw = {(kRawRising + 0.1) / 2, kRawRising, 0.1, 0.0};
  std::vector<double> in_play = {1, 1, 1, 0};
};

FourTasks MakeFourTasks(CurriculumConfig cfg) {
  FourTasks f;
  f.c = Make(cfg);
  f.ids = f.c->ActiveTaskIds();
  for (double s : {0.0, 1.0, 1.0}) f.c->Update(f.ids[1], s);
  for (double s : {1.0, 1.0}) f.c->Update(f.ids[2], s);
  for (double s : {0.0, 0.0}) f.c->Update(f.ids[3], s);
  f.c->Recompute();
  return f;
}

TEST(LearningProgress, ProbabilityVectorOfAFourTaskPoolMatchesTheHandComputation) {
  CurriculumConfig cfg = HandConfig(4);
  cfg.z_score_amplification = 2.0;
  cfg.rand_task_rate = 0.1;
  FourTasks f = MakeFourTasks(cfg);
  double mean = 0;
  for (int i = 0; i < 3; ++i) mean += f.raw[i] / 3;
  double var = 0;
  for (int i = 0; i < 3; ++i) var += (f.raw[i] - mean) * (f.raw[i] - mean) / 3;
  const double sd = std::sqrt(var);
  std::vector<double> s(4, 0.0);
  double total = 0;
  for (int i = 0; i < 3; ++i) {
    s[i] = Sigmoid(2.0 * (f.raw[i] - mean) / sd);
    total += s[i];
  }
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    const double expected = 0.9 * s[i] / total + 0.1 / 4;
    EXPECT_NEAR(ProbabilityOf(*f.c, f.ids[i]), expected, 1e-9) << "task " << i;
    EXPECT_NEAR(f.c->Task(f.ids[i])->raw_score, f.raw[i], 1e-12) << "task " << i;
    sum += ProbabilityOf(*f.c, f.ids[i]);
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  EXPECT_GT(ProbabilityOf(*f.c, f.ids[1]), ProbabilityOf(*f.c, f.ids[0]));
  EXPECT_NEAR(ProbabilityOf(*f.c, f.ids[3]), 0.1 / 4, 1e-12);  // the uniform mix only
  const CurriculumStats stats = f.c->Stats();
  EXPECT_EQ(stats.mature_tasks, 3);
  EXPECT_EQ(stats.excluded_tasks, 1);
}

TEST(LearningProgress, UnsolvedTasksTakePartWithTheirWeight) {
  // unsolved_weight 0.5: the task flat at 0 counts half in the z-score statistics and in the
  // distribution.
  CurriculumConfig cfg = HandConfig(4);
  cfg.unsolved_weight = 0.5;
  FourTasks f = MakeFourTasks(cfg);
  const std::vector<double> w = {1, 1, 1, 0.5};
  double wsum = 0, mean = 0;
  for (int i = 0; i < 4; ++i) {
    wsum += w[i];
    mean += w[i] * f.raw[i];
  }
  mean /= wsum;
  double var = 0;
  for (int i = 0; i < 4; ++i) var += w[i] * (f.raw[i] - mean) * (f.raw[i] - mean) / wsum;
  const double sd = std::sqrt(var);
  std::vector<double> s(4);
  double total = 0;
  for (int i = 0; i < 4; ++i) total += s[i] = w[i] * Sigmoid((f.raw[i] - mean) / sd);
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(ProbabilityOf(*f.c, f.ids[i]), s[i] / total, 1e-9) << "task " << i;
}

TEST(LearningProgress, TemperatureModeDividesRawScoresByTheTemperature) {
  CurriculumConfig cfg = HandConfig(4);
  cfg.lp_score_temperature = 0.25;
  FourTasks f = MakeFourTasks(cfg);
  double total = 0;
  for (int i = 0; i < 4; ++i) total += f.in_play[i] * Sigmoid(f.raw[i] / 0.25);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(ProbabilityOf(*f.c, f.ids[i]), f.in_play[i] * Sigmoid(f.raw[i] / 0.25) / total,
                1e-9);
  }
}

TEST(LearningProgress, ColdTasksStartFairAndTiesAreUniform) {
  auto c = Make(HandConfig(4));
  const uint64_t id = c->ActiveTaskIds()[0];
  c->Update(id, 1.0);  // one result < min_samples_for_lp: still cold, like the rest
  c->Recompute();
  for (uint64_t t : c->ActiveTaskIds()) {
    EXPECT_DOUBLE_EQ(c->Task(t)->raw_score, 0.0);  // no mature task yet: nothing to be fair to
    EXPECT_NEAR(ProbabilityOf(*c, t), 0.25, 1e-12);
  }
}

TEST(LearningProgress, ColdTasksAreNotFavouredOverProgressingOnes) {
  // One cold task among three progressing at different rates: it scores their mean, so it is
  // sampled like an average task, not like the best (no novelty bonus).
  auto c = Make(HandConfig(4));
  const std::vector<uint64_t> ids = c->ActiveTaskIds();
  for (double s : {0.0, 1.0}) c->Update(ids[1], s);
  for (double s : {0.0, 0.5}) c->Update(ids[2], s);
  for (double s : {0.0, 0.25}) c->Update(ids[3], s);
  c->Recompute();
  double mature_mean = 0;
  for (int i = 1; i < 4; ++i) mature_mean += c->Task(ids[i])->raw_score / 3;
  EXPECT_NEAR(c->Task(ids[0])->raw_score, mature_mean, 1e-12);
  EXPECT_LT(ProbabilityOf(*c, ids[0]), ProbabilityOf(*c, ids[1]));
  EXPECT_GT(ProbabilityOf(*c, ids[0]), ProbabilityOf(*c, ids[3]));
}

TEST(LearningProgress, NoTaskInPlayMeansUniform) {
  // Every task mature and never successful (an impossible task set): nothing to steer by.
  CurriculumConfig cfg = HandConfig(4);
  cfg.rand_task_rate = 0.2;
  auto c = Make(cfg);
  for (uint64_t id : c->ActiveTaskIds()) {
    for (int k = 0; k < 3; ++k) c->Update(id, 0.0);
  }
  c->Recompute();
  EXPECT_EQ(c->Stats().excluded_tasks, 4);
  for (uint64_t id : c->ActiveTaskIds()) EXPECT_NEAR(ProbabilityOf(*c, id), 0.25, 1e-12);
}

TEST(LearningProgress, ThetaZeroScoresTheEmasThemselves) {
  CurriculumConfig cfg = HandConfig(4);
  cfg.progress_smoothing = 0;
  auto c = Make(cfg);
  const uint64_t id = c->ActiveTaskIds()[0];
  for (double s : {0.0, 1.0, 1.0}) c->Update(id, s);  // fast 0.75, slow 0.19
  c->Recompute();
  EXPECT_NEAR(c->Task(id)->raw_score, (0.75 - 0.19) + 0.1 * 0.75, 1e-12);
}

TEST(LearningProgress, RandTaskRateOneIsUniformWhateverTheScores) {
  CurriculumConfig cfg = HandConfig(4);
  cfg.rand_task_rate = 1.0;
  FourTasks f = MakeFourTasks(cfg);
  for (uint64_t id : f.ids) EXPECT_NEAR(ProbabilityOf(*f.c, id), 0.25, 1e-12);
}

TEST(LearningProgress, BaselineNormalisationMeasuresProgressAboveTheFirstScore) {
  CurriculumConfig cfg = HandConfig(4);
  cfg.use_baseline_normalization = true;
  auto c = Make(cfg);
  const uint64_t id = c->ActiveTaskIds()[0];
  c->Update(id, 0.8);  // B = min(0.8, 0.75) = 0.75, p = 0.05 / 0.25 = 0.2
  c->Update(id, 0.9);  // p = 0.15 / 0.25 = 0.6
  const TaskView t = *c->Task(id);
  EXPECT_NEAR(t.baseline, 0.75, 1e-15);
  EXPECT_NEAR(t.fast, 0.2 + 0.5 * (0.6 - 0.2), 1e-12);
  EXPECT_NEAR(t.slow, 0.2 + 0.1 * (0.6 - 0.2), 1e-12);
  EXPECT_NEAR(t.p_true, 0.8 + 0.5 * (0.9 - 0.8), 1e-12);  // the raw score's EMA
}

TEST(BasicLearningProgress, ScoreIsTheStdDevPlusADecayingNoveltyBonus) {
  CurriculumConfig cfg = HandConfig(4);
  cfg.use_bidirectional = false;
  auto c = Make(cfg);
  const uint64_t id = c->ActiveTaskIds()[0];
  // mean: 0 -> 0.5 -> 0.75 (alpha 0.5); second moment likewise (s^2 = s for 0/1 scores).
  for (double s : {0.0, 1.0, 1.0}) c->Update(id, s);
  c->Recompute();
  const double mean = 0.75;
  const double m2 = 0.75;
  const double expected = std::sqrt(m2 - mean * mean) + 0.1 / std::sqrt(3.0);
  EXPECT_NEAR(c->Task(id)->raw_score, expected, 1e-12);
}

TEST(DiscreteRandom, IsUniformAndNeverEvicts) {
  CurriculumConfig cfg = HandConfig(8);
  cfg.use_lp = false;
  cfg.max_evictions_per_recompute = 8;
  cfg.min_presentations_for_eviction = 0;
  cfg.perf_invalidation_batch_size = 5;
  auto c = Make(cfg);
  const std::vector<uint64_t> before = c->ActiveTaskIds();
  for (int i = 0; i < 500; ++i) c->Update(before[i % 8], (i % 3) / 2.0);
  EXPECT_EQ(c->ActiveTaskIds(), before);
  EXPECT_EQ(c->Stats().evicted, 0);
  for (uint64_t id : before) EXPECT_NEAR(ProbabilityOf(*c, id), 1.0 / 8, 1e-15);
}

}  // namespace
}  // namespace lpt::curriculum
