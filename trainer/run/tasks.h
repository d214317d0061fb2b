// The curriculum <-> env bridge, in one place: how a run config's buckets become the
// curriculum's task generator, how a generated task's parameters become an env config, the
// score the curriculum is given for an episode, and the env batches a rank creates (sized for
// the largest task any bucket combination can ask for).
#ifndef LPTRAIN_TRAINER_RUN_TASKS_H_
#define LPTRAIN_TRAINER_RUN_TASKS_H_

#include <cstdint>
#include <memory>

#include "common/status.h"
#include "curriculum/task_generator.h"
#include "envsim/arena.h"
#include "envsim/task_config.h"
#include "trainer/run/config.h"

namespace lpt::run {

// The task generator a config describes (one bucket per configured env field).
StatusOr<std::shared_ptr<const curriculum::TaskGenerator>> MakeTaskGenerator(
    const RunConfig& config);

// The base task with a generated task's params applied (NaN params leave a field as it is);
// an error when the combination is not a valid env.
StatusOr<envsim::TaskConfig> ApplyTaskParams(const envsim::TaskConfig& base,
                                             const curriculum::TaskGenerator& generator,
                                             const double* params);

// The normaliser of episode scores for the curriculum (score_max or the sum of positive caps).
double ScoreMax(const RunConfig& config, const envsim::TaskConfig& task);

// The largest map and converter count any task of the config can ask for: every bucket at its
// largest value at once (sizes grow with each of these values).
envsim::TaskConfig CapacityConfig(const RunConfig& config);

// The batch options of rank `rank`'s envs: env ids rank * num_envs + e, capacity for every
// task of the config. `generation` > 0 offsets the env ids (fresh envs after a resume on
// another layout must not replay the run's first episodes).
envsim::BatchOptions BatchOptionsFor(const RunConfig& config, int rank, uint64_t generation = 0);

}  // namespace lpt::run

#endif  // LPTRAIN_TRAINER_RUN_TASKS_H_
