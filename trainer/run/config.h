// The run configuration: every module's config struct behind dotted keys (`env.*`,
// `curriculum.*`, `trainer.*`, plus `seed` and `run`), set from a YAML file and `key=value`
// arguments (later wins). The original system's names (`use_lp=True`,
// `perf_invalidation_batch_size=100`, `num_active_tasks=200`, `run=NAME`) are accepted as
// written. Unknown keys fail with a suggestion; bad values fail naming key, value and range.
//
// Torch-free: parsing and validation only. Parse in main, pass `const RunConfig&` down. How a
// config's tasks become envs is trainer/run/tasks.h.
#ifndef LPTRAIN_TRAINER_RUN_CONFIG_H_
#define LPTRAIN_TRAINER_RUN_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/fields.h"
#include "common/status.h"
#include "curriculum/config.h"
#include "curriculum/task_generator.h"
#include "envsim/task_config.h"

namespace YAML {
class Node;
}

namespace lpt::run {

struct TrainerConfig {
  double total_timesteps = 10e6;  // agent-steps of the whole run (all ranks)
  int num_steps = 64;             // rollout length per env per iteration
  double learning_rate = 1e-3;
  bool anneal_lr = true;  // linearly to 0 over the run
  double gamma = 0.99;
  double gae_lambda = 0.95;
  int update_epochs = 4;
  int num_minibatches = 4;
  bool norm_adv = true;  // per-minibatch advantage normalisation
  double clip_coef = 0.2;
  bool clip_vloss = true;
  double vf_coef = 0.5;
  double ent_coef = 0.01;
  double max_grad_norm = 0.5;
  double target_kl = 0;  // > 0: stop the epochs once approx_kl exceeds it
  bool vtrace = false;   // V-trace-clipped advantages, recomputed each epoch
  double vtrace_rho_clip = 1.0;
  double vtrace_c_clip = 1.0;
  double prio_alpha = 0;    // > 0: prioritised segment replay
  double prio_beta0 = 0.6;  // importance-weight exponent at the start (annealed to 1)
  bool use_lstm = false;
  // Attack actions get probability 0 for agents that cannot pay for an attack (they would fail).
  bool mask_attacks = true;
  // An episode that reaches max_steps ends for the learner (no bootstrap): the agent sees the
  // episode's progress, so the time limit is part of its state. Only episodes cut short by
  // desync bootstrap from the value of their final observation.
  bool time_limit_terminal = true;
  // > 0: rewards the learner sees are clipped to [-reward_clip, reward_clip] (metrics and the
  // curriculum keep the raw ones).
  double reward_clip = 0;
  int bptt_horizon = 16;  // segment length (LSTM truncated BPTT; replay unit)
  int hidden_size = 128;
  int conv_channels = 32;
  int torch_threads = 0;            // 0: one per core
  int env_threads = 0;              // 0: one per core
  int log_interval = 1;             // iterations between metrics lines
  int checksum_interval = 10;       // iterations between cross-rank parameter checks (0: never)
  int debug_fail_iteration = 0;     // fault injection for tests: fail at this iteration ...
  int debug_fail_rank = 0;          // ... on this rank
  int debug_perturb_iteration = 0;  // fault injection for tests: nudge a parameter on that rank
};
using TrainerField = Field<TrainerConfig>;
const std::vector<TrainerField>& TrainerFields();

// When checkpoints are written (RUN_DIR/checkpoints/ckpt-<iteration>.h5; docs/design.md §6). A
// final one is always written when a run ends or is stopped.
struct CheckpointConfig {
  int interval = 25;   // iterations between checkpoints (0: only the final one)
  double seconds = 0;  // > 0: also once this much wall time passed since the last one
  int keep_last = 3;   // checkpoints kept; older ones are deleted once a newer one is written
};
using CheckpointField = Field<CheckpointConfig>;
const std::vector<CheckpointField>& CheckpointFields();

// Evaluation during training: every `interval` iterations rank 0 plays `episodes` episodes of
// every task of the run's task set with the frozen policy; eval/* in metrics.jsonl.
struct EvalConfig {
  int interval = 0;     // iterations between evaluations (0: none)
  int episodes = 2;     // env-episodes per task (each gives one result per room)
  bool greedy = false;  // argmax actions instead of sampled ones
};
using EvalField = Field<EvalConfig>;
const std::vector<EvalField>& EvalFields();

// The ranks of a job (docs/design.md §7).
struct DistributedConfig {
  // Every collective of the training loop completes within this many seconds, or the job
  // ends (exit 4 on every rank) naming the operation and the ranks that did not arrive. Sized
  // for the longest wait the loop has: rank 0 writing a checkpoint or evaluating. 0: wait forever.
  double timeout_seconds = 900;
};
using DistributedField = Field<DistributedConfig>;
const std::vector<DistributedField>& DistributedFields();

// Which tasks the curriculum chooses from (curriculum.task_set):
//   auto:             mixed_difficulty for the hearts recipe, arena_buckets for the others
//   mixed_difficulty: impossible, trivial and learnable variants of the hearts recipe
//                     (run/tasks.h); the class of a task is the first part of its label
//   arena_buckets:    the original arena buckets (shaped rewards and their caps, attack cost,
//                     converters' initial resources), plus any curriculum.buckets.* given
//   single:           one task, the env config itself
//   custom:           only the curriculum.buckets.* given
struct RunConfig {
  uint64_t seed = 1;
  std::string run;  // run name (default run directory runs/<run>)
  std::string env_recipe = "arena_basic_easy_shaped";
  int num_envs = 4;                    // envs per rank
  envsim::TaskConfig task;             // the recipe with env.* overrides applied
  std::string task_features = "auto";  // auto | on | off: the task's varied params as inputs
  std::string curriculum_preset = "auto";
  std::string task_set = "auto";
  std::string pool = "auto";      // auto | enumerated | sampled
  std::string score = "success";  // success | return: what a room's episode tells the curriculum
  double score_max = 0;           // score=return: the attainable return per agent it is divided by
  curriculum::CurriculumConfig curriculum;
  std::map<std::string, curriculum::Bucket> buckets;  // env field -> values (custom sets)
  // The resolved task set: the curriculum's generator specs (one per class part; the spec's
  // name is the tasks' class). Not keys: a function of task_set and buckets.
  std::vector<curriculum::GeneratorSpec> task_specs;
  bool enumerate = false;  // the pool holds every combination (resolved from pool)
  TrainerConfig trainer;
  CheckpointConfig checkpoint;
  EvalConfig eval;
  DistributedConfig distributed;
  std::string device = "auto";  // auto | cpu | cuda
};

// Key/value settings in the order given; Resolve() turns them into a RunConfig.
class ConfigBuilder {
 public:
  // Loads a YAML file: nested maps become dotted keys, sequences bucket lists.
  Status LoadYaml(const std::string& path);
  // The same from text (e.g. a checkpoint's saved config); source names it in errors.
  Status LoadYamlText(const std::string& text, const std::string& source);
  // "key=value" (from the command line).
  Status SetArgument(const std::string& argument);
  // Sets one key (checked now: unknown keys and bad values fail here, naming them).
  Status Set(const std::string& key, const std::string& value);

  // Applies recipe and preset first, then every other key; validates across fields.
  StatusOr<RunConfig> Resolve() const;
  // Has the key been set (after aliasing)?
  bool Has(const std::string& key) const { return values_.count(key) > 0; }

 private:
  Status LoadYamlNode(const YAML::Node& root, const std::string& source);
  std::map<std::string, std::string> values_;  // canonical key -> value text (later wins)
};

// Every key: name, default, allowed values, meaning. Bucket keys are listed once as a pattern.
struct KeyDoc {
  std::string key;
  std::string default_value;
  std::string allowed;
  std::string doc;
};
std::vector<KeyDoc> DescribeKeys();

// The resolved config as YAML (flat dotted keys), readable back with --config.
std::string ToYaml(const RunConfig& config);

}  // namespace lpt::run

#endif  // LPTRAIN_TRAINER_RUN_CONFIG_H_
