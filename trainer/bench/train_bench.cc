// lptrain bench train: where the trainer's time goes, in one run. Rounds of: an iteration of
// training with the LP curriculum, one with DiscreteRandom, one learner-only PPO update on a
// rollout-sized batch, and an env-only burst of random actions; every figure is the median
// over the rounds, so all are taken under the same machine conditions.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/rng.h"
#include "common/strings.h"
#include "common/thread_pool.h"
#include "envsim/arena.h"
#include "envsim/parallel_step.h"
#include "envsim/random_actions.h"
#include "envsim/step_storage.h"
#include "trainer/bench/benches.h"
#include "trainer/policy.h"
#include "trainer/ppo.h"
#include "trainer/run/tasks.h"
#include "trainer/trainer.h"

namespace lpt::bench {
namespace {

// Env stepping alone, with random actions, on the trainer's env threads.
class EnvOnly {
 public:
  static StatusOr<std::unique_ptr<EnvOnly>> Create(const run::RunConfig& config) {
    envsim::BatchOptions bo;
    bo.num_envs = config.num_envs;
    bo.seed = config.seed;
    bo.config = config.task;
    LPT_ASSIGN_OR_RETURN(std::unique_ptr<envsim::ArenaBatch> batch, envsim::ArenaBatch::Create(bo));
    return std::unique_ptr<EnvOnly>(new EnvOnly(config, std::move(batch)));
  }
  // Agent-steps per second over `steps` env steps.
  double Burst(int steps) {
    const envsim::StepBuffers out = storage_.View();
    const Stopwatch watch;
    for (int i = 0; i < steps; ++i) {
      envsim::FillRandomActions(&rng_, &actions_);
      envsim::StepAll(&pool_, batch_.get(), actions_, out);
    }
    return static_cast<double>(storage_.total) * steps / watch.Seconds();
  }

 private:
  EnvOnly(const run::RunConfig& config, std::unique_ptr<envsim::ArenaBatch> batch)
      : pool_(std::min(ThreadsOrCores(config.trainer.env_threads), config.num_envs)),
        batch_(std::move(batch)),
        storage_(*batch_),
        actions_(storage_.total) {}

  ThreadPool pool_;
  std::unique_ptr<envsim::ArenaBatch> batch_;
  envsim::StepStorage storage_;
  std::vector<int32_t> actions_;
  CounterRng rng_{1};
};

// PPO updates alone, on a rollout-sized batch of synthetic observations.
class LearnerOnly {
 public:
  explicit LearnerOnly(const run::RunConfig& config) : config_(config.trainer) {
    const int k = run::TaskFeatures::Create(config).value().size();
    policy_ = trainer::MakePolicy(config_, k, 1);
    adam_ = trainer::MakeOptimizer(policy_, config_);
    const int64_t t = config_.num_steps;
    const int64_t b = static_cast<int64_t>(config.num_envs) * config.task.num_agents;
    r_ = trainer::AllocateRolloutBatch(t, b, k, config_, torch::kCPU);
    r_.obs = torch::randint(0, 4, r_.obs.sizes()).to(torch::kUInt8);
    r_.actions = torch::randint(0, envsim::kNumActions, {t, b}).to(torch::kLong);
    r_.logprobs.fill_(-std::log(static_cast<float>(envsim::kNumActions)));
    r_.rewards = torch::rand({t, b});
    samples_ = t * b;
  }
  // Samples per second of one update.
  double Burst() {
    const Stopwatch watch;
    trainer::PpoUpdate(policy_, *adam_, r_, config_, 0.0, &rng_);
    return static_cast<double>(samples_) / watch.Seconds();
  }

