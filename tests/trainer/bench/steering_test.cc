// The curriculum steers: on synthetic learners (impossible, solved and learnable tasks) the
// default LP curriculum moves mass from impossible and solved tasks to learnable ones, and so
// gets more of the learnable tasks learnt than uniform sampling with the same budget.
#include "trainer/bench/steering.h"

#include <gtest/gtest.h>

#include "curriculum/config.h"

namespace lpt::bench {
namespace {

struct Means {
  double impossible = 0, solved = 0, learnable = 0, learnt = 0;
};

Means Average(const curriculum::CurriculumConfig& config, int seeds) {
  Means m;
  for (int s = 1; s <= seeds; ++s) {
    const SteeringOutcome o = SimulateSteering(config, static_cast<uint64_t>(s), 3000, 16).value();
    m.impossible += o.impossible / seeds;
    m.solved += o.solved / seeds;
    m.learnable += o.learnable / seeds;
    m.learnt += o.learnt / seeds;
  }
  return m;
}

TEST(Steering, LpMovesMassFromImpossibleAndSolvedTasksToLearnableOnes) {
  curriculum::CurriculumConfig lp;  // the defaults
  curriculum::CurriculumConfig uniform;
  uniform.use_lp = false;
  const Means a = Average(lp, 10);
  const Means b = Average(uniform, 10);
  // Uniform: the task set's make-up (16, 8 and 24 of 48 tasks).
  EXPECT_NEAR(b.impossible, 16.0 / 48, 0.02);
  EXPECT_NEAR(b.solved, 8.0 / 48, 0.02);
  // Seen with the defaults: impossible 0.16, solved 0.14, learnable 0.70, learnt 0.42 against
  // uniform's 0.34, 0.17, 0.50 and 0.30.
  EXPECT_LT(a.impossible, 0.6 * b.impossible);
  EXPECT_LT(a.solved, b.solved);
  EXPECT_GT(a.learnable, 1.2 * b.learnable);
  EXPECT_GT(a.learnt, 1.2 * b.learnt);
}

}  // namespace
}  // namespace lpt::bench
