// Stepping a whole batch on a caller's threads: envsim has no threads of its own, so callers
// split the batch into disjoint env ranges (SplitEnvs) and step each range on one thread.
// Results do not depend on the split (every env's randomness is its own).
#ifndef LPTRAIN_ENVSIM_PARALLEL_STEP_H_
#define LPTRAIN_ENVSIM_PARALLEL_STEP_H_

#include <cstdint>

#include "common/span.h"
#include "common/thread_pool.h"
#include "envsim/arena.h"

namespace lpt::envsim {

// Part `part` of `parts` of num_envs envs: contiguous, disjoint, together covering them all,
// sizes differing by at most one.
inline EnvRange SplitEnvs(int num_envs, int part, int parts) {
  return {num_envs * part / parts, num_envs * (part + 1) / parts};
}

// One step of every env of batch, its ranges spread over pool's threads (the calling thread
// takes one). Same REQUIRES as ArenaBatch::Step.
inline void StepAll(ThreadPool* pool, ArenaBatch* batch, Span<const int32_t> actions,
                    const StepBuffers& out) {
  const int n = batch->num_envs();
  pool->Run([&](int part, int parts) { batch->Step(SplitEnvs(n, part, parts), actions, out); });
}

}  // namespace lpt::envsim

#endif  // LPTRAIN_ENVSIM_PARALLEL_STEP_H_
