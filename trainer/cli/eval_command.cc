// lptrain eval CKPT: the checkpoint's policy, frozen, played on evaluation tasks; per task and
// per class the share of the rooms' agents that made a heart, hearts and items per
// agent-episode, mean return, and the number of room-episodes.
#include <cstdio>
#include <cxxopts.hpp>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/strings.h"
#include "common/thread_pool.h"
#include "io/checkpoint_file.h"
#include "trainer/cli/command_options.h"
#include "trainer/cli/commands.h"
#include "trainer/cli/exit_codes.h"
#include "trainer/evaluator.h"
#include "trainer/run/tasks.h"
#include "trainer/trainer_state.h"

namespace lpt::cli {

int RunEval(int argc, char** argv, const CommandContext&) {
  cxxopts::Options options(
      "lptrain eval",
      "Play a checkpoint's policy, frozen, on evaluation tasks: by default every task of "
      "the run's task set (a grid for spans).");
  options.add_options()("checkpoint", "checkpoint file", cxxopts::value<std::string>())(
      "task", "a task as key=value settings over the run's base task (repeatable)",
      cxxopts::value<std::vector<std::string>>())("recipe", "a named recipe as a task (repeatable)",
                                                  cxxopts::value<std::vector<std::string>>())(
      "class", "only the task set's tasks of this class (possible: all but impossible)",
      cxxopts::value<std::string>())("episodes", "env-episodes per task",
                                     cxxopts::value<int>()->default_value("4"))(
      "seed", "seed of maps and action draws", cxxopts::value<uint64_t>()->default_value("1"))(
      "greedy", "argmax actions instead of sampled ones")(
      "threads", "env threads", cxxopts::value<int>()->default_value("1"))(
      "torch-threads", "LibTorch threads (0: one per core)",
      cxxopts::value<int>()->default_value("1"))(
      "max-tasks", "refuse task sets with more combinations",
      cxxopts::value<int>()->default_value("1024"))("json", "one JSON object instead of the table");
  options.parse_positional({"checkpoint"});
  options.positional_help("CKPT");
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc, argv);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  const auto usage = [](const std::string& message) { return UsageError("lptrain eval", message); };
  if (!args.count("checkpoint")) return usage("give a checkpoint file");
  if (!NoStrayArguments(args, "lptrain eval")) return kExitUsage;
  trainer::EvalOptions opts;
  opts.episodes = args["episodes"].as<int>();
  opts.seed = args["seed"].as<uint64_t>();
  opts.greedy = args.count("greedy") > 0;
  opts.env_threads = args["threads"].as<int>();
  const int torch_threads = args["torch-threads"].as<int>();
  if (opts.episodes < 1 || opts.episodes > 100000) return usage("--episodes: 1 to 100000");
  if (opts.env_threads < 1 || opts.env_threads > 1024) return usage("--threads: 1 to 1024");
  if (torch_threads < 0 || torch_threads > 1024) return usage("--torch-threads: 0 to 1024");
  torch::set_num_threads(ThreadsOrCores(torch_threads));
  const std::string path = args["checkpoint"].as<std::string>();
  StatusOr<trainer::CheckpointPolicy> loaded = trainer::LoadCheckpointPolicy(path);
  if (!loaded.ok()) return usage(loaded.status().message());

