// lptrain bench train: where the trainer's time goes, in one run.
//   env-only SPS      the envs stepped with random actions on the trainer's env threads
//   learner-only      PPO updates on a rollout-sized batch (samples per second)
//   end to end        training with the LP curriculum
//   LP vs random      training with LP and with DiscreteRandom, one iteration each in turn,
//                     so both see the same machine; SPS at the start vs the end of the run
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
#include "trainer/commands.h"
#include "trainer/config.h"
#include "trainer/exit_codes.h"
#include "trainer/ppo.h"
#include "trainer/thread_pool.h"
#include "trainer/trainer.h"

namespace lpt {
StatusOr<RunConfig> ConfigFromArguments(const cxxopts::ParseResult& args);

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int Threads(int requested) { return requested > 0 ? requested : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

double EnvOnlySps(const RunConfig& config, double seconds) {
  envsim::BatchOptions bo;
  bo.num_envs = config.num_envs;
  bo.seed = config.seed;
  bo.config = config.task;
  auto batch = envsim::ArenaBatch::Create(bo).value();
  const size_t n = static_cast<size_t>(bo.num_envs) * batch->num_agents();
  std::vector<uint8_t> obs(n * envsim::kObsPerAgent), term(n), trunc(n), end(bo.num_envs);
  std::vector<float> globals(n * envsim::kNumGlobals), rewards(n);
  std::vector<int32_t> actions(n);
  const envsim::StepBuffers out{obs, globals, rewards, term, trunc, end, {}, {}};
  ThreadPool pool(std::min(Threads(config.trainer.env_threads), bo.num_envs));
  CounterRng rng(1);
  int64_t steps = 0;
  const Clock::time_point start = Clock::now();
  while (Since(start) < seconds) {
    for (int32_t& a : actions) a = static_cast<int32_t>(rng.Below(envsim::kNumActions));
    pool.Run([&](int part, int parts) {
      batch->Step({bo.num_envs * part / parts, bo.num_envs * (part + 1) / parts}, actions, out);
    });
    steps += static_cast<int64_t>(n);
  }
  return static_cast<double>(steps) / Since(start);
}

double LearnerOnlySamplesPerSec(const RunConfig& config, double seconds) {
  const TrainerConfig& tc = config.trainer;
  torch::set_num_threads(Threads(tc.torch_threads));
  torch::manual_seed(1);
  Policy policy(PolicySpec{tc.hidden_size, tc.conv_channels, tc.use_lstm});
  torch::optim::Adam adam(policy->parameters(), torch::optim::AdamOptions(tc.learning_rate).eps(1e-5));
  const int64_t t = tc.num_steps;
  const int64_t b = static_cast<int64_t>(config.num_envs) * config.task.num_agents;
  RolloutBatch r;
  r.obs = torch::randint(0, 4, {t, b, envsim::kNumFeatures, envsim::kObsSize, envsim::kObsSize}).to(torch::kUInt8);
  r.globals = torch::zeros({t, b, envsim::kNumGlobals});
  r.actions = torch::randint(0, envsim::kNumActions, {t, b}).to(torch::kLong);
  r.logprobs = torch::full({t, b}, -std::log(static_cast<float>(envsim::kNumActions)));
  r.values = torch::zeros({t, b});
  r.rewards = torch::rand({t, b});
  r.terminated = torch::zeros({t, b});
  r.truncated = torch::zeros({t, b});
  r.final_values = torch::zeros({t, b});
  r.starts = torch::zeros({t, b});
  r.last_values = torch::zeros({b});
  if (tc.use_lstm) {
    r.state_h = torch::zeros({t / tc.bptt_horizon, b, tc.hidden_size});
    r.state_c = torch::zeros_like(r.state_h);
  }
  CounterRng rng(2);
  PpoUpdate(policy, adam, r, tc, 0.0, &rng);  // warm-up
  int64_t samples = 0;
  const Clock::time_point start = Clock::now();
  while (Since(start) < seconds) {
    PpoUpdate(policy, adam, r, tc, 0.0, &rng);
    samples += t * b;
  }
  return static_cast<double>(samples) / Since(start);
}

double Median(const std::vector<double>& v, size_t begin, size_t end) {
  std::vector<double> part(v.begin() + static_cast<ptrdiff_t>(begin), v.begin() + static_cast<ptrdiff_t>(end));
  std::sort(part.begin(), part.end());
  return part[part.size() / 2];
}

double Mean(const std::vector<double>& v, size_t begin, size_t end) {
  return std::accumulate(v.begin() + static_cast<ptrdiff_t>(begin), v.begin() + static_cast<ptrdiff_t>(end), 0.0) /
         static_cast<double>(end - begin);
}

}  // namespace

int RunBenchTrainCommand(int argc, char** argv) {
  cxxopts::Options options("lptrain bench train",
                           "Measure env-only SPS, learner-only samples/s, end-to-end SPS, and LP vs "
                           "DiscreteRandom SPS over a run (interleaved iterations).");
  options.add_options()
      ("seconds", "length of the LP vs DiscreteRandom phase", cxxopts::value<double>()->default_value("600"))
      ("json", "print one JSON object as the last line")
      ("config", "YAML config file", cxxopts::value<std::string>())
      ("overrides", "key=value settings", cxxopts::value<std::vector<std::string>>())
      ("h,help", "show this help");
  options.parse_positional({"overrides"});
  const cxxopts::ParseResult args = options.parse(argc, argv);
  if (args.count("help")) {
    std::fputs(options.help().c_str(), stdout);
    return kExitOk;
  }
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

  const double env_only = EnvOnlySps(*config, 4);
  std::printf("env only       %12s agent-steps/s  (%d envs x %d agents, random actions)\n",
              WithThousands(static_cast<long long>(env_only)).c_str(), config->num_envs, config->task.num_agents);
  std::fflush(stdout);
  const double learner_only = LearnerOnlySamplesPerSec(*config, 8);
  std::printf("learner only   %12s samples/s      (%d epoch(s) x %d minibatches)\n",
              WithThousands(static_cast<long long>(learner_only)).c_str(), config->trainer.update_epochs,
              config->trainer.num_minibatches);
  std::fflush(stdout);

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
  (*lp)->RunIteration().value();  // warm-up (allocation, first-touch)
  (*random)->RunIteration().value();
  std::vector<double> lp_sps, random_sps;
  const Clock::time_point start = Clock::now();
  while (Since(start) < seconds || lp_sps.size() < 10) {
    lp_sps.push_back((*lp)->RunIteration().value().Get("charts/sps"));
    random_sps.push_back((*random)->RunIteration().value().Get("charts/sps"));
  }
  const size_t n = lp_sps.size();
  const size_t tenth = std::max<size_t>(1, n / 10);
  const double lp_avg = Mean(lp_sps, 0, n);
  const double random_avg = Mean(random_sps, 0, n);
  const double lp_start = Mean(lp_sps, 0, tenth);
  const double lp_end = Mean(lp_sps, n - tenth, n);
  const double random_start = Mean(random_sps, 0, tenth);
  const double random_end = Mean(random_sps, n - tenth, n);
  // LP's own start-to-end change with the machine's drift divided out: each LP iteration is
  // compared with the DiscreteRandom iteration run right after it, and the medians of these
  // ratios over the first and the last tenth are compared.
  std::vector<double> ratio(n);
  for (size_t i = 0; i < n; ++i) ratio[i] = lp_sps[i] / random_sps[i];
  const double degradation = 100.0 * (1.0 - Median(ratio, n - tenth, n) / Median(ratio, 0, tenth));
  const double raw_degradation = 100.0 * (lp_start - lp_end) / lp_start;
  const double efficiency = lp_avg / std::min(env_only, learner_only);
  std::printf("end to end     %12s SPS            (LP curriculum, %zu iterations of %s samples)\n",
              WithThousands(static_cast<long long>(lp_avg)).c_str(), n,
              WithThousands(static_cast<long long>(config->trainer.num_steps) * config->num_envs * config->task.num_agents).c_str());
  std::printf("efficiency     %12.2f                (end to end / min(env only, learner only))\n", efficiency);
  std::printf("LP / random    %12.3f                (SPS ratio over %zu interleaved iteration pairs)\n",
              lp_avg / random_avg, n);
  std::printf("LP start->end  %12.0f -> %.0f SPS   (first and last tenth; random: %.0f -> %.0f)\n", lp_start,
              lp_end, random_start, random_end);
  std::printf("degradation    %11.2f%%                (LP vs its paired random iterations, first vs last "
              "tenth; raw %.2f%%)\n", degradation,
              raw_degradation);
  if (args.count("json")) {
    std::printf(
        "{\"bench\":\"train\",\"sps\":%.1f,\"env_only_sps\":%.1f,\"learner_only_sps\":%.1f,\"efficiency\":%.4f,"
        "\"lp_vs_random_sps_ratio\":%.4f,\"degradation_pct\":%.3f,\"raw_degradation_pct\":%.3f,"
        "\"random_sps\":%.1f,\"iterations\":%zu}\n",
        lp_avg, env_only, learner_only, efficiency, lp_avg / random_avg, degradation, raw_degradation, random_avg, n);
  }
  return kExitOk;
}

}  // namespace lpt
