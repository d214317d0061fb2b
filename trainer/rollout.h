// Rollout: one rank's data collection for PPO. It owns
//  - the env step buffers: host tensors the envs write into in place (pinned when the model
//    is on a GPU), so observations reach the policy without a copy through envsim;
//  - the rollout storage [T, B, ...] the update reads (ppo.h RolloutBatch);
//  - the carry from one rollout to the next: which agents start an episode, the LSTM state;
//  - the action draws (a counter-based stream: the same actions for any thread count).
// B = envs x agents of this rank; T = trainer.num_steps.
#ifndef LPTRAIN_TRAINER_ROLLOUT_H_
#define LPTRAIN_TRAINER_ROLLOUT_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>

#include "common/array_bundle.h"
#include "common/rng.h"
#include "common/span.h"
#include "common/status.h"
#include "envsim/arena.h"
#include "trainer/policy.h"
#include "trainer/ppo.h"
#include "trainer/run/config.h"

namespace lpt::trainer {

// Turns an env step into what the learner sees, in place in `out` (the envs' own statistics,
// which metrics and the curriculum read, are untouched): with time_limit_terminal an episode
// that reached its length is a termination, not a truncation (only desync's cut-short first
// episodes still bootstrap); with reward_clip > 0 rewards are clipped to +-reward_clip.
void LearnerView(const envsim::ArenaBatch& envs, const run::TrainerConfig& config,
                 const envsim::StepBuffers& out);

class Rollout {
 public:
  // task_features: K, the width of the task features appended to each agent's global vector.
  Rollout(const run::TrainerConfig& config, int64_t num_envs, int agents_per_env, int task_features,
          torch::Device device, CounterRng action_rng);
  Rollout(const Rollout&) = delete;
  Rollout& operator=(const Rollout&) = delete;

  // Where envs write a step (the whole batch; Observe or Step fill it).
  envsim::StepBuffers EnvBuffers();
  // [num_envs] 1 where the env's episode ended in the last step.
  Span<const uint8_t> episode_end() const;
  // [B, K] the task features of every agent's running episode, for the owner to keep current
  // (after an env's episode ends, its agents' rows describe the next task).
  Span<float> task_features();

  // Collects T steps with policy: for each, the policy's step on the current observations,
  // actions drawn, step_envs(actions) (must step every env into EnvBuffers()), the results
  // stored, then after_step() (episode bookkeeping). Ends with the value of the observation
  // after the last step. Time spent in the policy and in step_envs is added to the timers.
  void Collect(Policy& policy, const std::function<void(Span<const int32_t>)>& step_envs,
               const std::function<void()>& after_step);

  const RolloutBatch& batch() const { return batch_; }
  int64_t agents() const { return agents_; }
  int64_t steps() const { return steps_; }
  double inference_seconds() const { return inference_seconds_; }
  double env_seconds() const { return env_seconds_; }
  void ResetTimers() { inference_seconds_ = env_seconds_ = 0; }

  // The carry (next_start, lstm_h, lstm_c, action_rng) as named arrays, and back: import
  // checks every name and shape and changes nothing unless all is good.
  void ExportCarry(ArrayBundle* b) const;
  Status ImportCarry(const ArrayBundle& b);
  // The same checks without a Rollout: a carry for `agents` agents of config's policy.
  static Status CheckCarry(const ArrayBundle& b, int64_t agents, const run::TrainerConfig& config);

 private:
  const run::TrainerConfig config_;
  const int64_t num_envs_;
  const int64_t agents_;
  const int64_t steps_;
  const torch::Device device_;
  // Env buffers (host), written by envsim in place.
  torch::Tensor obs_, globals_, rewards_, terminated_, truncated_, episode_end_, final_obs_,
      final_globals_;
  torch::Tensor features_;  // [B, K] host
  // The policy's global input: envsim's global vector, then the task features.
  torch::Tensor PolicyGlobals(const torch::Tensor& globals, const torch::Tensor& features) const;
  std::vector<int32_t> actions_;
  RolloutBatch batch_;
  // Carry.
  torch::Tensor next_start_;  // [B] 1 where the next step begins an episode
  CoreState state_;
  CounterRng action_rng_;
  std::vector<float> uniforms_;
  double inference_seconds_ = 0;
  double env_seconds_ = 0;
};

}  // namespace lpt::trainer

#endif  // LPTRAIN_TRAINER_ROLLOUT_H_
