// Synthetic learners for measuring a curriculum's steering (lptrain bench steering, and the
// test that LP moves mass from impossible and solved tasks to learnable ones). 48 tasks, an
// enumerated pool: 16 impossible (never succeed), 8 solved (always succeed), 24 learnable, 8
// each mastered after 100, 300 and 1000 practices (success probability min(1, practices /
// period)). Results arrive in batches, each followed by a recompute, as in training.
#ifndef LPTRAIN_TRAINER_BENCH_STEERING_H_
#define LPTRAIN_TRAINER_BENCH_STEERING_H_

#include <cstdint>
#include <memory>

#include "common/status.h"
#include "curriculum/config.h"
#include "curriculum/task_generator.h"

namespace lpt::bench {

struct SteeringOutcome {
  double impossible = 0, solved = 0, learnable = 0;  // shares of the results
  double learnt = 0;                       // mean success of the learnable tasks at the end
  double learnt_by_period[3] = {0, 0, 0};  // periods 100, 300, 1000
};

// The 48 tasks (labels "impossible|...", "solved|...", "learnable|period=...|...").
std::shared_ptr<const curriculum::TaskGenerator> SteeringTasks();

// One run of `results` results (config's seed replaced by `seed`, recomputes every `batch`).
StatusOr<SteeringOutcome> SimulateSteering(const curriculum::CurriculumConfig& config,
                                           uint64_t seed, int64_t results, int batch);

}  // namespace lpt::bench

#endif  // LPTRAIN_TRAINER_BENCH_STEERING_H_
