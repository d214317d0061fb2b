// lptrain bench env: agent-steps per second of the arena simulator under random actions.
//
// The throughput run is unprofiled; a second, shorter run with per-phase timers gives the
// breakdown. Threads step disjoint env ranges of one batch, as the trainer does.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <cxxopts.hpp>

#include "envsim/arena.h"
#include "envsim/step_storage.h"
#include "trainer/command_options.h"
#include "trainer/commands.h"
#include "trainer/exit_codes.h"
#include "trainer/random_actions.h"

namespace lpt {
namespace {

using Clock = std::chrono::steady_clock;

// Random actions are drawn before timing: kActionFrames steps' worth, cycled.
constexpr int kActionFrames = 61;

struct RunResult {
  double seconds = 0;
  uint64_t agent_steps = 0;
  envsim::StepProfile profile;
};

class EnvBench {
 public:
  EnvBench(envsim::ArenaBatch* batch, int threads) : batch_(batch), threads_(threads), storage_(*batch) {
    const size_t total = storage_.total;
    frames_.resize(kActionFrames);
    CounterRng rng(12345, /*stream=*/0x62656e6368ULL);  // "bench"
    for (std::vector<int32_t>& frame : frames_) {
      frame.resize(total);
      FillRandomActions(&rng, &frame);
    }
  }

  RunResult Run(double seconds, bool profiled) {
    const envsim::StepBuffers out = storage_.View();
    std::vector<RunResult> per_thread(threads_);
    std::atomic<bool> stop{false};
    const int n = batch_->num_envs();
    auto work = [&](int t) {
      const envsim::EnvRange range{n * t / threads_, n * (t + 1) / threads_};
      RunResult& r = per_thread[t];
      const uint64_t agents_per_call = static_cast<uint64_t>(range.end - range.begin) * batch_->num_agents();
      for (int frame = 0; !stop.load(std::memory_order_relaxed); frame = (frame + 1) % kActionFrames) {
        batch_->Step(range, frames_[frame], out, profiled ? &r.profile : nullptr);
        r.agent_steps += agents_per_call;
      }
    };
    const Clock::time_point start = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads_; ++t) pool.emplace_back(work, t);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (std::thread& th : pool) th.join();
    RunResult total;
    total.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    for (const RunResult& r : per_thread) {
      total.agent_steps += r.agent_steps;
      total.profile.actions_ns += r.profile.actions_ns;
      total.profile.converters_ns += r.profile.converters_ns;
      total.profile.rewards_ns += r.profile.rewards_ns;
      total.profile.observations_ns += r.profile.observations_ns;
      total.profile.resets_ns += r.profile.resets_ns;
      total.profile.agent_steps += r.profile.agent_steps;
    }
    return total;
  }

 private:
  envsim::ArenaBatch* batch_;
  int threads_;
  envsim::StepStorage storage_;
  std::vector<std::vector<int32_t>> frames_;
};

}  // namespace

