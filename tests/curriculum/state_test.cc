// Export -> import restores identical future behaviour; bad state is rejected by name.
#include <gtest/gtest.h>

#include "common/rng.h"
#include "curriculum/curriculum.h"
#include "tests/curriculum/test_util.h"

namespace lpt::curriculum {
namespace {

using testing::ListGenerator;

CurriculumConfig StateConfig() {
  CurriculumConfig c;
  c.num_active_tasks = 64;
  c.perf_invalidation_batch_size = 16;
  c.ema_timescale = 0.1;
  c.min_samples_for_lp = 2;
  c.min_presentations_for_eviction = 3;
  c.max_evictions_per_recompute = 2;
  c.max_inactive_labels_retained = 5;
  c.seed = 99;
  return c;
}

// A deterministic learner: task id and how often it was seen decide the score.
double ScoreFor(uint64_t id, int64_t step) {
  CounterRng rng(id, static_cast<uint64_t>(step));
  return (id % 3 == 0) ? 0.0 : rng.Uniform() < 0.5 + 0.4 * ((id >> 8) % 2) ? 1.0 : 0.0;
}

// Runs n sample/update steps, recording what was drawn and the snapshots' probabilities.
std::vector<uint64_t> Drive(Curriculum* c, int64_t first_step, int n) {
  std::vector<uint64_t> trace;
  for (int64_t t = first_step; t < first_step + n; ++t) {
    const TaskDraw d = c->Sample();
    trace.push_back(d.task_id);
    trace.push_back(c->snapshot()->version);
    c->Update(d.task_id, ScoreFor(d.task_id, t));
  }
  return trace;
}

TEST(CurriculumState, ExportImportGivesIdenticalFutureSamplesAndScores) {
  auto gen = ListGenerator(40);
  auto original = Curriculum::Create(StateConfig(), gen).value();
  Drive(original.get(), 0, 5000);  // evictions, label churn, mid-batch state
  const ArrayBundle state = original->ExportState();

  auto restored = Curriculum::Create(StateConfig(), gen).value();
  ASSERT_TRUE(restored->ImportState(state).ok());
  EXPECT_EQ(restored->ExportState(), state);

  EXPECT_EQ(Drive(original.get(), 5000, 10000), Drive(restored.get(), 5000, 10000));
  EXPECT_EQ(original->snapshot()->probabilities, restored->snapshot()->probabilities);
  EXPECT_EQ(original->ExportState(), restored->ExportState());
  const CurriculumStats a = original->Stats();
  const CurriculumStats b = restored->Stats();
  EXPECT_EQ(a.updates, b.updates);
  EXPECT_EQ(a.evicted, b.evicted);
  EXPECT_GT(a.evicted, 0);
  EXPECT_EQ(a.num_labels, b.num_labels);
}

TEST(CurriculumState, PoolOfAnotherSizeIsRefusedNamingTheCause) {
  auto gen = ListGenerator(4);
  auto a = Curriculum::Create(StateConfig(), gen).value();
  CurriculumConfig other = StateConfig();
  other.num_active_tasks = 32;
  auto b = Curriculum::Create(other, gen).value();
  const Status st = b->ImportState(a->ExportState());
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("num_active_tasks"), std::string::npos) << st.message();
}

TEST(CurriculumState, MissingOrMisSizedArraysAreRejectedAndStateIsUnchanged) {
  auto gen = ListGenerator(4);
  auto a = Curriculum::Create(StateConfig(), gen).value();
  const ArrayBundle before = a->ExportState();
  ArrayBundle broken = before;
  broken.f64.erase("slot_fast_ema");
  Status st = a->ImportState(broken);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("slot_fast_ema"), std::string::npos) << st.message();
  broken = before;
  broken.i64["slot_count"].pop_back();
  st = a->ImportState(broken);
  EXPECT_NE(st.message().find("slot_count: 63 elements, expected 64"), std::string::npos)
      << st.message();
  broken = before;
  broken.i64["active_list"][0] = 1000;
  EXPECT_FALSE(a->ImportState(broken).ok());
  EXPECT_EQ(a->ExportState(), before);
}

}  // namespace
}  // namespace lpt::curriculum
