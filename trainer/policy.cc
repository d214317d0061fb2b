#include "trainer/policy.h"

#include <cmath>

#include "envsim/types.h"

namespace lpt::trainer {
namespace {

using envsim::Global;
using envsim::kNumActions;
using envsim::kNumCellTypes;
using envsim::kNumFeatures;
using envsim::kNumGlobals;
using envsim::kNumItems;
using envsim::kObsSize;

constexpr int64_t kFacings = 4;

void OrthogonalInit(torch::nn::Module& layer, double gain) {
  for (auto& p : layer.named_parameters()) {
    if (p.key().find("weight") != std::string::npos) {
      torch::nn::init::orthogonal_(p.value(), gain);
    } else if (p.key().find("bias") != std::string::npos) {
      torch::nn::init::zeros_(p.value());
    }
  }
}

int64_t ConvOut(int64_t in, int64_t kernel, int64_t stride) { return (in - kernel) / stride + 1; }

}  // namespace

PolicySpec SpecOf(const run::TrainerConfig& config, int task_features) {
  return PolicySpec{config.hidden_size, config.conv_channels, config.use_lstm, task_features,
                    config.mask_attacks};
}

Policy MakePolicy(const run::TrainerConfig& config, int task_features, uint64_t seed) {
  torch::manual_seed(seed);
  return Policy(SpecOf(config, task_features));
}

std::unique_ptr<torch::optim::Adam> MakeOptimizer(Policy& policy,
                                                  const run::TrainerConfig& config) {
  return std::make_unique<torch::optim::Adam>(
      policy->parameters(), torch::optim::AdamOptions(config.learning_rate).eps(1e-5));
}

int64_t GlobalFeatureSize() { return kNumItems + 1 + kNumActions + 1 + 1 + 1 + kFacings + 1; }

namespace {
// The column of GlobalFeatures that holds kCanAttack.
int64_t CanAttackColumn() { return GlobalFeatureSize() - 1; }
}  // namespace

torch::Tensor MaskAttacks(const torch::Tensor& logits, const torch::Tensor& features) {
  using torch::indexing::Slice;
  const int64_t first = static_cast<int64_t>(envsim::Action::kAttack0);
  const torch::Tensor cannot =
      features.index({"...", Slice(CanAttackColumn(), CanAttackColumn() + 1)}).lt(0.5);  // [..., 1]
  const torch::Tensor attack =
      torch::arange(kNumActions, logits.options().dtype(torch::kLong)).ge(first);  // [A]
  return logits.masked_fill(cannot.logical_and(attack), -1e9);
}

torch::Tensor DrawActions(const torch::Tensor& logits, const torch::Tensor& u) {
  const torch::Tensor cdf = torch::softmax(logits, 1).cumsum(1);
  // Against u times the row's total, so rounding in the last entries cannot select an action
  // of probability 0 at the end of the row.
  const torch::Tensor target =
      u * cdf.index({torch::indexing::Slice(), torch::indexing::Slice(-1, torch::indexing::None)});
  return (cdf < target).sum(1).clamp_max(logits.size(1) - 1);
}

torch::Tensor GlobalFeatures(const torch::Tensor& g) {
  using torch::indexing::Slice;
  const auto col = [&](Global f) { return g.index({Slice(), static_cast<int64_t>(f)}); };
  const torch::Tensor inventory = g.index({Slice(), Slice(0, kNumItems)}) / 10.0;
  const torch::Tensor last_action =
      torch::one_hot(col(Global::kLastAction).to(torch::kLong), kNumActions).to(torch::kFloat);
  const torch::Tensor facing =
      torch::one_hot(col(Global::kFacing).to(torch::kLong), kFacings).to(torch::kFloat);
  const torch::Tensor task = g.index({Slice(), Slice(kNumGlobals, torch::indexing::None)});
  return torch::cat({inventory, col(Global::kProgress).unsqueeze(1), last_action,
                     col(Global::kLastActionOk).unsqueeze(1),
                     col(Global::kLastReward).clamp(-10, 10).unsqueeze(1),
                     (col(Global::kFrozen) / 10.0).unsqueeze(1), facing,
                     col(Global::kCanAttack).unsqueeze(1), task},
                    1);
}

PolicyImpl::PolicyImpl(const PolicySpec& spec) : spec_(spec) {
  const int64_t c = spec.conv_channels;
  const int64_t in_channels = kNumCellTypes + (kNumFeatures - 1);
  // 11x11 -> 5x5 -> 3x3: the stride comes first, where it is cheapest (CPU training is
  // bound by these convolutions).
  conv1_ = register_module(
      "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, c, 3).stride(2)));
  conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(c, c, 3)));
  const int64_t side = ConvOut(ConvOut(kObsSize, 3, 2), 3, 1);
  fc_ = register_module(
      "fc", torch::nn::Linear(c * side * side + GlobalFeatureSize() + spec.task_features,
                              spec.hidden_size));
  if (spec.use_lstm) {
    lstm_ = register_module(
        "lstm", torch::nn::LSTM(torch::nn::LSTMOptions(spec.hidden_size, spec.hidden_size)));
  }
  actor_ = register_module("actor", torch::nn::Linear(spec.hidden_size, kNumActions));
  critic_ = register_module("critic", torch::nn::Linear(spec.hidden_size, 1));
  // Feature scales for planes 1.. (facing, frozen, armor, output, input, cooldown, converting).
  plane_scale_ = register_buffer(
      "plane_scale",
      torch::tensor({1.0f / 3, 1.0f / 10, 1.0f / 3, 1.0f / 5, 1.0f / 5, 1.0f / 50, 1.0f / 5})
          .view({1, kNumFeatures - 1, 1, 1}));
  type_ids_ = register_buffer(
      "type_ids", torch::arange(kNumCellTypes, torch::kUInt8).view({1, kNumCellTypes, 1, 1}));
  OrthogonalInit(*conv1_, std::sqrt(2.0));
  OrthogonalInit(*conv2_, std::sqrt(2.0));
  OrthogonalInit(*fc_, std::sqrt(2.0));
  if (lstm_) {
    for (auto& p : lstm_->named_parameters()) {
      if (p.key().find("weight") != std::string::npos) torch::nn::init::orthogonal_(p.value(), 1.0);
      if (p.key().find("bias") != std::string::npos) torch::nn::init::zeros_(p.value());
    }
  }
  OrthogonalInit(*actor_, 0.01);
  OrthogonalInit(*critic_, 1.0);
}