int RunBenchEnvCommand(int argc, char** argv) {
  cxxopts::Options options("lptrain bench env",
                           "Step arena envs with uniformly random actions and report "
                           "agent-steps per second, ns per agent-step and a per-phase breakdown.");
  options.add_options()
      ("envs", "number of envs", cxxopts::value<int>()->default_value("64"))
      ("threads", "threads, each stepping a disjoint env range", cxxopts::value<int>()->default_value("1"))
      ("seconds", "length of the timed run", cxxopts::value<double>()->default_value("3"))
      ("recipe", "task recipe (arena, arena_basic_easy_shaped)",
       cxxopts::value<std::string>()->default_value("arena"))
      ("seed", "seed", cxxopts::value<uint64_t>()->default_value("1"))
      ("json", "print one JSON object as the last line");
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc, argv);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  if (!NoStrayArguments(args, "lptrain bench env")) return kExitUsage;
  const int envs = args["envs"].as<int>();
  const int threads = args["threads"].as<int>();
  const double seconds = args["seconds"].as<double>();
  if (envs < 1 || threads < 1 || threads > envs || !(seconds > 0 && seconds <= 3600)) {
    std::fprintf(stderr,
                 "lptrain bench env: need --envs >= 1, 1 <= --threads <= --envs and "
                 "0 < --seconds <= 3600 (got %d, %d, %g)\n",
                 envs, threads, seconds);
    return kExitUsage;
  }
  const std::string recipe_name = args["recipe"].as<std::string>();
  StatusOr<envsim::TaskConfig> recipe = envsim::RecipeByName(recipe_name);
  if (!recipe.ok()) {
    std::fprintf(stderr, "lptrain bench env: --recipe: %s\n", recipe.status().message().c_str());
    return kExitUsage;
  }
  envsim::BatchOptions opts;
  opts.num_envs = envs;
  opts.seed = args["seed"].as<uint64_t>();
  opts.config = *recipe;
  StatusOr<std::unique_ptr<envsim::ArenaBatch>> created = envsim::ArenaBatch::Create(opts);
  if (!created.ok()) {
    std::fprintf(stderr, "lptrain bench env: %s\n", created.status().ToString().c_str());
    return kExitUsage;
  }
  EnvBench bench(created->get(), threads);
  bench.Run(std::min(0.3, seconds), /*profiled=*/false);  // warm-up: caches, page faults
  const RunResult timed = bench.Run(seconds, /*profiled=*/false);
  const RunResult prof = bench.Run(std::max(0.2, seconds / 4), /*profiled=*/true);

  const double sps = static_cast<double>(timed.agent_steps) / timed.seconds;
  const double ns_per_step = 1e9 * timed.seconds * threads / static_cast<double>(timed.agent_steps);
  const envsim::StepProfile& p = prof.profile;
  const double phase_total = static_cast<double>(p.actions_ns + p.converters_ns + p.rewards_ns +
                                                 p.observations_ns + p.resets_ns);
  auto share = [&](uint64_t ns) { return phase_total > 0 ? static_cast<double>(ns) / phase_total : 0.0; };
  auto per_step = [&](uint64_t ns) {
    return p.agent_steps > 0 ? static_cast<double>(ns) / static_cast<double>(p.agent_steps) : 0.0;
  };

  const int agents = (*created)->num_agents();
  std::printf("bench env: recipe %s, %d envs x %d agents, %d thread(s), %.1f s, %d-cell view\n",
              recipe_name.c_str(), envs, agents, threads, timed.seconds, envsim::kObsSize * envsim::kObsSize);
  std::printf("  agent-steps/s      %12.0f\n", sps);
  std::printf("  ns per agent-step  %12.1f   (per thread)\n", ns_per_step);
  std::printf("  breakdown (ns per agent-step, share; profiled run):\n");
  std::printf("    actions          %8.1f  %5.1f%%\n", per_step(p.actions_ns), 100 * share(p.actions_ns));
  std::printf("    converters       %8.1f  %5.1f%%\n", per_step(p.converters_ns), 100 * share(p.converters_ns));
  std::printf("    rewards          %8.1f  %5.1f%%\n", per_step(p.rewards_ns), 100 * share(p.rewards_ns));
  std::printf("    observations     %8.1f  %5.1f%%\n", per_step(p.observations_ns), 100 * share(p.observations_ns));
  std::printf("    resets           %8.1f  %5.1f%%\n", per_step(p.resets_ns), 100 * share(p.resets_ns));
  if (args.count("json")) {
    std::printf(
        "{\"bench\":\"env\",\"recipe\":\"%s\",\"agent_steps_per_sec\":%.0f,\"ns_per_agent_step\":%.2f,"
        "\"threads\":%d,\"agents_per_env\":%d,\"envs\":%d,\"seconds\":%.3f,"
        "\"breakdown_ns_per_agent_step\":{\"actions\":%.2f,\"converters\":%.2f,\"rewards\":%.2f,"
        "\"observations\":%.2f,\"resets\":%.2f}}\n",
        recipe_name.c_str(), sps, ns_per_step, threads, agents, envs, timed.seconds,
        per_step(p.actions_ns), per_step(p.converters_ns), per_step(p.rewards_ns),
        per_step(p.observations_ns), per_step(p.resets_ns));
  }
  return kExitOk;
}

}  // namespace lpt
