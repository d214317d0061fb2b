// Helpers for curriculum tests: small generators and configs with eviction off unless asked.
#ifndef LPTRAIN_TESTS_CURRICULUM_TEST_UTIL_H_
#define LPTRAIN_TESTS_CURRICULUM_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "curriculum/curriculum.h"

namespace lpt::curriculum::testing {

// A generator whose tasks draw "x" from 0..n_values-1 (labels "t|x=<v>").
inline std::shared_ptr<const TaskGenerator> ListGenerator(int n_values,
                                                          const std::string& name = "t") {
  GeneratorSpec spec;
  spec.name = name;
  Bucket b;
  b.key = "x";
  for (int i = 0; i < n_values; ++i) b.values.push_back(i);
  spec.buckets.push_back(b);
  auto gen = TaskGenerator::Create({spec});
  EXPECT_TRUE(gen.ok()) << gen.status().ToString();
  return std::shared_ptr<const TaskGenerator>(std::move(gen).value());
}

inline CurriculumConfig QuietConfig(int pool) {
  CurriculumConfig c;
  c.num_active_tasks = pool;
  c.max_evictions_per_recompute = 0;
  c.perf_invalidation_batch_size = 1000000;  // recompute only when the test says so
  c.rand_task_rate = 0;
  return c;
}

inline std::unique_ptr<Curriculum> Make(const CurriculumConfig& config,
                                        std::shared_ptr<const TaskGenerator> gen = nullptr) {
  auto c = Curriculum::Create(config, gen ? gen : ListGenerator(4));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

// Snapshot probability of task id.
inline double ProbabilityOf(const Curriculum& c, uint64_t id) {
  const Snapshot& s = *c.snapshot();
  for (size_t i = 0; i < s.size(); ++i) {
    if ((*s.task_ids)[i] == id) return s.probabilities[i];
  }
  ADD_FAILURE() << "task " << id << " not in the snapshot";
  return -1;
}

}  // namespace lpt::curriculum::testing

#endif  // LPTRAIN_TESTS_CURRICULUM_TEST_UTIL_H_
