// Eviction: the lowest evictable task goes, min presentations and the percentile are
// respected, the cap per recompute holds, and a pool of tied scores never churns.
#include <gtest/gtest.h>

#include <algorithm>

#include "curriculum/curriculum.h"
#include "tests/curriculum/test_util.h"

namespace lpt::curriculum {
namespace {

using testing::Make;
using testing::QuietConfig;

// alpha 0.5, no performance term: a task fed 0,1,... gets a positive raw score that grows with
// how many 0->1 steps it saw; a task fed only 0s scores 0.
CurriculumConfig EvictConfig(int pool) {
  CurriculumConfig c = QuietConfig(pool);
  c.ema_timescale = 0.5;
  c.lp_gain = 0;
  c.min_samples_for_lp = 1;
  c.min_presentations_for_eviction = 2;
  c.eviction_threshold_percentile = 0.5;
  c.max_evictions_per_recompute = 1;
  return c;
}

bool InPool(const Curriculum& c, uint64_t id) { return c.Task(id).has_value(); }

TEST(Eviction, EvictsTheLowestEvictableTaskAndReplacesIt) {
  auto c = Make(EvictConfig(6));
  const auto ids = c->ActiveTaskIds();
  // Task 0: 0,0,0 (score 0). Others: 0,1 (score > 0).
  for (int k = 0; k < 3; ++k) c->Update(ids[0], 0.0);
  for (size_t i = 1; i < ids.size(); ++i) {
    c->Update(ids[i], 0.0);
    c->Update(ids[i], 1.0);
  }
  c->Recompute();
  EXPECT_FALSE(InPool(*c, ids[0]));
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_TRUE(InPool(*c, ids[i]));
  const CurriculumStats s = c->Stats();
  EXPECT_EQ(s.evicted, 1);
  EXPECT_EQ(s.created, 7);
  EXPECT_EQ(s.pool_size, 6u);
  EXPECT_EQ(c->ActiveTaskIds().size(), 6u);
  // The replacement is a fresh task.
  for (uint64_t id : c->ActiveTaskIds()) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      EXPECT_EQ(c->Task(id)->count, 0);
    }
  }
}

TEST(Eviction, TasksWithTooFewResultsAreKept) {
  auto c = Make(EvictConfig(6));
  const auto ids = c->ActiveTaskIds();
  c->Update(ids[0], 0.0);                              // lowest score, but only 1 result < 2
  for (int k = 0; k < 2; ++k) c->Update(ids[1], 0.0);  // next lowest, evictable
  for (size_t i = 2; i < ids.size(); ++i) {
    c->Update(ids[i], 0.0);
    c->Update(ids[i], 1.0);
  }
  c->Recompute();
  EXPECT_TRUE(InPool(*c, ids[0]));
  EXPECT_FALSE(InPool(*c, ids[1]));
}

TEST(Eviction, OnlyTasksStrictlyBelowTheScoreAtThePercentileMayGo) {
  CurriculumConfig cfg = EvictConfig(6);
  cfg.max_evictions_per_recompute = 6;
  cfg.eviction_threshold_percentile = 0.34;  // the bottom 2 of 6
  CurriculumConfig observe = cfg;
  observe.max_evictions_per_recompute = 0;
  auto c = Make(cfg);
  auto twin = Make(observe);  // same seed: same tasks; never evicts, so we can read its scores
  const auto ids = c->ActiveTaskIds();
  ASSERT_EQ(ids, twin->ActiveTaskIds());
  // Different histories give six different scores.
  for (size_t i = 0; i < ids.size(); ++i) {
    for (Curriculum* cur : {c.get(), twin.get()}) {
      cur->Update(ids[i], 0.0);
      cur->Update(ids[i], 0.0);
      for (size_t k = 0; k < i; ++k) cur->Update(ids[i], k % 2 == 0 ? 1.0 : 0.0);
    }
  }
  twin->Recompute();
  c->Recompute();
  std::vector<double> scores;
  for (uint64_t id : ids) scores.push_back(twin->Task(id)->raw_score);
  std::vector<double> sorted = scores;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_LT(sorted[1], sorted[2]) << "the test needs distinct scores at the threshold";
  const double threshold = sorted[2];  // floor(0.34 * 6) = 2: the third lowest
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(InPool(*c, ids[i]), scores[i] >= threshold) << "task " << i << " score " << scores[i];
  }
  EXPECT_EQ(c->Stats().evicted, 2);
}

TEST(Eviction, NoMoreThanTheCapPerRecompute) {
  CurriculumConfig cfg = EvictConfig(10);
  cfg.eviction_threshold_percentile = 0.9;
  cfg.max_evictions_per_recompute = 3;
  auto c = Make(cfg);
  const auto ids = c->ActiveTaskIds();
  for (size_t i = 0; i < ids.size(); ++i) {
    for (int k = 0; k < 2; ++k) c->Update(ids[i], 0.0);
    if (i == 9) c->Update(ids[i], 1.0);  // one task scores above the rest
  }
  c->Recompute();
  EXPECT_EQ(c->Stats().evicted, 3);
  c->Recompute();  // the replacements are cold (bonus), the old zeros still evictable
  EXPECT_EQ(c->Stats().evicted, 6);
}

TEST(Eviction, TiesAtTheBottomStillTurnOverWhenOthersScoreHigher) {
  // Most tasks never succeed (score 0, tied); the rest show progress. The tied zeros fill the
  // bottom percentile and must still be evictable.
  CurriculumConfig cfg = EvictConfig(10);
  cfg.max_evictions_per_recompute = 2;
  auto c = Make(cfg);
  const auto ids = c->ActiveTaskIds();
  for (size_t i = 0; i < ids.size(); ++i) {
    c->Update(ids[i], 0.0);
    c->Update(ids[i], i < 7 ? 0.0 : 1.0);
  }
  c->Recompute();
  EXPECT_EQ(c->Stats().evicted, 2);
  for (size_t i = 7; i < ids.size(); ++i) EXPECT_TRUE(InPool(*c, ids[i])) << "task " << i;
}

TEST(Eviction, AllTiedScoresDoNotChurnThePool) {
  CurriculumConfig cfg = EvictConfig(20);
  cfg.max_evictions_per_recompute = 20;
  cfg.perf_invalidation_batch_size = 10;
  auto c = Make(cfg);
  const auto ids = c->ActiveTaskIds();
  for (int round = 0; round < 50; ++round) {
    for (uint64_t id : ids) c->Update(id, 0.5);
  }
  EXPECT_EQ(c->Stats().evicted, 0);
  EXPECT_EQ(c->ActiveTaskIds(), ids);
}

}  // namespace
}  // namespace lpt::curriculum
