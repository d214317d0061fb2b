// The policy: a conv encoder over the observation planes plus the global vector, an optional
// LSTM core, an actor head (one logit per arena action) and a critic head. Orthogonal init
// (gain sqrt(2) for hidden layers, 0.01 for the actor, 1 for the critic), zero biases.
#ifndef LPTRAIN_TRAINER_POLICY_H_
#define LPTRAIN_TRAINER_POLICY_H_

#include <torch/torch.h>

#include <memory>

#include "trainer/run/config.h"

namespace lpt::trainer {

struct PolicySpec {
  int hidden_size = 128;
  int conv_channels = 32;
  bool use_lstm = false;
  int task_features = 0;  // task params appended to the global vector (run::TaskFeatures)
  // The attack actions get probability 0 for agents that cannot pay for an attack (envsim's
  // kCanAttack global is 0): an attack they choose would fail and do nothing.
  bool mask_attacks = true;
};

// Logits with the attack actions at a large negative value (probability 0 after a softmax)
// where the agent cannot attack; features: GlobalFeatures of the same agents ([..., G']).
torch::Tensor MaskAttacks(const torch::Tensor& logits, const torch::Tensor& features);
// Index i of each row drawn with probability softmax(logits)[i] by inverse CDF from uniforms
// u ([B, 1] in [0, 1)); actions of probability 0 are never drawn. logits: [B, A].
torch::Tensor DrawActions(const torch::Tensor& logits, const torch::Tensor& u);

// LSTM state, each [1, B, hidden]; undefined tensors when the policy has no LSTM.
struct CoreState {
  torch::Tensor h;
  torch::Tensor c;
};

struct PolicyStep {
  torch::Tensor logits;  // [B, kNumActions]
  torch::Tensor value;   // [B]
  CoreState state;       // after this step
};

class PolicyImpl : public torch::nn::Module {
 public:
  explicit PolicyImpl(const PolicySpec& spec);

  const PolicySpec& spec() const { return spec_; }
  // A zero state for `batch` agents on `device`.
  CoreState InitialState(int64_t batch, torch::Device device) const;

  // One step for B agents. obs: [B, F, 11, 11] uint8; globals: [B, G + K] float (envsim's
  // global vector, then the K task features); state: the previous step's, already zeroed for
  // agents whose episode just started.
  PolicyStep Step(const torch::Tensor& obs, const torch::Tensor& globals, const CoreState& state);

  // A sequence for training. obs: [L, B, F, 11, 11]; globals: [L, B, G]; starts: [L, B], 1
  // where a new episode begins at that step (the state is zeroed before it); state: at step 0.
  // Returns logits [L, B, A] and values [L, B].
  std::pair<torch::Tensor, torch::Tensor> Sequence(const torch::Tensor& obs,
                                                   const torch::Tensor& globals,
                                                   const torch::Tensor& starts,
                                                   const CoreState& state);

  // The encoder's input planes as floats: obs [N, F, 11, 11] uint8 -> [N, kNumCellTypes + F - 1,
  // 11, 11] (the type plane one-hot, the other planes scaled). An update makes them once per batch
  // instead of once per minibatch and epoch.
  torch::Tensor InputPlanes(const torch::Tensor& obs) const;
  // Sequence from the input planes [L, B, C, 11, 11] and the global features [L, B, G']
  // (GlobalFeatures of the globals) made beforehand; the same outputs as Sequence.
  std::pair<torch::Tensor, torch::Tensor> SequenceFromInputs(const torch::Tensor& planes,
                                                             const torch::Tensor& features,
                                                             const torch::Tensor& starts,
                                                             const CoreState& state);

  // Zeroes the state rows of agents with start = 1 ([B] float or bool).
  static CoreState ResetWhere(const CoreState& state, const torch::Tensor& starts);

 private:
  // From input planes [N, C, 11, 11] and global features [N, G'].
  torch::Tensor EncodeInputs(const torch::Tensor& planes, const torch::Tensor& features);
  std::pair<torch::Tensor, torch::Tensor> Heads(torch::Tensor hidden, int64_t steps, int64_t batch,
                                                const torch::Tensor& starts,
                                                const CoreState& state);

  PolicySpec spec_;
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear fc_{nullptr};
  torch::nn::LSTM lstm_{nullptr};
  torch::nn::Linear actor_{nullptr}, critic_{nullptr};
  torch::Tensor plane_scale_;  // [1, F - 1, 1, 1]
  torch::Tensor type_ids_;     // [1, kNumCellTypes, 1, 1]
};
TORCH_MODULE(Policy);

// The one place a run's model and optimizer are made: the policy of config's shape, its
// initial weights drawn from `seed` alone (so every rank starts equal), and Adam (eps 1e-5) at
// config's learning rate.
PolicySpec SpecOf(const run::TrainerConfig& config, int task_features);
Policy MakePolicy(const run::TrainerConfig& config, int task_features, uint64_t seed);
std::unique_ptr<torch::optim::Adam> MakeOptimizer(Policy& policy, const run::TrainerConfig& config);

// The global vector as network input: inventory / 10, progress, last action (one-hot), last
// action ok, last reward (clipped to +-10), frozen / 10, facing (one-hot), can attack, then the
// task features as they are. globals: [B, G + K].
torch::Tensor GlobalFeatures(const torch::Tensor& globals);
// Its columns without the task features.
int64_t GlobalFeatureSize();

}  // namespace lpt::trainer

#endif  // LPTRAIN_TRAINER_POLICY_H_
