// lptrain bench learner: the learner alone, on realistic tensors — the PPO update of a
// rollout-sized batch and the rollout's inference (one policy step for every agent) — against
// what the machine can do: FLOPs per sample from the network's shapes, achieved GFLOP/s, and
// the machine's own SGEMM GFLOP/s measured in the same process on the same threads, whose ratio
// is the learner's utilisation. Also the BLAS in use and the thread counts.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/blas_info.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/rng.h"
#include "common/strings.h"
#include "common/thread_pool.h"
#include "envsim/types.h"
#include "trainer/bench/benches.h"
#include "trainer/policy.h"
#include "trainer/ppo.h"
#include "trainer/run/tasks.h"

namespace lpt::bench {
namespace {

// Multiply-adds of one forward pass of the policy for one sample (one step of one agent).
double ForwardMacs(const run::TrainerConfig& t, int task_features) {
  const double c_in = envsim::kNumCellTypes + envsim::kNumFeatures - 1;
  const double c = t.conv_channels;
  const double side1 = (envsim::kObsSize - 3) / 2 + 1;  // 3x3 stride 2
  const double side2 = side1 - 2;                       // 3x3
  const double conv1 = side1 * side1 * c * c_in * 9;
  const double conv2 = side2 * side2 * c * c * 9;
  const double fc_in = c * side2 * side2 + trainer::GlobalFeatureSize() + task_features;
  const double fc = fc_in * t.hidden_size;
  const double lstm = t.use_lstm ? 4.0 * (2.0 * t.hidden_size) * t.hidden_size : 0.0;
  const double heads = t.hidden_size * (envsim::kNumActions + 1);
  return conv1 + conv2 + fc + lstm + heads;
}

// GFLOP/s of a square SGEMM of side n, best of a few (the machine's reference rate).
double SgemmGflops(int64_t n) {
  const torch::Tensor a = torch::randn({n, n});
  const torch::Tensor b = torch::randn({n, n});
  torch::Tensor c = torch::mm(a, b);  // warm-up
  double best = 0;
  for (int r = 0; r < 5; ++r) {
    const Stopwatch watch;
    c = torch::mm(a, b);
    best = std::max(best, 2.0 * n * n * n / watch.Seconds() / 1e9);
  }
  return best;
}

StatusOr<Report> Run(const BenchArgs& args, const BenchContext&) {
  LPT_ASSIGN_OR_RETURN(const int64_t repeats, args.Integer("repeats", 1, 1000));
  const run::RunConfig& config = args.config;
  const run::TrainerConfig& tc = config.trainer;
  const int threads = ThreadsOrCores(tc.torch_threads);
  torch::set_num_threads(threads);
  LPT_ASSIGN_OR_RETURN(const run::TaskFeatures features, run::TaskFeatures::Create(config));
  const int k = features.size();
  trainer::Policy policy = trainer::MakePolicy(tc, k, 1);
  std::unique_ptr<torch::optim::Adam> adam = trainer::MakeOptimizer(policy, tc);
  const int64_t t = tc.num_steps;
  const int64_t b = static_cast<int64_t>(config.num_envs) * config.task.num_agents;
  trainer::RolloutBatch r = trainer::AllocateRolloutBatch(t, b, k, tc, torch::kCPU);
  // Observations like the arena's: mostly empty cells, some walls, objects and agents.
  r.obs = torch::randint(0, 4, r.obs.sizes()).to(torch::kUInt8);
  r.actions = torch::randint(0, envsim::kNumActions, {t, b}).to(torch::kLong);
  r.logprobs.fill_(-std::log(static_cast<float>(envsim::kNumActions)));
  r.rewards = (torch::rand({t, b}) < 0.01).to(torch::kFloat);
  CounterRng rng(2);

  // --- the update: samples per second of one PpoUpdate over the batch ---
  trainer::PpoUpdate(policy, *adam, r, tc, 0.0, &rng);  // warm-up
  std::vector<double> update;
  for (int64_t i = 0; i < repeats; ++i) {
    const Stopwatch watch;
    trainer::PpoUpdate(policy, *adam, r, tc, 0.0, &rng);
    update.push_back(static_cast<double>(t * b) / watch.Seconds());
  }
  // --- inference: one policy step for all B agents, as the rollout does ---
  std::vector<double> inference;
  {
    torch::NoGradGuard no_grad;
    trainer::CoreState state = policy->InitialState(b, torch::kCPU);
    for (int64_t i = 0; i < repeats + 1; ++i) {
      const Stopwatch watch;
      for (int64_t s = 0; s < t; ++s) {
        const trainer::PolicyStep step = policy->Step(r.obs[s], r.globals[s], state);
        state = step.state;
      }
      if (i > 0) inference.push_back(static_cast<double>(t * b) / watch.Seconds());
    }
  }
  const double update_sps = Median(update);
  const double inference_sps = Median(inference);
  // Per collected sample: one forward in the rollout, then per epoch a forward and a backward
  // (about twice the forward's work).
  const double forward_flops = 2.0 * ForwardMacs(tc, k);
  const double flops_per_sample = forward_flops * (1.0 + 3.0 * tc.update_epochs);
  const double learner_sps = 1.0 / (1.0 / update_sps + 1.0 / inference_sps);
  const double achieved = flops_per_sample * learner_sps / 1e9;
  const double sgemm = SgemmGflops(1024);
  const double utilisation = achieved / sgemm;
  const BlasInfo blas = LoadedBlas();

  Report report;
  std::string& s = report.text;
  s += StrFormat(
      "bench learner: %lld samples per batch (%lld steps x %lld agents), %d epoch(s) x %d "
      "minibatches%s, "
      "%d torch thread(s), BLAS %s\n",
      static_cast<long long>(t * b), static_cast<long long>(t), static_cast<long long>(b),
      tc.update_epochs, tc.num_minibatches, tc.use_lstm ? ", LSTM" : "", threads,
      blas.name.c_str());
  s += StrFormat("  update       %12s samples/s   (the whole PPO update over the batch)\n",
                 WithThousands(static_cast<long long>(update_sps)).c_str());
  s += StrFormat("  inference    %12s samples/s   (rollout policy steps)\n",
                 WithThousands(static_cast<long long>(inference_sps)).c_str());
  s += StrFormat("  learner      %12s samples/s   (both, per collected sample)\n",
                 WithThousands(static_cast<long long>(learner_sps)).c_str());
  s += StrFormat("  FLOPs        %12.3f MFLOP per forward, %.3f MFLOP per collected sample\n",
                 forward_flops / 1e6, flops_per_sample / 1e6);
  s += StrFormat("  achieved     %12.1f GFLOP/s\n", achieved);
  s += StrFormat("  SGEMM        %12.1f GFLOP/s     (1024^2, same process and threads)\n", sgemm);
  s += StrFormat("  utilisation  %12.3f\n", utilisation);
  JsonWriter j(9);
  j.BeginObject()
      .String("bench", "learner")
      .Number("update_samples_per_sec", update_sps)
      .Number("inference_samples_per_sec", inference_sps)
      .Number("learner_samples_per_sec", learner_sps)
      .Number("flops_per_sample", flops_per_sample)
      .Number("forward_flops", forward_flops)
      .Number("achieved_gflops", achieved)
      .Number("sgemm_gflops", sgemm)
      .Number("utilisation", utilisation)
      .String("blas", blas.name)
      .Int("torch_threads", threads)
      .Int("samples_per_batch", t * b)
      .EndObject();
  report.json = j.text();
  return report;
}

}  // namespace

Bench LearnerBench() {
  Bench b;
  b.name = "learner";
  b.summary = "the learner alone: update and inference samples/s, GFLOP/s, utilisation of SGEMM";
  b.description =
      "The PPO update and the rollout inference alone on a rollout-sized batch of the run's "
      "config: samples/s, "
      "FLOPs per sample from the network's shapes, achieved GFLOP/s, and the machine's SGEMM "
      "GFLOP/s measured in "
      "the same process on the same threads (utilisation = achieved / SGEMM); the BLAS and threads "
      "in use.";
  b.options = {{"repeats", "measured updates (medians)", "5"}};
  b.takes_config = true;
  b.run = Run;
  return b;
}

}  // namespace lpt::bench
