#include "trainer/ppo.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "envsim/types.h"

namespace lpt::trainer {

torch::Tensor ComputeAdvantages(const AdvantageInputs& in, double gamma, double lambda,
                                const torch::Tensor& ratio, double rho_clip, double c_clip) {
  const int64_t steps = in.rewards.size(0);
  torch::Tensor advantages = torch::zeros_like(in.rewards);
  torch::Tensor next_advantage = torch::zeros_like(in.last_values);
  torch::Tensor next_value = in.last_values;
  for (int64_t t = steps - 1; t >= 0; --t) {
    const torch::Tensor terminated = in.terminated[t];
    const torch::Tensor truncated = in.truncated[t];
    const torch::Tensor ended = torch::clamp_max(terminated + truncated, 1.0);
    // What follows s_t: nothing, the cut episode's final observation, or s_{t+1}.
    const torch::Tensor bootstrap =
        (1 - terminated) * (truncated * in.final_values[t] + (1 - truncated) * next_value);
    torch::Tensor delta = in.rewards[t] + gamma * bootstrap - in.values[t];
    torch::Tensor trace = torch::full_like(delta, lambda);
    if (ratio.defined()) {
      delta = delta * torch::clamp_max(ratio[t], rho_clip);
      trace = lambda * torch::clamp_max(ratio[t], c_clip);
    }
    next_advantage = delta + gamma * trace * (1 - ended) * next_advantage;
    advantages[t] = next_advantage;
    next_value = in.values[t];
  }
  return advantages;
}

torch::Tensor NormalizeAdvantages(const torch::Tensor& a) {
  return (a - a.mean()) / (a.std() + 1e-8);
}

torch::Tensor PolicyLoss(const torch::Tensor& new_logp, const torch::Tensor& old_logp,
                         const torch::Tensor& advantages, double clip_coef,
                         const torch::Tensor& weights) {
  const torch::Tensor ratio = torch::exp(new_logp - old_logp);
  const torch::Tensor pg_loss1 = -advantages * ratio;
  const torch::Tensor pg_loss2 = -advantages * torch::clamp(ratio, 1 - clip_coef, 1 + clip_coef);
  torch::Tensor pg_loss = torch::max(pg_loss1, pg_loss2);
  if (weights.defined()) pg_loss = pg_loss * weights;
  return pg_loss.mean();
}

torch::Tensor ValueLoss(const torch::Tensor& new_values, const torch::Tensor& old_values,
                        const torch::Tensor& returns, double clip_coef, bool clip_vloss) {
  const torch::Tensor v_loss_unclipped = (new_values - returns).pow(2);
  if (!clip_vloss) return 0.5 * v_loss_unclipped.mean();
  const torch::Tensor v_clipped =
      old_values + torch::clamp(new_values - old_values, -clip_coef, clip_coef);
  const torch::Tensor v_loss_clipped = (v_clipped - returns).pow(2);
  return 0.5 * torch::max(v_loss_unclipped, v_loss_clipped).mean();
}

torch::Tensor Entropy(const torch::Tensor& logits) {
  const torch::Tensor logp = torch::log_softmax(logits, -1);
  return -(logp.exp() * logp).sum(-1).mean();
}

double ClipGradNorm(const std::vector<torch::Tensor>& parameters, double max_norm) {
  double total = 0;
  for (const torch::Tensor& p : parameters) {
    if (p.grad().defined()) total += p.grad().pow(2).sum().item<double>();
  }
  const double norm = std::sqrt(total);
  if (norm > max_norm && norm > 0) {
    const double scale = max_norm / (norm + 1e-6);
    torch::NoGradGuard no_grad;
    for (const torch::Tensor& p : parameters) {
      if (p.grad().defined()) p.grad().mul_(scale);
    }
  }
  return norm;
}

RolloutBatch AllocateRolloutBatch(int64_t steps, int64_t agents, int task_features,
                                  const run::TrainerConfig& config, torch::Device device) {
  using envsim::kNumFeatures;
  using envsim::kObsSize;
  const auto opts = [&](torch::ScalarType type) {
    return torch::TensorOptions().dtype(type).device(device);
  };
  RolloutBatch r;
  r.obs = torch::zeros({steps, agents, kNumFeatures, kObsSize, kObsSize}, opts(torch::kUInt8));
  r.globals =
      torch::zeros({steps, agents, envsim::kNumGlobals + task_features}, opts(torch::kFloat));
  r.actions = torch::zeros({steps, agents}, opts(torch::kLong));
  for (torch::Tensor* t : {&r.logprobs, &r.values, &r.rewards, &r.terminated, &r.truncated,
                           &r.final_values, &r.starts}) {
    *t = torch::zeros({steps, agents}, opts(torch::kFloat));
  }
  r.last_values = torch::zeros({agents}, opts(torch::kFloat));
  if (config.use_lstm) {
    r.state_h = torch::zeros({steps / config.bptt_horizon, agents, config.hidden_size},
                             opts(torch::kFloat));
    r.state_c = torch::zeros_like(r.state_h);
  }
  return r;
}

namespace {

// [T, B, rest...] -> [S, L, rest...] with S = (T / L) * B segments, segment c * B + b holding
// steps [c L, (c + 1) L) of column b.
torch::Tensor Segments(const torch::Tensor& x, int64_t length) {
  std::vector<int64_t> shape = {x.size(0) / length, length};
  for (int64_t d = 1; d < x.dim(); ++d) shape.push_back(x.size(d));
  torch::Tensor v = x.reshape(shape).transpose(1, 2);  // [C, B, L, rest...]
  std::vector<int64_t> out = {v.size(0) * v.size(1), length};
  for (int64_t d = 3; d < v.dim(); ++d) out.push_back(v.size(d));
  return v.reshape(out);
}

// Index i with probability p[i] by inverse CDF (cdf ascending, last = 1).
int64_t DrawFromCdf(const std::vector<double>& cdf, CounterRng* rng) {
  const double u = rng->Uniform() * cdf.back();
  return std::min<int64_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin(),
                           static_cast<int64_t>(cdf.size()) - 1);
}

}  // namespace

