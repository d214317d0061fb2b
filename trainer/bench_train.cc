// lptrain bench train: where the trainer's time goes, in one run. Rounds of: an iteration of
// training with the LP curriculum, one with DiscreteRandom, one learner-only PPO update on a
// rollout-sized batch, and an env-only burst of random actions; every figure is the median
// over the rounds, so all are taken under the same machine conditions.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include <cxxopts.hpp>
#include <torch/torch.h>

#include "common/rng.h"
#include "common/strings.h"
#include "envsim/arena.h"
#include "envsim/step_storage.h"
#include "trainer/bench_util.h"
#include "trainer/command_options.h"
#include "trainer/commands.h"
#include "trainer/config.h"
#include "trainer/exit_codes.h"
#include "trainer/ppo.h"
#include "trainer/thread_pool.h"
#include "trainer/trainer.h"

namespace lpt {

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }


// Env stepping alone, with random actions, on the trainer's env threads.
class EnvOnly {
 public:
  explicit EnvOnly(const RunConfig& config)
      : pool_(std::min(ThreadsOrCores(config.trainer.env_threads), config.num_envs)), batch_(MakeBatch(config)),
        storage_(*batch_), actions_(storage_.total) {}
  // Agent-steps per second over `steps` env steps.
  double Burst(int steps) {
    const envsim::StepBuffers out = storage_.View();
    const int envs = batch_->num_envs();
    const Clock::time_point start = Clock::now();
    for (int i = 0; i < steps; ++i) {
      for (int32_t& a : actions_) a = static_cast<int32_t>(rng_.Below(envsim::kNumActions));
      pool_.Run([&](int part, int parts) { batch_->Step({envs * part / parts, envs * (part + 1) / parts}, actions_, out); });
    }
    return static_cast<double>(storage_.total) * steps / Since(start);
  }

 private:
  static std::unique_ptr<envsim::ArenaBatch> MakeBatch(const RunConfig& config) {
    envsim::BatchOptions bo;
    bo.num_envs = config.num_envs;
    bo.seed = config.seed;
    bo.config = config.task;
    return envsim::ArenaBatch::Create(bo).value();
  }

  ThreadPool pool_;
  std::unique_ptr<envsim::ArenaBatch> batch_;
  envsim::StepStorage storage_;
  std::vector<int32_t> actions_;
  CounterRng rng_{1};
};

// PPO updates alone, on a rollout-sized batch of synthetic observations.
class LearnerOnly {
 public:
  explicit LearnerOnly(const RunConfig& config) : config_(config.trainer) {
    torch::manual_seed(1);
    policy_ = Policy(PolicySpec{config_.hidden_size, config_.conv_channels, config_.use_lstm});
    adam_ = std::make_unique<torch::optim::Adam>(policy_->parameters(),
                                                 torch::optim::AdamOptions(config_.learning_rate).eps(1e-5));
    const int64_t t = config_.num_steps;
    const int64_t b = static_cast<int64_t>(config.num_envs) * config.task.num_agents;
    r_.obs = torch::randint(0, 4, {t, b, envsim::kNumFeatures, envsim::kObsSize, envsim::kObsSize}).to(torch::kUInt8);
    r_.globals = torch::zeros({t, b, envsim::kNumGlobals});
    r_.actions = torch::randint(0, envsim::kNumActions, {t, b}).to(torch::kLong);
    r_.logprobs = torch::full({t, b}, -std::log(static_cast<float>(envsim::kNumActions)));
    r_.values = torch::zeros({t, b});
    r_.rewards = torch::rand({t, b});
    r_.terminated = torch::zeros({t, b});
    r_.truncated = torch::zeros({t, b});
    r_.final_values = torch::zeros({t, b});
    r_.starts = torch::zeros({t, b});
    r_.last_values = torch::zeros({b});
    if (config_.use_lstm) {
      r_.state_h = torch::zeros({t / config_.bptt_horizon, b, config_.hidden_size});
      r_.state_c = torch::zeros_like(r_.state_h);
    }
    samples_ = t * b;
  }
  // Samples per second of one update.
  double Burst() {
    const Clock::time_point start = Clock::now();
    PpoUpdate(policy_, *adam_, r_, config_, 0.0, &rng_);
    return static_cast<double>(samples_) / Since(start);
  }

 private:
  TrainerConfig config_;
  Policy policy_{nullptr};
  std::unique_ptr<torch::optim::Adam> adam_;
  RolloutBatch r_;
  int64_t samples_ = 0;
  CounterRng rng_{2};
};



}  // namespace