 private:
  run::TrainerConfig config_;
  trainer::Policy policy_{nullptr};
  std::unique_ptr<torch::optim::Adam> adam_;
  trainer::RolloutBatch r_;
  int64_t samples_ = 0;
  CounterRng rng_{2};
};

StatusOr<Report> Run(const BenchArgs& args, const BenchContext& context) {
  LPT_ASSIGN_OR_RETURN(const double seconds, args.Number("seconds", 5, 86400));
  run::RunConfig config = args.config;
  config.trainer.total_timesteps = 1e15;  // the bench decides when to stop

  torch::set_num_threads(ThreadsOrCores(config.trainer.torch_threads));
  LPT_ASSIGN_OR_RETURN(std::unique_ptr<EnvOnly> env_bench, EnvOnly::Create(config));
  LearnerOnly learner_bench(config);
  run::RunConfig lp_config = config;
  lp_config.curriculum.use_lp = true;
  run::RunConfig random_config = config;
  random_config.curriculum.use_lp = false;
  const trainer::TrainOptions quiet;
  LPT_ASSIGN_OR_RETURN(std::unique_ptr<trainer::Trainer> lp,
                       trainer::Trainer::Create(lp_config, quiet));
  LPT_ASSIGN_OR_RETURN(std::unique_ptr<trainer::Trainer> random,
                       trainer::Trainer::Create(random_config, quiet));
  // Warm-up (allocation, first touch), then rounds of: an LP iteration, a DiscreteRandom
  // iteration, one learner-only update and an env-only burst, so every figure is taken under
  // the same machine conditions; medians over the rounds.
  LPT_RETURN_IF_ERROR(lp->RunIteration().status());
  LPT_RETURN_IF_ERROR(random->RunIteration().status());
  learner_bench.Burst();
  env_bench->Burst(20);
  std::vector<double> lp_sps, random_sps, env_sps, learner_sps;
  const Stopwatch watch;
  while (watch.Seconds() < seconds || lp_sps.size() < 10) {
    LPT_ASSIGN_OR_RETURN(const run::MetricsRow lp_row, lp->RunIteration());
    LPT_ASSIGN_OR_RETURN(const run::MetricsRow random_row, random->RunIteration());
    lp_sps.push_back(lp_row.Get("charts/sps"));
    random_sps.push_back(random_row.Get("charts/sps"));
    learner_sps.push_back(learner_bench.Burst());
    env_sps.push_back(env_bench->Burst(100));
    if (context.progress) {
      context.progress(
          StrFormat("bench train: %zu rounds, %.0f s", lp_sps.size(), watch.Seconds()));
    }
  }
  const size_t n = lp_sps.size();
  const size_t tenth = std::max<size_t>(1, n / 10);
  const double env_only = Median(env_sps, 0, n);
  const double learner_only = Median(learner_sps, 0, n);
  const double lp_mid = Median(lp_sps, 0, n);
  const double random_mid = Median(random_sps, 0, n);
  const double lp_start = Median(lp_sps, 0, tenth);
  const double lp_end = Median(lp_sps, n - tenth, n);
  const double degradation = 100.0 * (lp_start - lp_end) / lp_start;
  // The same change with the machine's drift divided out: each LP iteration against the
  // DiscreteRandom iteration next to it.
  std::vector<double> ratio(n);
  for (size_t i = 0; i < n; ++i) ratio[i] = lp_sps[i] / random_sps[i];
  const double relative_degradation =
      100.0 * (1.0 - Median(ratio, n - tenth, n) / Median(ratio, 0, tenth));
  const double efficiency = lp_mid / std::min(env_only, learner_only);
  const long long per_iteration =
      static_cast<long long>(config.trainer.num_steps) * config.num_envs * config.task.num_agents;

  Report report;
  std::string& t = report.text;
  t += StrFormat(
      "medians over %zu rounds (each: an LP iteration, a DiscreteRandom iteration, a learner-only "
      "update, "
      "an env-only burst)\n",
      n);
  t += StrFormat("env only       %12s agent-steps/s  (%d envs x %d agents, random actions)\n",
                 WithThousands(static_cast<long long>(env_only)).c_str(), config.num_envs,
                 config.task.num_agents);
  t += StrFormat("learner only   %12s samples/s      (%d epoch(s) x %d minibatches)\n",
                 WithThousands(static_cast<long long>(learner_only)).c_str(),
                 config.trainer.update_epochs, config.trainer.num_minibatches);
  t += StrFormat("end to end     %12s SPS            (LP curriculum, iterations of %s samples)\n",
                 WithThousands(static_cast<long long>(lp_mid)).c_str(),
                 WithThousands(per_iteration).c_str());
  t +=
      StrFormat("efficiency     %12.2f                (end to end / min(env only, learner only))\n",
                efficiency);
  t += StrFormat("LP / random    %12.3f                (median SPS ratio)\n", lp_mid / random_mid);
  t += StrFormat(
      "degradation    %11.2f%%                (LP, first vs last tenth: %.0f -> %.0f SPS; against "
      "the "
      "paired random iterations: %.2f%%)\n",
      degradation, lp_start, lp_end, relative_degradation);
  JsonWriter json(/*digits=*/9);
  json.BeginObject()
      .String("bench", "train")
      .Number("sps", lp_mid)
      .Number("env_only_sps", env_only)
      .Number("learner_only_sps", learner_only)
      .Number("efficiency", efficiency)
      .Number("lp_vs_random_sps_ratio", lp_mid / random_mid)
      .Number("degradation_pct", degradation)
      .Number("relative_degradation_pct", relative_degradation)
      .Number("random_sps", random_mid)
      .Int("rounds", static_cast<int64_t>(n))
      .EndObject();
  report.json = json.text();
  return report;
}

}  // namespace

Bench TrainBench() {
  Bench b;
  b.name = "train";
  b.summary = "the trainer's SPS: env only, learner only, end to end, LP vs random";
  b.description =
      "Measure env-only SPS, learner-only samples/s, end-to-end SPS, and LP vs DiscreteRandom SPS "
      "over a run "
      "(interleaved iterations).";
  b.options = {{"seconds", "length of the LP vs DiscreteRandom phase", "600"}};
  b.takes_config = true;
  b.run = Run;
  return b;
}

}  // namespace lpt::bench