UpdateStats PpoUpdate(Policy& policy, torch::optim::Adam& optimizer, const RolloutBatch& batch,
                      const run::TrainerConfig& config, double progress, CounterRng* rng,
                      const UpdateSync* sync) {
  const int64_t steps = batch.rewards.size(0);
  // Minibatches are made of segments: bptt_horizon steps for the LSTM (state carried through)
  // and for replay (its unit), single steps otherwise (fully shuffled samples).
  const int64_t length = config.use_lstm || config.prio_alpha > 0 ? config.bptt_horizon : 1;
  const int64_t segments = steps / length * batch.rewards.size(1);
  const int64_t per_minibatch = segments / config.num_minibatches;
  const torch::Device device = batch.rewards.device();

  // --- advantages ---
  const AdvantageInputs inputs{batch.rewards,   batch.values,       batch.terminated,
                               batch.truncated, batch.final_values, batch.last_values};
  torch::Tensor advantages = ComputeAdvantages(inputs, config.gamma, config.gae_lambda);

  // The encoder's inputs, made once for the whole batch (they do not change between epochs).
  torch::Tensor seg_planes, seg_features;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor planes = policy->InputPlanes(batch.obs.flatten(0, 1));
    const torch::Tensor features = GlobalFeatures(batch.globals.flatten(0, 1));
    seg_planes =
        Segments(planes.view({steps, -1, planes.size(1), planes.size(2), planes.size(3)}), length);
    seg_features = Segments(features.view({steps, -1, features.size(1)}), length);
  }
  const torch::Tensor seg_actions = Segments(batch.actions, length);
  const torch::Tensor seg_logprobs = Segments(batch.logprobs, length);
  const torch::Tensor seg_values = Segments(batch.values, length);
  const torch::Tensor seg_starts = Segments(batch.starts, length);
  torch::Tensor seg_h, seg_c;
  if (config.use_lstm) {
    seg_h = batch.state_h.reshape({segments, -1});
    seg_c = batch.state_c.reshape({segments, -1});
  }

  UpdateStats stats;
  const auto params = policy->parameters();
  for (int epoch = 0; epoch < config.update_epochs; ++epoch) {
    if (config.vtrace && epoch > 0) {
      // Off-policy by now: recompute the advantages with clipped importance ratios.
      torch::NoGradGuard no_grad;
      const CoreState state =
          config.use_lstm ? CoreState{seg_h.unsqueeze(0), seg_c.unsqueeze(0)} : CoreState{};
      auto [logits, values] =
          policy->SequenceFromInputs(seg_planes.transpose(0, 1), seg_features.transpose(0, 1),
                                     seg_starts.transpose(0, 1), state);
      const torch::Tensor logp = torch::log_softmax(logits, -1)
                                     .gather(-1, seg_actions.transpose(0, 1).unsqueeze(-1))
                                     .squeeze(-1);
      // [L, S] -> [T, B] by undoing Segments.
      const torch::Tensor ratio_seg = torch::exp(logp.transpose(0, 1) - seg_logprobs);  // [S, L]
      const torch::Tensor ratio =
          ratio_seg.reshape({steps / length, -1, length}).transpose(1, 2).reshape({steps, -1});
      advantages = ComputeAdvantages(inputs, config.gamma, config.gae_lambda, ratio,
                                     config.vtrace_rho_clip, config.vtrace_c_clip);
    }
    const torch::Tensor returns = advantages + batch.values;
    const torch::Tensor seg_adv = Segments(advantages, length);
    const torch::Tensor seg_returns = Segments(returns, length);

    // --- minibatch order: shuffled segments, or prioritised by |advantage| ---
    std::vector<int64_t> order(segments);
    std::vector<double> weights;
    if (config.prio_alpha > 0) {
      const torch::Tensor prio =
          seg_adv.abs().sum(1).pow(config.prio_alpha).to(torch::kCPU).to(torch::kDouble);
      const double* pr = prio.data_ptr<double>();
      std::vector<double> cdf(segments);
      double total = 0;
      for (int64_t s = 0; s < segments; ++s) cdf[s] = (total += pr[s] + 1e-12);
      const double beta = config.prio_beta0 + (1.0 - config.prio_beta0) * progress;
      weights.resize(segments);
      double max_w = 0;
      for (int64_t s = 0; s < segments; ++s) {
        order[s] = DrawFromCdf(cdf, rng);
        const double p = (pr[order[s]] + 1e-12) / total;
        weights[s] = std::pow(static_cast<double>(segments) * p, -beta);
        max_w = std::max(max_w, weights[s]);
      }
      for (double& w : weights) w /= max_w;
    } else {
      std::iota(order.begin(), order.end(), 0);
      for (int64_t i = segments - 1; i > 0; --i) {
        std::swap(order[i], order[rng->Below(static_cast<uint32_t>(i + 1))]);
      }
    }
    const torch::Tensor order_t = torch::tensor(order, torch::kLong).to(device);
    const torch::Tensor weights_t =
        weights.empty() ? torch::Tensor()
                        : torch::tensor(weights, torch::kDouble).to(torch::kFloat).to(device);

    // --- update ---
    double epoch_kl = 0;
    for (int mb = 0; mb < config.num_minibatches; ++mb) {
      const torch::Tensor idx = order_t.narrow(0, mb * per_minibatch, per_minibatch);
      const CoreState state = config.use_lstm ? CoreState{seg_h.index_select(0, idx).unsqueeze(0),
                                                          seg_c.index_select(0, idx).unsqueeze(0)}
                                              : CoreState{};
      auto [logits, new_values] =
          policy->SequenceFromInputs(seg_planes.index_select(0, idx).transpose(0, 1),
                                     seg_features.index_select(0, idx).transpose(0, 1),
                                     seg_starts.index_select(0, idx).transpose(0, 1), state);
      // Everything as [L, mb] like the outputs.
      const auto pick = [&](const torch::Tensor& seg) {
        return seg.index_select(0, idx).transpose(0, 1);
      };
      const torch::Tensor mb_actions = pick(seg_actions);
      const torch::Tensor new_logp =
          torch::log_softmax(logits, -1).gather(-1, mb_actions.unsqueeze(-1)).squeeze(-1);
      const torch::Tensor old_logp = pick(seg_logprobs);
      torch::Tensor mb_adv = pick(seg_adv);
      if (config.norm_adv) mb_adv = NormalizeAdvantages(mb_adv);
      torch::Tensor mb_weights;
      if (weights_t.defined()) {
        mb_weights =
            weights_t.narrow(0, mb * per_minibatch, per_minibatch).unsqueeze(0).expand_as(mb_adv);
      }
      const torch::Tensor pg_loss =
          PolicyLoss(new_logp, old_logp, mb_adv, config.clip_coef, mb_weights);
      const torch::Tensor v_loss = ValueLoss(new_values, pick(seg_values), pick(seg_returns),
                                             config.clip_coef, config.clip_vloss);
      const torch::Tensor entropy = Entropy(logits);
      const torch::Tensor loss = pg_loss - config.ent_coef * entropy + config.vf_coef * v_loss;

      optimizer.zero_grad();
      loss.backward();
      if (sync != nullptr && sync->average_gradients) sync->average_gradients();
      stats.grad_norm += ClipGradNorm(params, config.max_grad_norm);
      optimizer.step();

      torch::NoGradGuard no_grad;
      const torch::Tensor log_ratio = new_logp - old_logp;
      const double kl = ((log_ratio.exp() - 1) - log_ratio).mean().item<double>();
      epoch_kl += kl;
      stats.approx_kl += kl;
      stats.clipfrac +=
          ((log_ratio.exp() - 1).abs() > config.clip_coef).to(torch::kFloat).mean().item<double>();
      stats.policy_loss += pg_loss.item<double>();
      stats.value_loss += v_loss.item<double>();
      stats.entropy += entropy.item<double>();
      ++stats.minibatches;
    }
    ++stats.epochs;
    double mean_kl = epoch_kl / config.num_minibatches;
    if (sync != nullptr && sync->mean_over_ranks) mean_kl = sync->mean_over_ranks(mean_kl);
    if (config.target_kl > 0 && mean_kl > config.target_kl) break;
  }
  const double n = std::max(stats.minibatches, 1);
  stats.policy_loss /= n;
  stats.value_loss /= n;
  stats.entropy /= n;
  stats.approx_kl /= n;
  stats.clipfrac /= n;
  stats.grad_norm /= n;
  const torch::Tensor returns = advantages + batch.values;
  const double var_returns = returns.var().item<double>();
  stats.explained_variance =
      var_returns > 0 ? 1.0 - (returns - batch.values).var().item<double>() / var_returns : 0.0;
  stats.mean_advantage = advantages.mean().item<double>();
  return stats;
}

}  // namespace lpt::trainer