  std::vector<trainer::EvalTask> tasks;
  if (args.count("task")) {
    for (const std::string& spec : args["task"].as<std::vector<std::string>>()) {
      StatusOr<trainer::EvalTask> t = trainer::SettingsEvalTask(loaded->config, spec);
      if (!t.ok()) return usage(t.status().message());
      tasks.push_back(*t);
    }
  }
  if (args.count("recipe")) {
    for (const std::string& name : args["recipe"].as<std::vector<std::string>>()) {
      StatusOr<envsim::TaskConfig> recipe = envsim::RecipeByName(name);
      if (!recipe.ok()) return usage("--recipe: " + recipe.status().message());
      recipe->desync_episodes = false;
      tasks.push_back({name, name, *recipe});
    }
  }
  if (tasks.empty()) {
    StatusOr<std::vector<trainer::EvalTask>> set = trainer::TaskSetEvalTasks(
        loaded->config, static_cast<size_t>(std::max(1, args["max-tasks"].as<int>())));
    if (!set.ok()) return usage(set.status().message());
    tasks = *set;
  }
  if (args.count("class")) {
    const std::string wanted = args["class"].as<std::string>();
    std::vector<trainer::EvalTask> kept;
    for (const trainer::EvalTask& t : tasks) {
      if (t.task_class == wanted || (wanted == "possible" && t.task_class != "impossible"))
        kept.push_back(t);
    }
    if (kept.empty()) return usage("--class " + wanted + ": no such tasks");
    tasks = kept;
  }
  StatusOr<std::vector<trainer::EvalTaskResult>> results =
      trainer::Evaluate(loaded->policy, loaded->features, tasks, opts, torch::kCPU);
  if (!results.ok()) return usage(results.status().message());
  const trainer::EvalSummary summary = trainer::Summarize(*results);

  if (args.count("json")) {
    JsonWriter j(9);
    j.BeginObject()
        .String("checkpoint", path)
        .Int("seed", static_cast<int64_t>(opts.seed))
        .Int("episodes", opts.episodes)
        .Bool("greedy", opts.greedy)
        .Int("threads", opts.env_threads)
        .Key("tasks")
        .BeginArray();
    // What a task's and a class's rows share.
    const auto outcome = [](JsonWriter& w, const auto& r) {
      w.Number("success", r.success)
          .Number("hearts", r.hearts)
          .Number("ore_red", r.ore)
          .Number("battery_red", r.battery)
          .Number("return", r.return_mean)
          .Int("room_episodes", r.room_episodes)
          .EndObject();
    };
    for (const trainer::EvalTaskResult& r : *results) {
      outcome(j.BeginObject().String("task", r.name).String("class", r.task_class), r);
    }
    j.EndArray().Key("classes").BeginArray();
    for (const trainer::EvalSummary::Row& r : summary.rows) {
      outcome(j.BeginObject().String("class", r.name).Int("tasks", r.tasks), r);
    }
    j.EndArray().EndObject();
    std::printf("%s\n", j.text().c_str());
    return kExitOk;
  }
  std::printf("lptrain eval %s: %zu tasks x %d episodes, seed %llu, %s actions, %d env thread(s)\n",
              path.c_str(), tasks.size(), opts.episodes, static_cast<unsigned long long>(opts.seed),
              opts.greedy ? "greedy" : "sampled", opts.env_threads);
  size_t width = 20;
  for (const trainer::EvalTaskResult& r : *results) width = std::max(width, r.name.size());
  const std::string header =
      StrFormat("%-*s %-12s %8s %8s %8s %8s %8s %8s\n", static_cast<int>(width), "task", "class",
                "success", "hearts", "ore", "battery", "return", "rooms");
  std::fputs(header.c_str(), stdout);
  for (const trainer::EvalTaskResult& r : *results) {
    std::printf("%-*s %-12s %8.3f %8.3f %8.3f %8.3f %8.3f %8lld\n", static_cast<int>(width),
                r.name.c_str(), r.task_class.c_str(), r.success, r.hearts, r.ore, r.battery,
                r.return_mean, static_cast<long long>(r.room_episodes));
  }
  std::printf("\n%-12s %6s %8s %8s %8s %8s %8s %8s\n", "class", "tasks", "success", "hearts", "ore",
              "battery", "return", "rooms");
  for (const trainer::EvalSummary::Row& r : summary.rows) {
    std::printf("%-12s %6d %8.3f %8.3f %8.3f %8.3f %8.3f %8lld\n", r.name.c_str(), r.tasks,
                r.success, r.hearts, r.ore, r.battery, r.return_mean,
                static_cast<long long>(r.room_episodes));
  }
  return kExitOk;
}

}  // namespace lpt::cli
