// Evaluation of a frozen policy: an episode player (every task once per episode, all envs in one
// batch, the policy in inference mode) and the evaluator on top of it, which reports per task
// and per class how often the rooms' agents made a heart and what they gained. Used by `lptrain
// eval`, by evaluation during training (eval.*), and by `lptrain bench learning`.
//
// Deterministic: maps come from (seed, env), actions from a counter-based stream keyed by the
// seed and drawn in agent order, so the same seed gives the same results whatever the number of
// env threads.
#ifndef LPTRAIN_TRAINER_EVALUATOR_H_
#define LPTRAIN_TRAINER_EVALUATOR_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "envsim/arena.h"
#include "trainer/policy.h"
#include "trainer/run/config.h"
#include "trainer/run/tasks.h"

namespace lpt::trainer {

struct EvalTask {
  std::string name;        // e.g. the task's label, or the key=value list it came from
  std::string task_class;  // "impossible", "trivial", "learnable", a recipe name, ...
  envsim::TaskConfig config;
};

// The tasks of a run's task set: every combination of a finite set (labels as names, classes
// from the labels); for spans, the bin centres. InvalidArgument when there are more than
// max_tasks (evaluate chosen tasks instead). Combinations that are not valid envs are skipped.
StatusOr<std::vector<EvalTask>> TaskSetEvalTasks(const run::RunConfig& config,
                                                 size_t max_tasks = 1024);
// A task from "key=value" settings (comma or space separated) over the run's base task.
StatusOr<EvalTask> SettingsEvalTask(const run::RunConfig& config, const std::string& settings);

struct EvalOptions {
  int episodes = 2;     // env-episodes per task
  uint64_t seed = 1;    // maps and action draws
  bool greedy = false;  // argmax actions instead of sampled ones
  int env_threads = 1;
};

struct EvalTaskResult {
  std::string name;
  std::string task_class;
  int64_t room_episodes = 0;
  int64_t agent_episodes = 0;
  double success = 0;      // mean over room-episodes of the share of agents that made a heart
  double hearts = 0;       // per agent-episode
  double ore = 0;          // ore_red gained per agent-episode
  double battery = 0;      // battery_red gained per agent-episode
  double return_mean = 0;  // per agent-episode
};

// Sees the player's batch before the first step (step 0, actions all 0) and after each step
// (step t + 1, with the actions of step t; an env whose episode ended in that step already shows
// its next episode, its finished one in LastEpisode). Returning false stops the play there (the
// results then cover only the episodes that had ended).
using StepObserver = std::function<bool(int step, const envsim::ArenaBatch& batch,
                                        const std::vector<int32_t>& actions)>;

// Plays `episodes` episodes of every task (env t * episodes + k plays episode k of task t),
// each env exactly one episode, and returns per-task results. `features` gives the policy's task
// inputs (of the run the policy was trained in).
StatusOr<std::vector<EvalTaskResult>> Evaluate(Policy& policy, const run::TaskFeatures& features,
                                               const std::vector<EvalTask>& tasks,
                                               const EvalOptions& options, torch::Device device,
                                               const StepObserver& observer = nullptr);

// Means over tasks, per class and over the classes that are not "impossible" ("possible").
struct EvalSummary {
  struct Row {
    std::string name;  // class name, "possible" or "all"
    int tasks = 0;
    double success = 0, hearts = 0, ore = 0, battery = 0, return_mean = 0;
    int64_t room_episodes = 0;
  };
  std::vector<Row> rows;  // every class in order of appearance, then "possible", then "all"
  const Row* Find(const std::string& name) const;
};
EvalSummary Summarize(const std::vector<EvalTaskResult>& results);

}  // namespace lpt::trainer

#endif  // LPTRAIN_TRAINER_EVALUATOR_H_
