// Bounded memory: a million results with evictions and label churn leave the pool, the id
// map and the label table within their bounds, and the bytes held stop growing.
#include <gtest/gtest.h>

#include "common/rng.h"
#include "curriculum/curriculum.h"
#include "tests/curriculum/test_util.h"

namespace lpt::curriculum {
namespace {

TEST(CurriculumMemory, MillionResultsWithEvictionsStayWithinBounds) {
  CurriculumConfig cfg;
  cfg.num_active_tasks = 100;
  cfg.perf_invalidation_batch_size = 10;
  cfg.min_presentations_for_eviction = 2;
  cfg.max_evictions_per_recompute = 3;
  cfg.max_inactive_labels_retained = 50;
  cfg.min_samples_for_lp = 2;
  cfg.ema_timescale = 0.2;
  // 5000 possible labels: far more than the pool holds at once, so labels keep coming and going.
  auto c = Curriculum::Create(cfg, testing::ListGenerator(5000)).value();
  CounterRng rng(3);
  CurriculumStats at_100k;
  for (int64_t i = 1; i <= 1000000; ++i) {
    const TaskDraw d = c->Sample();
    c->Update(d.task_id, rng.Uniform() < 0.3 ? 1.0 : 0.0);
    if (i == 100000) at_100k = c->Stats();
  }
  const CurriculumStats s = c->Stats();
  EXPECT_GT(s.evicted, 10000);
  EXPECT_EQ(s.pool_size, 100u);
  EXPECT_LE(s.num_labels, 100u + 50u);
  EXPECT_LE(s.num_inactive_labels, 50u);
  EXPECT_EQ(s.bytes_pool, at_100k.bytes_pool);
  EXPECT_EQ(s.bytes_maps, at_100k.bytes_maps);
  // Label bytes vary a little with which names are live; they must not trend upwards.
  EXPECT_LE(s.bytes_labels, at_100k.bytes_labels * 5 / 4);
  EXPECT_LE(c->labels().id_capacity(), 100u + 50u + 1u);
}

}  // namespace
}  // namespace lpt::curriculum
