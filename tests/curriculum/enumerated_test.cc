// The enumerated pool: for a finite task set every combination is a task, once, with id =
// combination index; the pool never evicts, and state round-trips.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "curriculum/curriculum.h"
#include "curriculum/task_generator.h"

namespace lpt::curriculum {
namespace {

std::shared_ptr<const TaskGenerator> TwoSpecs() {
  GeneratorSpec a;
  a.name = "easy";
  a.buckets = {Bucket{"x", {0, 1, 2}}, Bucket{"y", {10, 20}}};
  GeneratorSpec b;
  b.name = "hard";
  b.fixed = {{"y", 99}};
  b.buckets = {Bucket{"z", {5, 6}}};
  return TaskGenerator::Create({a, b}, 4, /*enumerate=*/true).value();
}

TEST(EnumeratedGenerator, EveryCombinationIsOneIdSpecBySpecFirstBucketFastest) {
  const auto gen = TwoSpecs();
  ASSERT_TRUE(gen->enumerated());
  ASSERT_EQ(gen->num_combinations(), 8u);  // 3 x 2 + 2
  std::vector<double> p(gen->num_keys());
  std::string label;
  std::set<std::string> labels;
  for (uint64_t id = 0; id < 8; ++id) {
    gen->Generate(id, p.data(), &label);
    labels.insert(label);
  }
  EXPECT_EQ(labels.size(), 8u);
  gen->Generate(0, p.data(), &label);
  EXPECT_EQ(label, "easy|x=0|y=10");
  gen->Generate(1, p.data(), &label);
  EXPECT_EQ(label, "easy|x=1|y=10");
  gen->Generate(3, p.data(), &label);
  EXPECT_EQ(label, "easy|x=0|y=20");
  gen->Generate(7, p.data(), &label);
  EXPECT_EQ(label, "hard|z=6");
  EXPECT_EQ(p[1], 99);            // y fixed
  EXPECT_TRUE(std::isnan(p[0]));  // x not set by this spec
  EXPECT_FALSE(
      TaskGenerator::Create({GeneratorSpec{"s", 1, {}, {Bucket{"x", {}, true, 0, 1}}}}, 4, true)
          .ok());
}

TEST(EnumeratedPool, HoldsEveryTaskOnceAndNeverEvicts) {
  CurriculumConfig cfg;
  cfg.num_active_tasks = 3;  // ignored: the pool is the task set
  cfg.max_evictions_per_recompute = 8;
  cfg.min_presentations_for_eviction = 0;
  cfg.eviction_threshold_percentile = 0.9;
  cfg.perf_invalidation_batch_size = 4;
  auto c = Curriculum::Create(cfg, TwoSpecs()).value();
  EXPECT_TRUE(c->enumerated());
  EXPECT_EQ(c->capacity(), 8);
  std::vector<uint64_t> ids = c->ActiveTaskIds();
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  for (int i = 0; i < 400; ++i)
    c->Update(static_cast<uint64_t>(i % 8), i % 8 < 3 ? 0.0 : (i % 5) / 4.0);
  EXPECT_EQ(c->Stats().evicted, 0);
  std::vector<uint64_t> after = c->ActiveTaskIds();
  std::sort(after.begin(), after.end());
  EXPECT_EQ(after, ids);
  // The state round-trips into a curriculum of the same set.
  auto d = Curriculum::Create(cfg, TwoSpecs()).value();
  ASSERT_TRUE(d->ImportState(c->ExportState()).ok());
  EXPECT_TRUE(d->ExportState() == c->ExportState());
}

}  // namespace
}  // namespace lpt::curriculum
