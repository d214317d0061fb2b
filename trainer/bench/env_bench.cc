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

#include "common/clock.h"
#include "common/json.h"
#include "common/strings.h"
#include "envsim/arena.h"
#include "envsim/parallel_step.h"
#include "envsim/random_actions.h"
#include "envsim/step_storage.h"
#include "trainer/bench/benches.h"

namespace lpt::bench {
namespace {

// Random actions are drawn before timing: kActionFrames steps' worth, cycled.
constexpr int kActionFrames = 61;

struct RunResult {
  double seconds = 0;
  uint64_t agent_steps = 0;
  envsim::StepProfile profile;
};

class EnvBench {
 public:
  EnvBench(envsim::ArenaBatch* batch, int threads)
      : batch_(batch), threads_(threads), storage_(*batch) {
    const size_t total = storage_.total;
    frames_.resize(kActionFrames);
    CounterRng rng(12345, /*stream=*/0x62656e6368ULL);  // "bench"
    for (std::vector<int32_t>& frame : frames_) {
      frame.resize(total);
      envsim::FillRandomActions(&rng, &frame);
    }
  }

  RunResult Run(double seconds, bool profiled) {
    const envsim::StepBuffers out = storage_.View();
    std::vector<RunResult> per_thread(threads_);
    std::atomic<bool> stop{false};
    const int n = batch_->num_envs();
    auto work = [&](int t) {
      const envsim::EnvRange range = envsim::SplitEnvs(n, t, threads_);
      RunResult& r = per_thread[t];
      const uint64_t agents_per_call =
          static_cast<uint64_t>(range.end - range.begin) * batch_->num_agents();
      for (int frame = 0; !stop.load(std::memory_order_relaxed);
           frame = (frame + 1) % kActionFrames) {
        batch_->Step(range, frames_[frame], out, profiled ? &r.profile : nullptr);
        r.agent_steps += agents_per_call;
      }
    };
    const SteadyClock::time_point start = SteadyClock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads_; ++t) pool.emplace_back(work, t);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (std::thread& th : pool) th.join();
    RunResult total;
    total.seconds = SecondsSince(start);
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

StatusOr<Report> Run(const BenchArgs& args, const BenchContext&) {
  LPT_ASSIGN_OR_RETURN(const int64_t envs, args.Integer("envs", 1, 1 << 20));
  LPT_ASSIGN_OR_RETURN(const int64_t threads, args.Integer("threads", 1, envs));
  LPT_ASSIGN_OR_RETURN(const double seconds, args.Number("seconds", 1e-3, 3600));
  LPT_ASSIGN_OR_RETURN(const int64_t seed, args.Integer("seed", 0, int64_t{1} << 53));
  const std::string recipe_name = args.Text("recipe");
  StatusOr<envsim::TaskConfig> recipe = envsim::RecipeByName(recipe_name);
  if (!recipe.ok()) return recipe.status().WithPrefix("--recipe");
  envsim::BatchOptions opts;
  opts.num_envs = static_cast<int>(envs);
  opts.seed = static_cast<uint64_t>(seed);
  opts.config = *recipe;
  LPT_ASSIGN_OR_RETURN(std::unique_ptr<envsim::ArenaBatch> batch, envsim::ArenaBatch::Create(opts));
  EnvBench bench(batch.get(), static_cast<int>(threads));
  bench.Run(std::min(0.3, seconds), /*profiled=*/false);  // warm-up: caches, page faults
  const RunResult timed = bench.Run(seconds, /*profiled=*/false);
  const RunResult prof = bench.Run(std::max(0.2, seconds / 4), /*profiled=*/true);

  const double sps = static_cast<double>(timed.agent_steps) / timed.seconds;
  const double ns_per_step =
      1e9 * timed.seconds * static_cast<double>(threads) / static_cast<double>(timed.agent_steps);
  const envsim::StepProfile& p = prof.profile;
  const double phase_total = static_cast<double>(p.actions_ns + p.converters_ns + p.rewards_ns +
                                                 p.observations_ns + p.resets_ns);
  auto share = [&](uint64_t ns) {
    return phase_total > 0 ? static_cast<double>(ns) / phase_total : 0.0;
  };
  auto per_step = [&](uint64_t ns) {
    return p.agent_steps > 0 ? static_cast<double>(ns) / static_cast<double>(p.agent_steps) : 0.0;
  };
  const std::pair<const char*, uint64_t> phases[] = {{"actions", p.actions_ns},
                                                     {"converters", p.converters_ns},
                                                     {"rewards", p.rewards_ns},
                                                     {"observations", p.observations_ns},
                                                     {"resets", p.resets_ns}};

  const int agents = batch->num_agents();
  Report report;
  report.text = StrFormat(
      "bench env: recipe %s, %lld envs x %d agents, %lld thread(s), %.1f s, %d-cell view\n",
      recipe_name.c_str(), static_cast<long long>(envs), agents, static_cast<long long>(threads),
      timed.seconds, envsim::kObsSize * envsim::kObsSize);
  report.text += StrFormat("  agent-steps/s      %12.0f\n", sps);
  report.text += StrFormat("  ns per agent-step  %12.1f   (per thread)\n", ns_per_step);
  report.text += "  breakdown (ns per agent-step, share; profiled run):\n";
  for (const auto& [name, ns] : phases) {
    report.text += StrFormat("    %-16s %8.1f  %5.1f%%\n", name, per_step(ns), 100 * share(ns));
  }
  JsonWriter json(/*digits=*/9);
  json.BeginObject()
      .String("bench", "env")
      .String("recipe", recipe_name)
      .Number("agent_steps_per_sec", sps)
      .Number("ns_per_agent_step", ns_per_step)
      .Int("threads", threads)
      .Int("agents_per_env", agents)
      .Int("envs", envs)
      .Number("seconds", timed.seconds)
      .Key("breakdown_ns_per_agent_step")
      .BeginObject();
  for (const auto& [name, ns] : phases) json.Number(name, per_step(ns));
  json.EndObject().EndObject();
  report.json = json.text();
  return report;
}

}  // namespace

Bench EnvBench() {
  Bench b;
  b.name = "env";
  b.summary = "the arena simulator's agent-steps per second under random actions";
  b.description =
      "Step arena envs with uniformly random actions and report agent-steps per second, ns per "
      "agent-step and a "
      "per-phase breakdown (from a second, profiled run).";
  b.options = {{"envs", "number of envs", "64"},
               {"threads", "threads, each stepping a disjoint env range", "1"},
               {"seconds", "length of the timed run", "3"},
               {"recipe", "task recipe (arena, arena_basic_easy_shaped)", "arena"},
               {"seed", "seed", "1"}};
  b.run = Run;
  return b;
}

}  // namespace lpt::bench
