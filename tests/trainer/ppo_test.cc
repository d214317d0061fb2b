// Hand-worked PPO pieces: GAE with a truncation and a termination, V-trace clipping, each loss
// term, per-minibatch normalisation, gradient clipping; and the LSTM reset at episode starts.
#include "trainer/ppo.h"

#include <gtest/gtest.h>

#include <cmath>

#include "envsim/types.h"
#include "trainer/policy.h"

namespace lpt::trainer {
namespace {

using run::ConfigBuilder;
using run::RunConfig;
using run::TrainerConfig;

torch::Tensor Col(std::vector<float> v) { return torch::tensor(v).view({-1, 1}); }

AdvantageInputs ThreeSteps(std::vector<float> terminated, std::vector<float> truncated) {
  AdvantageInputs in;
  in.rewards = Col({1, 2, 3});
  in.values = Col({0.5f, 1.0f, 1.5f});
  in.terminated = Col(std::move(terminated));
  in.truncated = Col(std::move(truncated));
  in.final_values = Col({0, 4.0f, 0});
  in.last_values = torch::tensor({2.0f});
  return in;
}

TEST(Gae, ThreeStepsWithATruncationAndATermination) {
  // gamma 0.9, lambda 0.8. Step 1 is cut (bootstrap V(final) = 4), step 2 terminates.
  //   A2 = 3 - 1.5                        = 1.5
  //   A1 = 2 + 0.9 * 4 - 1                = 4.6   (episode ended: no carry)
  //   A0 = (1 + 0.9 * 1 - 0.5) + 0.72 * 4.6 = 4.712
  const torch::Tensor a = ComputeAdvantages(ThreeSteps({0, 0, 1}, {0, 1, 0}), 0.9, 0.8);
  EXPECT_NEAR(a[2][0].item<float>(), 1.5, 1e-6);
  EXPECT_NEAR(a[1][0].item<float>(), 4.6, 1e-6);
  EXPECT_NEAR(a[0][0].item<float>(), 4.712, 1e-5);
}

TEST(Gae, WithoutEpisodeEndsBootstrapsFromTheLastValue) {
  //   A2 = 3 + 0.9 * 2 - 1.5 = 3.3; A1 = 2.35 + 0.72 * 3.3 = 4.726; A0 = 1.4 + 0.72 * 4.726
  const torch::Tensor a = ComputeAdvantages(ThreeSteps({0, 0, 0}, {0, 0, 0}), 0.9, 0.8);
  EXPECT_NEAR(a[2][0].item<float>(), 3.3, 1e-6);
  EXPECT_NEAR(a[1][0].item<float>(), 4.726, 1e-5);
  EXPECT_NEAR(a[0][0].item<float>(), 1.4 + 0.72 * 4.726, 1e-5);
}

TEST(VTrace, ClipsImportanceRatiosInDeltaAndTrace) {
  // ratios 2, 0.5, 1 with rho-bar = c-bar = 1:
  //   A2 = 3.3
  //   A1 = 0.5 * 2.35 + 0.9 * (0.8 * 0.5) * 3.3 = 2.363
  //   A0 = min(1, 2) * 1.4 + 0.9 * (0.8 * 1) * 2.363 = 3.10136
  const torch::Tensor ratio = Col({2.0f, 0.5f, 1.0f});
  const torch::Tensor a =
      ComputeAdvantages(ThreeSteps({0, 0, 0}, {0, 0, 0}), 0.9, 0.8, ratio, 1.0, 1.0);
  EXPECT_NEAR(a[2][0].item<float>(), 3.3, 1e-6);
  EXPECT_NEAR(a[1][0].item<float>(), 2.363, 1e-5);
  EXPECT_NEAR(a[0][0].item<float>(), 3.10136, 1e-5);
  // Ratios of 1 give back GAE.
  const torch::Tensor ones =
      ComputeAdvantages(ThreeSteps({0, 0, 0}, {0, 0, 0}), 0.9, 0.8, torch::ones({3, 1}));
  EXPECT_TRUE(torch::allclose(ones, ComputeAdvantages(ThreeSteps({0, 0, 0}, {0, 0, 0}), 0.9, 0.8)));
}

TEST(PpoLoss, ClippedSurrogateTakesThePessimisticTerm) {
  // ratios 2 and 0.5, advantages 1 and -1, clip 0.2: max(-2, -1.2) = -1.2 and
  // max(0.5, 0.8) = 0.8; mean -0.2.
  const torch::Tensor loss =
      PolicyLoss(torch::log(torch::tensor({0.5f, 0.2f})), torch::log(torch::tensor({0.25f, 0.4f})),
                 torch::tensor({1.0f, -1.0f}), 0.2);
  EXPECT_NEAR(loss.item<float>(), -0.2, 1e-6);
  const torch::Tensor weighted =
      PolicyLoss(torch::log(torch::tensor({0.5f, 0.2f})), torch::log(torch::tensor({0.25f, 0.4f})),
                 torch::tensor({1.0f, -1.0f}), 0.2, torch::tensor({1.0f, 0.5f}));
  EXPECT_NEAR(weighted.item<float>(), (-1.2 + 0.4) / 2, 1e-6);
}

TEST(PpoLoss, ValueLossClipsAroundTheOldValue) {
  const torch::Tensor v = torch::tensor({1.0f, 2.0f});
  const torch::Tensor old = torch::tensor({0.5f, 2.5f});
  const torch::Tensor ret = torch::tensor({1.5f, 1.0f});
  // Unclipped (v - R)^2 = 0.25, 1; clipped values 0.7, 2.3 -> 0.64, 1.69; max -> 0.64, 1.69.
  EXPECT_NEAR(ValueLoss(v, old, ret, 0.2, true).item<float>(), 0.5 * (0.64 + 1.69) / 2, 1e-6);
  EXPECT_NEAR(ValueLoss(v, old, ret, 0.2, false).item<float>(), 0.5 * (0.25 + 1.0) / 2, 1e-6);
}

TEST(PpoLoss, EntropyOfUniformAndCertainDistributions) {
  EXPECT_NEAR(Entropy(torch::zeros({3, 2})).item<float>(), std::log(2.0), 1e-6);
  EXPECT_NEAR(Entropy(torch::tensor({{0.0f, 0.0f, 0.0f, 0.0f}})).item<float>(), std::log(4.0),
              1e-6);
  EXPECT_NEAR(Entropy(torch::tensor({{100.0f, 0.0f}})).item<float>(), 0.0, 1e-6);
}

TEST(PpoLoss, AdvantagesAreNormalisedPerMinibatch) {
  const torch::Tensor n = NormalizeAdvantages(torch::tensor({1.0f, 2.0f, 3.0f}));
  EXPECT_NEAR(n[0].item<float>(), -1.0, 1e-6);  // unbiased std of 1, 2, 3 is 1
  EXPECT_NEAR(n[1].item<float>(), 0.0, 1e-6);
  EXPECT_NEAR(n[2].item<float>(), 1.0, 1e-6);
}

TEST(PpoLoss, GradientsAreClippedToTheGlobalNorm) {
  torch::Tensor a = torch::zeros({2}, torch::requires_grad());
  torch::Tensor b = torch::zeros({1}, torch::requires_grad());
  (a * torch::tensor({3.0f, 0.0f})).sum().backward();
  (b * torch::tensor({4.0f})).sum().backward();
  EXPECT_NEAR(ClipGradNorm({a, b}, 1.0), 5.0, 1e-6);
  EXPECT_NEAR(a.grad()[0].item<float>(), 0.6, 1e-5);
  EXPECT_NEAR(b.grad()[0].item<float>(), 0.8, 1e-5);
  EXPECT_NEAR(ClipGradNorm({a, b}, 10.0), 1.0, 1e-5);  // under the limit: untouched
  EXPECT_NEAR(a.grad()[0].item<float>(), 0.6, 1e-5);
}

// Observations with plausible values: types in range, small counts elsewhere.
std::pair<torch::Tensor, torch::Tensor> RandomInputs(int64_t steps, int64_t batch) {
  torch::manual_seed(3);
  torch::Tensor obs =
      torch::randint(0, 4, {steps, batch, envsim::kNumFeatures, envsim::kObsSize, envsim::kObsSize})
          .to(torch::kUInt8);
  obs.index_put_(
      {torch::indexing::Slice(), torch::indexing::Slice(), 0},
      torch::randint(0, envsim::kNumCellTypes, {steps, batch, envsim::kObsSize, envsim::kObsSize})
          .to(torch::kUInt8));
  torch::Tensor globals = torch::rand({steps, batch, envsim::kNumGlobals});
  globals.index_put_({torch::indexing::Slice(), torch::indexing::Slice(),
                      static_cast<int64_t>(envsim::Global::kLastAction)},
                     torch::randint(0, envsim::kNumActions, {steps, batch}).to(torch::kFloat));
  globals.index_put_({torch::indexing::Slice(), torch::indexing::Slice(),
                      static_cast<int64_t>(envsim::Global::kFacing)},
                     torch::randint(0, 4, {steps, batch}).to(torch::kFloat));
  globals.index_put_({torch::indexing::Slice(), torch::indexing::Slice(),
                      static_cast<int64_t>(envsim::Global::kCanAttack)},
                     1.0f);  // every action open (the mask has tests of its own)
  return {obs, globals};
}

// Agents that cannot pay for an attack get probability 0 on the 9 attack actions, in Step and in
// Sequence alike, and are never drawn one; the others keep all 16.
TEST(PolicyMask, AttacksGetProbabilityZeroWhereTheAgentCannotAttack) {
  torch::manual_seed(1);
  Policy policy(PolicySpec{32, 8, false, 0, true});
  auto [obs, globals] = RandomInputs(2, 6);
  const int64_t col = static_cast<int64_t>(envsim::Global::kCanAttack);
  for (int64_t b = 0; b < 6; b += 2) globals.index_put_({torch::indexing::Slice(), b, col}, 0.0f);
  torch::NoGradGuard no_grad;
  const PolicyStep step = policy->Step(obs[0], globals[0], CoreState{});
  const torch::Tensor p = torch::softmax(step.logits, 1);
  const int64_t first = static_cast<int64_t>(envsim::Action::kAttack0);
  for (int64_t b = 0; b < 6; ++b) {
    const double attack_mass = p[b].narrow(0, first, envsim::kNumAttackArgs).sum().item<double>();
    if (b % 2 == 0) {
      EXPECT_EQ(attack_mass, 0.0) << b;
    } else {
      EXPECT_GT(attack_mass, 0.4) << b;  // about 9/16 at initialisation
    }
  }
  auto [logits, values] = policy->Sequence(obs, globals, torch::zeros({2, 6}), CoreState{});
  EXPECT_TRUE(torch::allclose(logits[0], step.logits));
  // Uniforms up to just below 1, where rounding in the CDF used to reach the last (masked) action.
  for (const float u : {0.0f, 0.3f, 0.7f, 0.999999f}) {
    const torch::Tensor drawn = DrawActions(step.logits, torch::full({6, 1}, u));
    for (int64_t b = 0; b < 6; b += 2) EXPECT_LT(drawn[b].item<int64_t>(), first) << u;
  }
  // The masked entropy is finite: probability-0 actions add nothing.
  const torch::Tensor logp = torch::log_softmax(step.logits, 1);
  EXPECT_TRUE(torch::isfinite(-(logp.exp() * logp).sum(1)).all().item<bool>());
}

// Without the mask every action stays open.
TEST(PolicyMask, OffLeavesEveryActionOpen) {
  torch::manual_seed(1);
  Policy policy(PolicySpec{32, 8, false, 0, false});
  auto [obs, globals] = RandomInputs(1, 4);
  globals.index_put_({torch::indexing::Slice(), torch::indexing::Slice(),
                      static_cast<int64_t>(envsim::Global::kCanAttack)},
                     0.0f);
  torch::NoGradGuard no_grad;
  const torch::Tensor p = torch::softmax(policy->Step(obs[0], globals[0], CoreState{}).logits, 1);
  EXPECT_GT(p.min().item<double>(), 0.0);
}

// The update's fast path (input planes and global features made once per batch) computes what
// the plain path does: the same outputs and the same gradients, with and without the LSTM and
// with task features.
TEST(PolicyInputs, PreparedInputsGiveTheSameOutputsAndGradients) {
  for (bool lstm : {false, true}) {
    SCOPED_TRACE(lstm);
    torch::manual_seed(1);
    Policy policy(PolicySpec{32, 8, lstm, 3});
    auto [obs, globals] = RandomInputs(4, 5);
    globals = torch::cat({globals, torch::rand({4, 5, 3})}, 2);  // three task features
    const torch::Tensor starts = (torch::rand({4, 5}) < 0.3).to(torch::kFloat);
    const CoreState state = policy->InitialState(5, torch::kCPU);
    const auto grads = [&](const torch::Tensor& logits, const torch::Tensor& values) {
      policy->zero_grad();
      (logits.pow(2).sum() + values.sum()).backward();
      std::vector<torch::Tensor> g;
      for (const torch::Tensor& p : policy->parameters()) g.push_back(p.grad().clone());
      return g;
    };
    auto [logits_a, values_a] = policy->Sequence(obs, globals, starts, state);
    const std::vector<torch::Tensor> grads_a = grads(logits_a, values_a);
    torch::Tensor planes, features;
    {
      torch::NoGradGuard no_grad;
      planes = policy->InputPlanes(obs.flatten(0, 1));
      planes = planes.view({4, 5, planes.size(1), planes.size(2), planes.size(3)});
      features = GlobalFeatures(globals.flatten(0, 1)).view({4, 5, -1});
    }
    auto [logits_b, values_b] = policy->SequenceFromInputs(planes, features, starts, state);
    const std::vector<torch::Tensor> grads_b = grads(logits_b, values_b);
    EXPECT_TRUE(torch::allclose(logits_a, logits_b, 1e-6, 1e-7));
    EXPECT_TRUE(torch::allclose(values_a, values_b, 1e-6, 1e-7));
    ASSERT_EQ(grads_a.size(), grads_b.size());
    for (size_t i = 0; i < grads_a.size(); ++i)
      EXPECT_TRUE(torch::allclose(grads_a[i], grads_b[i], 1e-5, 1e-6)) << i;
  }
}

TEST(PolicyLstm, StateIsResetExactlyWhereEpisodesStart) {
  torch::manual_seed(1);
  Policy policy(PolicySpec{32, 8, true});
  torch::NoGradGuard no_grad;
  auto [obs, globals] = RandomInputs(6, 2);
  torch::Tensor starts = torch::zeros({6, 2});
  starts[3][0] = 1;  // column 0 starts a new episode at step 3
  const CoreState carried{torch::rand({1, 2, 32}), torch::rand({1, 2, 32})};
  auto [logits, values] = policy->Sequence(obs, globals, starts, carried);

  // From step 3 on, column 0 equals a fresh sequence from zero state.
  using torch::indexing::Slice;
  auto [fresh_logits, fresh_values] = policy->Sequence(
      obs.index({Slice(3, 6), Slice(0, 1)}), globals.index({Slice(3, 6), Slice(0, 1)}),
      torch::zeros({3, 1}), policy->InitialState(1, torch::kCPU));
  EXPECT_TRUE(torch::allclose(values.index({Slice(3, 6), 0}), fresh_values.index({Slice(), 0}),
                              1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(logits.index({Slice(3, 6), 0}), fresh_logits.index({Slice(), 0}),
                              1e-5, 1e-6));
  // Without the reset the carried state still shows at step 3.
  auto [kept_logits, kept_values] = policy->Sequence(obs, globals, torch::zeros({6, 2}), carried);
  EXPECT_FALSE(torch::allclose(kept_values[3][0], values[3][0], 1e-5, 1e-6));
  // Column 1 never resets: identical either way.
  EXPECT_TRUE(torch::allclose(kept_values.index({Slice(), 1}), values.index({Slice(), 1})));

  // Step by step with ResetWhere gives the same as the sequence.
  CoreState s = carried;
  for (int64_t t = 0; t < 6; ++t) {
    s = PolicyImpl::ResetWhere(s, starts[t]);
    const PolicyStep step = policy->Step(obs[t], globals[t], s);
    EXPECT_TRUE(torch::allclose(step.value, values[t], 1e-5, 1e-6)) << "step " << t;
    s = step.state;
  }
}

TEST(PpoUpdate, ReducesTheLossOnAFixedBatchAndReportsStats) {
  torch::manual_seed(2);
  TrainerConfig cfg;
  cfg.num_steps = 8;
  cfg.bptt_horizon = 4;
  cfg.num_minibatches = 2;
  cfg.update_epochs = 3;
  cfg.learning_rate = 1e-3;
  for (bool lstm : {false, true}) {
    cfg.use_lstm = lstm;
    Policy policy(PolicySpec{32, 8, lstm});
    torch::optim::Adam adam(policy->parameters(),
                            torch::optim::AdamOptions(cfg.learning_rate).eps(1e-5));
    auto [obs, globals] = RandomInputs(8, 4);
    RolloutBatch b;
    b.obs = obs;
    b.globals = globals;
    b.actions = torch::randint(0, envsim::kNumActions, {8, 4}).to(torch::kLong);
    b.logprobs = torch::full({8, 4}, -std::log(static_cast<float>(envsim::kNumActions)));
    b.values = torch::zeros({8, 4});
    b.rewards = torch::rand({8, 4});
    b.terminated = torch::zeros({8, 4});
    b.truncated = torch::zeros({8, 4});
    b.final_values = torch::zeros({8, 4});
    b.starts = torch::zeros({8, 4});
    b.last_values = torch::zeros({4});
    if (lstm) {
      b.state_h = torch::zeros({2, 4, 32});
      b.state_c = torch::zeros({2, 4, 32});
    }
    CounterRng rng(1);
    const UpdateStats first = PpoUpdate(policy, adam, b, cfg, 0.0, &rng);
    EXPECT_EQ(first.epochs, 3);
    EXPECT_EQ(first.minibatches, 6);
    EXPECT_GT(first.entropy, 2.5);  // near-uniform initial policy: log(16) = 2.77
    UpdateStats later = first;
    for (int i = 0; i < 10; ++i) later = PpoUpdate(policy, adam, b, cfg, 0.0, &rng);
    EXPECT_LT(later.value_loss, first.value_loss) << (lstm ? "lstm" : "ff");
  }
}

}  // namespace
}  // namespace lpt::trainer
