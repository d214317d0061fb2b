// PPO (docs/design.md §5): advantages (GAE, optionally V-trace-clipped), the loss terms, and the
// update over a rollout batch in shuffled (or prioritised) minibatches of segments.
#ifndef LPTRAIN_TRAINER_PPO_H_
#define LPTRAIN_TRAINER_PPO_H_

#include <torch/torch.h>

#include <functional>

#include "common/rng.h"
#include "trainer/policy.h"
#include "trainer/run/config.h"

namespace lpt::trainer {

// Per step t of a rollout of T steps over N agents, all [T, N] float unless noted.
struct AdvantageInputs {
  torch::Tensor rewards;
  torch::Tensor values;        // V(s_t) at collection
  torch::Tensor terminated;    // 1: the episode ended at t for good (no bootstrap)
  torch::Tensor truncated;     // 1: the episode was cut at t (bootstrap from final_values)
  torch::Tensor final_values;  // V(final observation) where truncated, else anything
  torch::Tensor last_values;   // [N] V(s_T) after the last step
};

// A_t = delta_t + gamma * c_t * A_{t+1} (cut at episode ends), with
// delta_t = rho_t (r_t + gamma * boot_t - V_t), boot_t = 0 / final value / V_{t+1} for a
// termination / truncation / neither. Without `ratio` (pi/mu, [T, N]) rho = 1, c = lambda
// (GAE); with it rho = min(rho_clip, ratio), c = lambda * min(c_clip, ratio) (V-trace).
torch::Tensor ComputeAdvantages(const AdvantageInputs& in, double gamma, double lambda,
                                const torch::Tensor& ratio = {}, double rho_clip = 1.0,
                                double c_clip = 1.0);

// (a - mean) / (std + 1e-8) over all elements.
torch::Tensor NormalizeAdvantages(const torch::Tensor& advantages);
// Clipped surrogate: mean of max(-A r, -A clip(r, 1-eps, 1+eps)) [x weights].
torch::Tensor PolicyLoss(const torch::Tensor& new_logp, const torch::Tensor& old_logp,
                         const torch::Tensor& advantages, double clip_coef,
                         const torch::Tensor& weights = {});
// 0.5 * mean of (v - R)^2, or with clip_vloss of max((v - R)^2, (v_clipped - R)^2) where
// v_clipped = old + clamp(v - old, -eps, eps).
torch::Tensor ValueLoss(const torch::Tensor& new_values, const torch::Tensor& old_values,
                        const torch::Tensor& returns, double clip_coef, bool clip_vloss);
// Mean entropy of the categorical distributions given by logits [..., A].
torch::Tensor Entropy(const torch::Tensor& logits);
// Scales all gradients so their global L2 norm is at most max_norm; returns the norm before.
double ClipGradNorm(const std::vector<torch::Tensor>& parameters, double max_norm);

// A rollout, [T, B, ...] per step and agent column.
struct RolloutBatch {
  torch::Tensor obs;           // [T, B, F, 11, 11] uint8
  torch::Tensor globals;       // [T, B, G + K] float (K task features)
  torch::Tensor actions;       // [T, B] long
  torch::Tensor logprobs;      // [T, B]
  torch::Tensor values;        // [T, B]
  torch::Tensor rewards;       // [T, B]
  torch::Tensor terminated;    // [T, B]
  torch::Tensor truncated;     // [T, B]
  torch::Tensor final_values;  // [T, B]
  torch::Tensor starts;        // [T, B] 1 where an episode begins (LSTM reset before the step)
  torch::Tensor last_values;   // [B]
  torch::Tensor state_h;       // [T / L, B, H] LSTM state entering each segment (if LSTM)
  torch::Tensor state_c;
};

// Zeroed storage for a rollout of `steps` steps of `agents` agent columns on device, the global
// vector widened by `task_features` (LSTM segment states when config.use_lstm).
RolloutBatch AllocateRolloutBatch(int64_t steps, int64_t agents, int task_features,
                                  const run::TrainerConfig& config, torch::Device device);

struct UpdateStats {
  double policy_loss = 0;
  double value_loss = 0;
  double entropy = 0;
  double approx_kl = 0;
  double clipfrac = 0;
  double explained_variance = 0;
  double grad_norm = 0;
  double mean_advantage = 0;
  int epochs = 0;
  int minibatches = 0;
};

// How an update agrees with the other ranks (null members: one process).
struct UpdateSync {
  // Replaces every parameter's gradient with its mean over ranks (one flat allreduce).
  std::function<void()> average_gradients;
  // The mean of a value over ranks (e.g. the epoch's approx_kl, so all ranks stop together).
  std::function<double(double)> mean_over_ranks;
};

// One PPO update on a rollout. `progress` in [0, 1] anneals the replay importance exponent.
// The minibatch order comes from rng (so runs are reproducible).
UpdateStats PpoUpdate(Policy& policy, torch::optim::Adam& optimizer, const RolloutBatch& batch,
                      const run::TrainerConfig& config, double progress, CounterRng* rng,
                      const UpdateSync* sync = nullptr);

}  // namespace lpt::trainer

#endif  // LPTRAIN_TRAINER_PPO_H_