int RunBenchTrainCommand(int argc, char** argv) {
  cxxopts::Options options("lptrain bench train",
                           "Measure env-only SPS, learner-only samples/s, end-to-end SPS, and LP vs "
                           "DiscreteRandom SPS over a run (interleaved iterations).");
  options.add_options()
      ("seconds", "length of the LP vs DiscreteRandom phase", cxxopts::value<double>()->default_value("600"))
      ("json", "print one JSON object as the last line");
  AddConfigOptions(&options);
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc, argv);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  const double seconds = args["seconds"].as<double>();
  if (!(seconds >= 5 && seconds <= 86400)) {
    std::fprintf(stderr, "lptrain bench train: --seconds %g must be in [5, 86400]\n", seconds);
    return kExitUsage;
  }
  StatusOr<RunConfig> config = ConfigFromArguments(args);
  if (!config.ok()) {
    std::fprintf(stderr, "lptrain bench train: %s\n", config.status().message().c_str());
    return kExitUsage;
  }
  config->trainer.total_timesteps = 1e15;  // the bench decides when to stop

  torch::set_num_threads(ThreadsOrCores(config->trainer.torch_threads));
  EnvOnly env_bench(*config);
  LearnerOnly learner_bench(*config);
  RunConfig lp_config = *config;
  lp_config.curriculum.use_lp = true;
  RunConfig random_config = *config;
  random_config.curriculum.use_lp = false;
  TrainOptions quiet;
  quiet.print_progress = false;
  auto lp = Trainer::Create(lp_config, quiet);
  auto random = Trainer::Create(random_config, quiet);
  if (!lp.ok() || !random.ok()) {
    std::fprintf(stderr, "lptrain bench train: %s\n", (lp.ok() ? random.status() : lp.status()).message().c_str());
    return kExitUsage;
  }
  // Warm-up (allocation, first touch), then rounds of: an LP iteration, a DiscreteRandom
  // iteration, one learner-only update and an env-only burst, so every figure is taken under
  // the same machine conditions; medians over the rounds.
  (*lp)->RunIteration().value();
  (*random)->RunIteration().value();
  learner_bench.Burst();
  env_bench.Burst(20);
  std::vector<double> lp_sps, random_sps, env_sps, learner_sps;
  const Clock::time_point start = Clock::now();
  while (Since(start) < seconds || lp_sps.size() < 10) {
    lp_sps.push_back((*lp)->RunIteration().value().Get("charts/sps"));
    random_sps.push_back((*random)->RunIteration().value().Get("charts/sps"));
    learner_sps.push_back(learner_bench.Burst());
    env_sps.push_back(env_bench.Burst(100));
    std::fprintf(stderr, "\rbench train: %zu rounds, %.0f s", lp_sps.size(), Since(start));
  }
  std::fputs("\n", stderr);
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
  const double relative_degradation = 100.0 * (1.0 - Median(ratio, n - tenth, n) / Median(ratio, 0, tenth));
  const double efficiency = lp_mid / std::min(env_only, learner_only);
  std::printf("medians over %zu rounds (each: an LP iteration, a DiscreteRandom iteration, a learner-only "
              "update, an env-only burst)\n", n);
  std::printf("env only       %12s agent-steps/s  (%d envs x %d agents, random actions)\n",
              WithThousands(static_cast<long long>(env_only)).c_str(), config->num_envs, config->task.num_agents);
  std::printf("learner only   %12s samples/s      (%d epoch(s) x %d minibatches)\n",
              WithThousands(static_cast<long long>(learner_only)).c_str(), config->trainer.update_epochs,
              config->trainer.num_minibatches);
  std::printf("end to end     %12s SPS            (LP curriculum, iterations of %s samples)\n",
              WithThousands(static_cast<long long>(lp_mid)).c_str(),
              WithThousands(static_cast<long long>(config->trainer.num_steps) * config->num_envs * config->task.num_agents).c_str());
  std::printf("efficiency     %12.2f                (end to end / min(env only, learner only))\n", efficiency);
  std::printf("LP / random    %12.3f                (median SPS ratio)\n", lp_mid / random_mid);
  std::printf("degradation    %11.2f%%                (LP, first vs last tenth: %.0f -> %.0f SPS; "
              "against the paired random iterations: %.2f%%)\n",
              degradation, lp_start, lp_end, relative_degradation);
  if (args.count("json")) {
    std::printf(
        "{\"bench\":\"train\",\"sps\":%.1f,\"env_only_sps\":%.1f,\"learner_only_sps\":%.1f,\"efficiency\":%.4f,"
        "\"lp_vs_random_sps_ratio\":%.4f,\"degradation_pct\":%.3f,\"relative_degradation_pct\":%.3f,"
        "\"random_sps\":%.1f,\"rounds\":%zu}\n",
        lp_mid, env_only, learner_only, efficiency, lp_mid / random_mid, degradation, relative_degradation, random_mid, n);
  }
  return kExitOk;
}

}  // namespace lpt