CoreState PolicyImpl::InitialState(int64_t batch, torch::Device device) const {
  if (!spec_.use_lstm) return {};
  const auto opts = torch::TensorOptions().dtype(torch::kFloat).device(device);
  return {torch::zeros({1, batch, spec_.hidden_size}, opts),
          torch::zeros({1, batch, spec_.hidden_size}, opts)};
}

CoreState PolicyImpl::ResetWhere(const CoreState& state, const torch::Tensor& starts) {
  if (!state.h.defined()) return state;
  const torch::Tensor keep = (1 - starts.to(torch::kFloat)).view({1, -1, 1});
  return {state.h * keep, state.c * keep};
}

torch::Tensor PolicyImpl::InputPlanes(const torch::Tensor& obs) const {
  using torch::indexing::Slice;
  // The type plane one-hot (a comparison against the type ids), the other planes scaled.
  const torch::Tensor type = (obs.index({Slice(), Slice(0, 1)}) == type_ids_).to(torch::kFloat);
  const torch::Tensor rest =
      obs.index({Slice(), Slice(1, kNumFeatures)}).to(torch::kFloat) * plane_scale_;
  return torch::cat({type, rest}, 1);
}

torch::Tensor PolicyImpl::EncodeInputs(const torch::Tensor& planes, const torch::Tensor& features) {
  torch::Tensor x = torch::relu(conv1_->forward(planes));
  x = torch::relu(conv2_->forward(x));
  x = torch::cat({x.flatten(1), features}, 1);
  return torch::relu(fc_->forward(x));
}

PolicyStep PolicyImpl::Step(const torch::Tensor& obs, const torch::Tensor& globals,
                            const CoreState& state) {
  const torch::Tensor features = GlobalFeatures(globals);
  torch::Tensor hidden = EncodeInputs(InputPlanes(obs), features);
  CoreState next;
  if (lstm_) {
    auto out = lstm_->forward(hidden.unsqueeze(0), std::make_tuple(state.h, state.c));
    hidden = std::get<0>(out).squeeze(0);
    next = {std::get<0>(std::get<1>(out)), std::get<1>(std::get<1>(out))};
  }
  torch::Tensor logits = actor_->forward(hidden);
  if (spec_.mask_attacks) logits = MaskAttacks(logits, features);
  return {logits, critic_->forward(hidden).squeeze(1), next};
}

std::pair<torch::Tensor, torch::Tensor> PolicyImpl::Sequence(const torch::Tensor& obs,
                                                             const torch::Tensor& globals,
                                                             const torch::Tensor& starts,
                                                             const CoreState& state) {
  torch::Tensor planes = InputPlanes(obs.flatten(0, 1));
  planes = planes.view({obs.size(0), obs.size(1), planes.size(1), planes.size(2), planes.size(3)});
  const torch::Tensor features =
      GlobalFeatures(globals.flatten(0, 1)).view({obs.size(0), obs.size(1), -1});
  return SequenceFromInputs(planes, features, starts, state);
}

std::pair<torch::Tensor, torch::Tensor> PolicyImpl::SequenceFromInputs(
    const torch::Tensor& planes, const torch::Tensor& features, const torch::Tensor& starts,
    const CoreState& state) {
  const int64_t steps = planes.size(0);
  const int64_t batch = planes.size(1);
  auto [logits, values] = Heads(EncodeInputs(planes.flatten(0, 1), features.flatten(0, 1)), steps,
                                batch, starts, state);
  if (spec_.mask_attacks) logits = MaskAttacks(logits, features);
  return {logits, values};
}

std::pair<torch::Tensor, torch::Tensor> PolicyImpl::Heads(torch::Tensor hidden, int64_t steps,
                                                          int64_t batch,
                                                          const torch::Tensor& starts,
                                                          const CoreState& state) {
  if (lstm_) {
    hidden = hidden.view({steps, batch, -1});
    std::vector<torch::Tensor> outputs;
    CoreState s = state;
    for (int64_t t = 0; t < steps; ++t) {
      s = ResetWhere(s, starts[t]);
      auto out = lstm_->forward(hidden[t].unsqueeze(0), std::make_tuple(s.h, s.c));
      outputs.push_back(std::get<0>(out).squeeze(0));
      s = {std::get<0>(std::get<1>(out)), std::get<1>(std::get<1>(out))};
    }
    hidden = torch::stack(outputs).flatten(0, 1);
  }
  const torch::Tensor logits = actor_->forward(hidden).view({steps, batch, -1});
  const torch::Tensor values = critic_->forward(hidden).view({steps, batch});
  return {logits, values};
}

}  // namespace lpt::trainer
