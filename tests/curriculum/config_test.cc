#include "curriculum/config.h"

#include <gtest/gtest.h>

#include <set>

namespace lpt::curriculum {
namespace {

void ExpectInvalid(const CurriculumConfig& c, const std::string& field) {
  const Status st = c.Validate();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << field;
  EXPECT_EQ(st.message().rfind(field + ":", 0), 0u) << st.message();
}

TEST(CurriculumConfig, DefaultsAreValid) { EXPECT_TRUE(CurriculumConfig().Validate().ok()); }

TEST(CurriculumConfig, BadValuesAreRejectedNamingTheField) {
  CurriculumConfig c;
  c.ema_timescale = 0;
  ExpectInvalid(c, "ema_timescale");
  c = CurriculumConfig();
  c.rand_task_rate = 1.5;
  ExpectInvalid(c, "rand_task_rate");
  c = CurriculumConfig();
  c.num_active_tasks = 0;
  ExpectInvalid(c, "num_active_tasks");
  c = CurriculumConfig();
  c.perf_invalidation_batch_size = 0;
  ExpectInvalid(c, "perf_invalidation_batch_size");
  c = CurriculumConfig();
  c.eviction_threshold_percentile = -0.1;
  ExpectInvalid(c, "eviction_threshold_percentile");
  c = CurriculumConfig();
  c.progress_smoothing = 0.7;
  ExpectInvalid(c, "progress_smoothing");
  c = CurriculumConfig();
  c.min_samples_for_lp = 0;
  ExpectInvalid(c, "min_samples_for_lp");
}

TEST(CurriculumConfig, EveryKnobOfTheOriginalHasAField) {
  std::set<std::string> names;
  for (const CurriculumField& f : CurriculumFields()) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_FALSE(f.doc.empty()) << f.name;
  }
  for (const char* knob : {"use_lp",
                           "ema_timescale",
                           "slow_timescale_factor",
                           "exploration_bonus",
                           "lp_gain",
                           "progress_smoothing",
                           "use_bidirectional",
                           "use_baseline_normalization",
                           "z_score_amplification",
                           "lp_score_temperature",
                           "min_samples_for_lp",
                           "rand_task_rate",
                           "num_active_tasks",
                           "min_presentations_for_eviction",
                           "eviction_threshold_percentile",
                           "max_evictions_per_recompute",
                           "max_inactive_labels_retained",
                           "perf_invalidation_batch_size",
                           "perf_cache_task_list",
                           "perf_log_metrics",
                           "seed"}) {
    EXPECT_TRUE(names.count(knob)) << knob;
  }
}

TEST(CurriculumConfig, PresetsSetBatchCacheAndPoolAsTheOriginalGuide) {
  struct Row {
    const char* name;
    int batch;
    bool cache;
    int pool;
  };
  for (const Row& r : {Row{"baseline", 1, false, 1000}, Row{"batch_10", 10, true, 1000},
                       Row{"batch_100", 100, true, 1000}, Row{"batch_1000", 1000, true, 1000},
                       Row{"cache_only", 1, true, 1000}, Row{"small_pool_100", 100, true, 100}}) {
    CurriculumConfig c;
    c.ema_timescale = 0.007;
    ASSERT_TRUE(ApplyPreset(r.name, &c).ok()) << r.name;
    EXPECT_EQ(c.perf_invalidation_batch_size, r.batch) << r.name;
    EXPECT_EQ(c.perf_cache_task_list, r.cache) << r.name;
    EXPECT_EQ(c.num_active_tasks, r.pool) << r.name;
    EXPECT_DOUBLE_EQ(c.ema_timescale, 0.007) << r.name;  // nothing else changes
  }
  CurriculumConfig c;
  const Status st = ApplyPreset("batch_5", &c);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("small_pool_100"), std::string::npos);
}

}  // namespace
}  // namespace lpt::curriculum
