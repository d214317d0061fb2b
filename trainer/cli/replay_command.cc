// lptrain replay CKPT --out FILE.html: one episode of the checkpoint's policy, written as a
// self-contained HTML page that plays it back (trainer/replay.h).
#include <cstdio>
#include <cxxopts.hpp>
#include <string>
#include <vector>

#include "common/files.h"
#include "common/thread_pool.h"
#include "trainer/cli/command_options.h"
#include "trainer/cli/commands.h"
#include "trainer/cli/exit_codes.h"
#include "trainer/replay.h"
#include "trainer/trainer_state.h"

namespace lpt::cli {

int RunReplay(int argc, char** argv, const CommandContext&) {
  cxxopts::Options options(
      "lptrain replay",
      "Play one episode with a checkpoint's policy and write it as one self-contained HTML page "
      "(no network) that draws the map step by step: play/pause, step, scrub, speed, and each "
      "agent's reward, hearts, inventory and actions so far. The task is the run's base task "
      "unless --task or --recipe names one.");
  options.add_options()("checkpoint", "checkpoint file", cxxopts::value<std::string>())(
      "task", "the task as key=value settings over the run's base task (comma separated)",
      cxxopts::value<std::string>())("recipe", "a named recipe as the task",
                                     cxxopts::value<std::string>())(
      "seed", "seed of the map and the action draws",
      cxxopts::value<uint64_t>()->default_value("1"))(
      "steps", "steps to record (0: the whole episode)", cxxopts::value<int>()->default_value("0"))(
      "greedy", "argmax actions instead of sampled ones")("out", "the HTML file to write",
                                                          cxxopts::value<std::string>());
  options.parse_positional({"checkpoint"});
  options.positional_help("CKPT --out FILE.html");
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc, argv);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  const auto usage = [](const std::string& message) {
    return UsageError("lptrain replay", message);
  };
  if (!args.count("checkpoint")) return usage("give a checkpoint file");
  if (!args.count("out")) return usage("give --out FILE.html");
  if (!NoStrayArguments(args, "lptrain replay")) return kExitUsage;
  if (args.count("task") && args.count("recipe")) return usage("give --task or --recipe, not both");
  trainer::ReplayOptions opts;
  opts.seed = args["seed"].as<uint64_t>();
  opts.steps = args["steps"].as<int>();
  opts.greedy = args.count("greedy") > 0;
  if (opts.steps < 0 || opts.steps > 1000000) return usage("--steps: 0 to 1000000");
  const std::string path = args["checkpoint"].as<std::string>();
  const std::string out = args["out"].as<std::string>();
  torch::set_num_threads(1);
  StatusOr<trainer::CheckpointPolicy> loaded = trainer::LoadCheckpointPolicy(path);
  if (!loaded.ok()) return usage(loaded.status().message());

  trainer::EvalTask task{"base task", "custom", loaded->config.task};
  task.config.desync_episodes = false;
  if (args.count("task")) {
    StatusOr<trainer::EvalTask> t =
        trainer::SettingsEvalTask(loaded->config, args["task"].as<std::string>());
    if (!t.ok()) return usage(t.status().message());
    task = *t;
  } else if (args.count("recipe")) {
    const std::string name = args["recipe"].as<std::string>();
    StatusOr<envsim::TaskConfig> recipe = envsim::RecipeByName(name);
    if (!recipe.ok()) return usage("--recipe: " + recipe.status().message());
    recipe->desync_episodes = false;
    task = {name, name, *recipe};
  }
  StatusOr<trainer::Replay> replay =
      trainer::RecordReplay(loaded->policy, loaded->features, task, opts, torch::kCPU);
  if (!replay.ok()) return usage(replay.status().message());
  const Status written =
      WriteFileAtomically(out, trainer::ReplayHtml(*replay, "lptrain replay: " + path));
  if (!written.ok()) {
    std::fprintf(stderr, "lptrain replay: %s\n", written.message().c_str());
    return kExitRuntimeError;
  }
  int hearts = 0;
  for (const trainer::ReplayAgent& a : replay->frames.back().agents) hearts += a.hearts;
  std::printf(
      "lptrain replay: %s: task %s, seed %llu, %zu frames (%zu steps%s), %zu agents, %d hearts\n",
      out.c_str(), task.name.c_str(), static_cast<unsigned long long>(opts.seed),
      replay->frames.size(), replay->frames.size() - 1,
      replay->episode_ended ? ", the whole episode" : "", replay->frames.back().agents.size(),
      hearts);
  return kExitOk;
}

}  // namespace lpt::cli
