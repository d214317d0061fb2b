#include "trainer/rollout.h"

#include <algorithm>

#include "common/clock.h"
#include "trainer/tensor_arrays.h"

namespace lpt::trainer {

using envsim::kNumActions;
using envsim::kNumFeatures;
using envsim::kNumGlobals;
using envsim::kObsSize;

Rollout::Rollout(const run::TrainerConfig& config, int64_t num_envs, int agents_per_env,
                 int task_features, torch::Device device, CounterRng action_rng)
    : config_(config),
      num_envs_(num_envs),
      agents_(num_envs * agents_per_env),
      steps_(config.num_steps),
      device_(device),
      action_rng_(action_rng),
      uniforms_(static_cast<size_t>(agents_)) {
  const auto host = [&](torch::ScalarType type) {
    return torch::TensorOptions().dtype(type).pinned_memory(device.is_cuda());
  };
  const int64_t b = agents_;
  obs_ = torch::zeros({b, kNumFeatures, kObsSize, kObsSize}, host(torch::kUInt8));
  globals_ = torch::zeros({b, kNumGlobals}, host(torch::kFloat));
  rewards_ = torch::zeros({b}, host(torch::kFloat));
  terminated_ = torch::zeros({b}, host(torch::kUInt8));
  truncated_ = torch::zeros({b}, host(torch::kUInt8));
  episode_end_ = torch::zeros({num_envs}, host(torch::kUInt8));
  final_obs_ = torch::zeros_like(obs_);
  final_globals_ = torch::zeros_like(globals_);
  features_ = torch::zeros({b, task_features}, host(torch::kFloat));
  actions_.assign(static_cast<size_t>(b), 0);
  batch_ = AllocateRolloutBatch(steps_, b, task_features, config, device);
  if (config.use_lstm) {
    const auto opts = torch::TensorOptions().dtype(torch::kFloat).device(device);
    state_ = {torch::zeros({1, b, config.hidden_size}, opts),
              torch::zeros({1, b, config.hidden_size}, opts)};
  }
  next_start_ = torch::ones({b}, torch::TensorOptions().dtype(torch::kFloat).device(device));
}

envsim::StepBuffers Rollout::EnvBuffers() {
  auto u8 = [](torch::Tensor& t) {
    return Span<uint8_t>(t.data_ptr<uint8_t>(), static_cast<size_t>(t.numel()));
  };
  auto f32 = [](torch::Tensor& t) {
    return Span<float>(t.data_ptr<float>(), static_cast<size_t>(t.numel()));
  };
  return {u8(obs_),       f32(globals_),    f32(rewards_),  u8(terminated_),
          u8(truncated_), u8(episode_end_), u8(final_obs_), f32(final_globals_)};
}

Span<float> Rollout::task_features() {
  return Span<float>(features_.data_ptr<float>(), static_cast<size_t>(features_.numel()));
}

torch::Tensor Rollout::PolicyGlobals(const torch::Tensor& globals,
                                     const torch::Tensor& features) const {
  return features.size(1) == 0 ? globals : torch::cat({globals, features}, 1);
}

void LearnerView(const envsim::ArenaBatch& envs, const run::TrainerConfig& config,
                 const envsim::StepBuffers& out) {
  const int agents = envs.num_agents();
  if (config.time_limit_terminal) {
    for (int e = 0; e < envs.num_envs(); ++e) {
      if (out.episode_end[e] == 0 || envs.LastEpisode(e).desync_shortened) continue;
      for (size_t a = static_cast<size_t>(e) * agents; a < static_cast<size_t>(e + 1) * agents;
           ++a) {
        out.terminated[a] = static_cast<uint8_t>(out.terminated[a] | out.truncated[a]);
        out.truncated[a] = 0;
      }
    }
  }
  if (config.reward_clip > 0) {
    const auto clip = static_cast<float>(config.reward_clip);
    for (float& r : out.rewards) r = std::clamp(r, -clip, clip);
  }
}

Span<const uint8_t> Rollout::episode_end() const {
  return Span<const uint8_t>(episode_end_.data_ptr<uint8_t>(), static_cast<size_t>(num_envs_));
}

void Rollout::Collect(Policy& policy, const std::function<void(Span<const int32_t>)>& step_envs,
                      const std::function<void()>& after_step) {
  torch::NoGradGuard no_grad;
  const int64_t b = agents_;
  const int64_t length = config_.bptt_horizon;
  RolloutBatch& r = batch_;
  for (int64_t t = 0; t < steps_; ++t) {
    const SteadyClock::time_point t0 = SteadyClock::now();
    r.obs[t].copy_(obs_, /*non_blocking=*/true);
    r.globals[t].copy_(PolicyGlobals(globals_, features_), true);
    r.starts[t].copy_(next_start_);
    if (config_.use_lstm) {
      if (t % length == 0) {
        r.state_h[t / length].copy_(state_.h[0]);
        r.state_c[t / length].copy_(state_.c[0]);
      }
      state_ = PolicyImpl::ResetWhere(state_, next_start_);
    }
    const PolicyStep step = policy->Step(r.obs[t], r.globals[t], state_);
    // Actions by inverse CDF with our own counter-based draws: reproducible for any thread count.
    for (float& u : uniforms_) u = static_cast<float>(action_rng_.Uniform());
    const torch::Tensor u = torch::from_blob(uniforms_.data(), {b, 1}, torch::kFloat).to(device_);
    const torch::Tensor logp_all = torch::log_softmax(step.logits, 1);
    const torch::Tensor chosen = DrawActions(step.logits, u).to(torch::kLong);
    r.actions[t].copy_(chosen);
    r.logprobs[t].copy_(logp_all.gather(1, chosen.unsqueeze(1)).squeeze(1));
    r.values[t].copy_(step.value);
    const torch::Tensor chosen_cpu = chosen.to(torch::kCPU).to(torch::kInt);
    std::copy(chosen_cpu.data_ptr<int32_t>(), chosen_cpu.data_ptr<int32_t>() + b, actions_.begin());
    inference_seconds_ += SecondsSince(t0);

    const SteadyClock::time_point t1 = SteadyClock::now();
    step_envs(Span<const int32_t>(actions_.data(), actions_.size()));
    env_seconds_ += SecondsSince(t1);

    r.rewards[t].copy_(rewards_);
    r.terminated[t].copy_(terminated_);
    r.truncated[t].copy_(truncated_);
    // A cut episode bootstraps from the value of its final observation.
    const torch::Tensor cut = truncated_.nonzero().squeeze(1);
    if (cut.numel() > 0) {
      const torch::Tensor rows = cut.to(device_);
      CoreState cut_state;
      if (state_.h.defined())
        cut_state = {step.state.h.index_select(1, rows), step.state.c.index_select(1, rows)};
      const PolicyStep fin = policy->Step(
          final_obs_.index_select(0, cut).to(device_),
          PolicyGlobals(final_globals_, features_).index_select(0, cut).to(device_), cut_state);
      r.final_values[t].index_copy_(0, rows, fin.value);
    }
    next_start_ = torch::clamp_max(r.terminated[t] + r.truncated[t], 1.0);
    state_ = step.state;
    after_step();
  }
  const CoreState last_state = PolicyImpl::ResetWhere(state_, next_start_);
  r.last_values =
      policy->Step(obs_.to(device_), PolicyGlobals(globals_, features_).to(device_), last_state)
          .value;
}

void Rollout::ExportCarry(ArrayBundle* b) const {
  PutTensor(b, "next_start", next_start_);
  if (state_.h.defined()) {
    PutTensor(b, "lstm_h", state_.h);
    PutTensor(b, "lstm_c", state_.c);
  }
  b->u64["action_rng"] = {action_rng_.key(), action_rng_.counter()};
}

namespace {

// The carry of b, shaped like the given tensors (h undefined: no LSTM).
struct Carry {
  torch::Tensor next_start, h, c;
  CounterRng action_rng;
};

StatusOr<Carry> ReadCarry(const ArrayBundle& b, const torch::Tensor& next_start,
                          const torch::Tensor& h, const torch::Tensor& c) {
  Carry carry;
  LPT_ASSIGN_OR_RETURN(carry.next_start, TakeTensor(b, "next_start", next_start));
  if (h.defined()) {
    LPT_ASSIGN_OR_RETURN(carry.h, TakeTensor(b, "lstm_h", h));
    LPT_ASSIGN_OR_RETURN(carry.c, TakeTensor(b, "lstm_c", c));
  } else if (b.f32.count("lstm_h") != 0) {
    return Status::FailedPrecondition(
        "lstm_h: saved by a policy with an LSTM (trainer.use_lstm changed)");
  }
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* a, b.GetU64("action_rng", 2));
  carry.action_rng = CounterRng::FromState((*a)[0], (*a)[1]);
  return carry;
}

}  // namespace

Status Rollout::ImportCarry(const ArrayBundle& b) {
  LPT_ASSIGN_OR_RETURN(Carry carry, ReadCarry(b, next_start_, state_.h, state_.c));
  next_start_ = carry.next_start;
  if (state_.h.defined()) state_ = {carry.h, carry.c};
  action_rng_ = carry.action_rng;
  return Status::Ok();
}

Status Rollout::CheckCarry(const ArrayBundle& b, int64_t agents, const run::TrainerConfig& config) {
  const torch::Tensor next_start = torch::zeros({agents});
  torch::Tensor h, c;
  if (config.use_lstm) h = c = torch::zeros({1, agents, config.hidden_size});
  return ReadCarry(b, next_start, h, c).status();
}

}  // namespace lpt::trainer
