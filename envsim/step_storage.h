// StepStorage: owning buffers for a whole batch, for callers that do not bring their own
// (the trainer's are torch tensors). View() gives the StepBuffers that Step() writes into.
#ifndef LPTRAIN_ENVSIM_STEP_STORAGE_H_
#define LPTRAIN_ENVSIM_STEP_STORAGE_H_

#include <cstdint>
#include <vector>

#include "envsim/arena.h"

namespace lpt::envsim {

struct StepStorage {
  explicit StepStorage(const ArenaBatch& batch)
      : total(static_cast<size_t>(batch.num_envs()) * batch.num_agents()),
        obs(total * kObsPerAgent),
        globals(total * kNumGlobals),
        rewards(total),
        terminated(total),
        truncated(total),
        episode_end(batch.num_envs()) {}

  // with_final: also the end-of-episode observations (allocated on first use).
  StepBuffers View(bool with_final = false) {
    StepBuffers out{obs, globals, rewards, terminated, truncated, episode_end, {}, {}};
    if (with_final) {
      final_obs.resize(obs.size());
      final_globals.resize(globals.size());
      out.final_obs = final_obs;
      out.final_globals = final_globals;
    }
    return out;
  }

  size_t total;  // envs x agents
  std::vector<uint8_t> obs;
  std::vector<float> globals, rewards;
  std::vector<uint8_t> terminated, truncated, episode_end;
  std::vector<uint8_t> final_obs;
  std::vector<float> final_globals;
};

}  // namespace lpt::envsim

#endif  // LPTRAIN_ENVSIM_STEP_STORAGE_H_
