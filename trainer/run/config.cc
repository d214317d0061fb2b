#include "trainer/run/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <sstream>

#include "common/strings.h"
#include "trainer/run/tasks.h"

namespace lpt::run {
namespace {

using curriculum::Bucket;
using curriculum::CurriculumConfig;
using envsim::TaskConfig;

const std::string kBucketPrefix = "curriculum.buckets.";

// Base keys are applied before all others: they replace whole structs (recipe, preset).
enum class Phase { kBase, kOverride };

struct KeySpec {
  std::string key;
  std::string doc;
  std::string allowed;
  Phase phase = Phase::kOverride;
  std::function<std::string(const RunConfig&)> get;
  std::function<Status(RunConfig*, const std::string&)> set;
};

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Numbers and, for bools, the usual words (the original system wrote use_lp=True).
StatusOr<double> ParseValue(const std::string& key, const std::string& text, FieldKind kind) {
  const std::string t = Trim(text);
  if (kind == FieldKind::kBool) {
    if (t == "true" || t == "True" || t == "TRUE" || t == "yes" || t == "on" || t == "1")
      return 1.0;
    if (t == "false" || t == "False" || t == "FALSE" || t == "no" || t == "off" || t == "0")
      return 0.0;
    return Status::InvalidArgument(key + ": '" + text + "' is not a bool (true/false)");
  }
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (t.empty() || end != t.c_str() + t.size()) {
    return Status::InvalidArgument(key + ": '" + text + "' is not a number");
  }
  return v;
}

std::string ShowValue(double v, FieldKind kind) {
  if (kind == FieldKind::kBool) return v != 0 ? "true" : "false";
  return FormatNumber(v);
}

std::string RangeText(FieldKind kind, double min, double max) {
  if (kind == FieldKind::kBool) return "true|false";
  return std::string(FieldKindName(kind)) + " in [" + FormatNumber(min) + ", " + FormatNumber(max) +
         "]";
}

// A numeric key backed by a Field of some part of RunConfig.
template <typename Part>
KeySpec NumericKey(const std::string& key, const Field<Part>& field,
                   std::function<Part&(RunConfig&)> part) {
  KeySpec k;
  k.key = key;
  k.doc = field.doc;
  k.allowed = RangeText(field.kind, field.min, field.max);
  k.get = [field, part](const RunConfig& c) {
    return ShowValue(field.get(part(const_cast<RunConfig&>(c))), field.kind);
  };
  k.set = [key, field, part](RunConfig* c, const std::string& text) -> Status {
    LPT_ASSIGN_OR_RETURN(const double v, ParseValue(key, text, field.kind));
    LPT_RETURN_IF_ERROR(CheckFieldValue(key, field.kind, field.min, field.max, v));
    field.set(part(*c), v);
    return Status::Ok();
  };
  return k;
}

KeySpec ChoiceKey(const std::string& key, const std::string& doc, std::vector<std::string> choices,
                  Phase phase, std::function<std::string&(RunConfig&)> member) {
  KeySpec k;
  k.key = key;
  k.doc = doc;
  k.phase = phase;
  for (const std::string& c : choices) k.allowed += (k.allowed.empty() ? "" : "|") + c;
  k.get = [member](const RunConfig& c) { return member(const_cast<RunConfig&>(c)); };
  k.set = [key, choices, member, allowed = k.allowed](RunConfig* c,
                                                      const std::string& text) -> Status {
    const std::string t = Trim(text);
    if (std::find(choices.begin(), choices.end(), t) == choices.end()) {
      return Status::InvalidArgument(key + ": '" + text + "' is not one of " + allowed);
    }
    member(*c) = t;
    return Status::Ok();
  };
  return k;
}

const std::vector<KeySpec>& Keys() {
  static const std::vector<KeySpec> keys = [] {
    std::vector<KeySpec> k;
    const Field<RunConfig> seed = MakeField<RunConfig>(
        "seed", "seed of everything (maps, actions, curriculum, weights)", FieldKind::kInt, 0,
        9007199254740992.0, [](auto& c) -> auto& { return c.seed; });
    k.push_back(NumericKey<RunConfig>("seed", seed, [](RunConfig& c) -> RunConfig& { return c; }));
    KeySpec run;
    run.key = "run";
    run.doc = "run name; the run directory defaults to runs/<run>";
    run.allowed = "letters, digits, . _ -";
    run.get = [](const RunConfig& c) { return c.run; };
    run.set = [](RunConfig* c, const std::string& text) -> Status {
      const std::string t = Trim(text);
      const bool ok = !t.empty() && std::all_of(t.begin(), t.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
      });
      if (!ok || t == "." || t == "..") {
        return Status::InvalidArgument("run: '" + text +
                                       "' is not a plain name (letters, digits, . _ -)");
      }
      c->run = t;
      return Status::Ok();
    };
    k.push_back(run);

    k.push_back(ChoiceKey("env.recipe", "the base task: the arena's named recipes",
                          envsim::RecipeNames(), Phase::kBase,
                          [](RunConfig& c) -> std::string& { return c.env_recipe; }));
    const Field<RunConfig> num_envs = MakeField<RunConfig>(
        "env.num_envs", "envs per rank", FieldKind::kInt, 1, 65536,
        [](auto& c) -> auto& { return c.num_envs; });
    k.push_back(NumericKey<RunConfig>("env.num_envs", num_envs,
                                      [](RunConfig& c) -> RunConfig& { return c; }));
    for (const envsim::TaskField& f : envsim::TaskFields()) {
      k.push_back(NumericKey<TaskConfig>("env." + f.name, f,
                                         [](RunConfig& c) -> TaskConfig& { return c.task; }));
    }
    k.push_back(ChoiceKey("env.task_features",
                          "the task's varied params (normalised) as policy inputs; auto: on when "
                          "the curriculum varies them",
                          {"auto", "on", "off"}, Phase::kOverride,
                          [](RunConfig& c) -> std::string& { return c.task_features; }));

    std::vector<std::string> presets = curriculum::PresetNames();
    presets.insert(presets.begin(), "auto");
    k.push_back(ChoiceKey("curriculum.preset",
                          "the original guide's presets (batch size, task-list cache, pool size); "
                          "auto: default, with a sampled pool sized to the run's expected results "
                          "(about 50 per task)",
                          presets, Phase::kBase,
                          [](RunConfig& c) -> std::string& { return c.curriculum_preset; }));
    k.push_back(ChoiceKey("curriculum.task_set",
                          "tasks to choose from: mixed_difficulty (impossible, trivial and "
                          "learnable hearts tasks), arena_buckets (the original arena buckets + "
                          "curriculum.buckets.*), single (the env config), custom (only "
                          "curriculum.buckets.*); auto: mixed_difficulty for env.recipe=hearts, "
                          "else arena_buckets",
                          {"auto", "mixed_difficulty", "arena_buckets", "single", "custom"},
                          Phase::kOverride,
                          [](RunConfig& c) -> std::string& { return c.task_set; }));
    k.push_back(ChoiceKey("curriculum.pool",
                          "enumerated: every combination of a finite task set once (task id = "
                          "combination index, no eviction); sampled: num_active_tasks drawn task "
                          "ids, evicted and replaced; auto: enumerated for finite sets of at most "
                          "10000 tasks",
                          {"auto", "enumerated", "sampled"}, Phase::kOverride,
                          [](RunConfig& c) -> std::string& { return c.pool; }));
    k.push_back(ChoiceKey("curriculum.score",
                          "a room's episode result: success (share of its agents that made a "
                          "heart) or return (mean agent return / curriculum.score_max)",
                          {"success", "return"}, Phase::kOverride,
                          [](RunConfig& c) -> std::string& { return c.score; }));
    const Field<RunConfig> score_max = MakeField<RunConfig>(
        "curriculum.score_max",
        "score=return: the attainable return per agent that returns are divided by (required)",
        FieldKind::kFloat, 0, 1e9, [](auto& c) -> auto& { return c.score_max; });
    k.push_back(NumericKey<RunConfig>("curriculum.score_max", score_max,
                                      [](RunConfig& c) -> RunConfig& { return c; }));
    for (const curriculum::CurriculumField& f : curriculum::CurriculumFields()) {
      k.push_back(NumericKey<CurriculumConfig>(
          "curriculum." + f.name, f,
          [](RunConfig& c) -> CurriculumConfig& { return c.curriculum; }));
    }

    for (const TrainerField& f : TrainerFields()) {
      k.push_back(NumericKey<TrainerConfig>(
          "trainer." + f.name, f, [](RunConfig& c) -> TrainerConfig& { return c.trainer; }));
    }
    for (const CheckpointField& f : CheckpointFields()) {
      k.push_back(NumericKey<CheckpointConfig>(
          "checkpoint." + f.name, f,
          [](RunConfig& c) -> CheckpointConfig& { return c.checkpoint; }));
    }
    for (const EvalField& f : EvalFields()) {
      k.push_back(NumericKey<EvalConfig>("eval." + f.name, f,
                                         [](RunConfig& c) -> EvalConfig& { return c.eval; }));
    }
    for (const DistributedField& f : DistributedFields()) {
      k.push_back(NumericKey<DistributedConfig>(
          "distributed." + f.name, f,
          [](RunConfig& c) -> DistributedConfig& { return c.distributed; }));
    }
    k.push_back(ChoiceKey("trainer.device", "where the model runs (auto: cuda when available)",
                          {"auto", "cpu", "cuda"}, Phase::kOverride,
                          [](RunConfig& c) -> std::string& { return c.device; }));
    return k;
  }();
  return keys;
}

const KeySpec* FindKey(const std::string& key) {
  for (const KeySpec& k : Keys()) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

// The original system's names, and short forms, mapped to canonical keys.
std::string Canonical(const std::string& key) {
  if (key == "algorithm" || key == "curriculum.algorithm") return "curriculum.algorithm";
  if (FindKey(key) != nullptr || key.rfind(kBucketPrefix, 0) == 0) return key;
  if (FindKey("curriculum." + key) != nullptr) return "curriculum." + key;  // use_lp, perf_*, ...
  if (key == "total_timesteps") return "trainer.total_timesteps";
  return key;
}

std::vector<std::string> AllKeyNames() {
  std::vector<std::string> names;
  for (const KeySpec& k : Keys()) names.push_back(k.key);
  for (const envsim::TaskField& f : envsim::TaskFields()) names.push_back(kBucketPrefix + f.name);
  names.emplace_back("curriculum.algorithm");
  return names;
}

// "[0, 0.1, 0.5]" or "0..1" for the env field `field`.
StatusOr<Bucket> ParseBucket(const std::string& key, const envsim::TaskField& field,
                             const std::string& text) {
  Bucket b;
  b.key = field.name;
  const std::string t = Trim(text);
  if (t.size() >= 2 && t.front() == '[' && t.back() == ']') {
    std::stringstream items(t.substr(1, t.size() - 2));
    std::string item;
    while (std::getline(items, item, ',')) {
      LPT_ASSIGN_OR_RETURN(const double v, ParseValue(key, item, field.kind));
      LPT_RETURN_IF_ERROR(CheckFieldValue(key, field.kind, field.min, field.max, v));
      b.values.push_back(v);
    }
    if (b.values.empty()) return Status::InvalidArgument(key + ": empty list");
    return b;
  }
  const size_t dots = t.find("..");
  if (dots == std::string::npos) {
    return Status::InvalidArgument(key + ": '" + text +
                                   "' is neither a list [a, b, ...] nor a span a..b");
  }
  LPT_ASSIGN_OR_RETURN(b.min, ParseValue(key, t.substr(0, dots), field.kind));
  LPT_ASSIGN_OR_RETURN(b.max, ParseValue(key, t.substr(dots + 2), field.kind));
  LPT_RETURN_IF_ERROR(CheckFieldValue(key, field.kind, field.min, field.max, b.min));
  LPT_RETURN_IF_ERROR(CheckFieldValue(key, field.kind, field.min, field.max, b.max));
  if (b.min > b.max) return Status::InvalidArgument(key + ": span " + t + " has min > max");
  b.is_span = true;
  b.integer = field.kind != FieldKind::kFloat;
  return b;
}

std::string BucketText(const Bucket& b) {
  if (b.is_span) return FormatNumber(b.min) + ".." + FormatNumber(b.max);
  std::string s = "[";
  for (size_t i = 0; i < b.values.size(); ++i) s += (i ? ", " : "") + FormatNumber(b.values[i]);
  return s + "]";
}

// The original arena curriculum: shaped rewards and their caps, attack on/off through its cost,
// and converters sometimes starting with an output.
std::map<std::string, Bucket> ArenaBuckets() {
  std::map<std::string, Bucket> b;
  for (const char* item : {"ore_red", "battery_red", "laser", "armor"}) {
    const std::string reward = std::string("rewards.") + item;
    b[reward] = Bucket{reward, {0, 0.1, 0.5, 0.9, 1.0}};
    b[reward + "_max"] = Bucket{reward + "_max", {1, 2}};
  }
  b["attack.cost"] = Bucket{"attack.cost", {1, 100}};
  for (const char* conv : {"mine", "generator", "altar", "lasery", "armory"}) {
    const std::string key = std::string(conv) + ".initial_resource_count";
    b[key] = Bucket{key, {0, 1}};
  }
  return b;
}

}  // namespace

std::vector<TrainerField> BuildTrainerFields() {
  using K = FieldKind;
  using T = TrainerConfig;
  std::vector<TrainerField> f;
  f.push_back(MakeField<T>(
      "total_timesteps", "agent-steps of the whole run (all ranks)", K::kInt, 1, 1e15,
      [](auto& c) -> auto& { return c.total_timesteps; }));
  f.push_back(MakeField<T>(
      "num_steps", "rollout length per env per iteration", K::kInt, 1, 100000,
      [](auto& c) -> auto& { return c.num_steps; }));
  f.push_back(MakeField<T>(
      "learning_rate", "Adam learning rate", K::kFloat, 0, 1,
      [](auto& c) -> auto& { return c.learning_rate; }));
  f.push_back(MakeField<T>(
      "anneal_lr", "anneal the learning rate linearly to 0", K::kBool, 0, 1,
      [](auto& c) -> auto& { return c.anneal_lr; }));
  f.push_back(MakeField<T>(
      "gamma", "discount", K::kFloat, 0, 1, [](auto& c) -> auto& { return c.gamma; }));
  f.push_back(MakeField<T>(
      "gae_lambda", "GAE lambda", K::kFloat, 0, 1, [](auto& c) -> auto& { return c.gae_lambda; }));
  f.push_back(MakeField<T>(
      "update_epochs", "passes over each batch", K::kInt, 1, 1000,
      [](auto& c) -> auto& { return c.update_epochs; }));
  f.push_back(MakeField<T>(
      "num_minibatches", "minibatches per epoch", K::kInt, 1, 1000000,
      [](auto& c) -> auto& { return c.num_minibatches; }));
  f.push_back(MakeField<T>(
      "norm_adv", "normalise advantages per minibatch", K::kBool, 0, 1,
      [](auto& c) -> auto& { return c.norm_adv; }));
  f.push_back(MakeField<T>(
      "clip_coef", "PPO ratio clip", K::kFloat, 0, 10,
      [](auto& c) -> auto& { return c.clip_coef; }));
  f.push_back(MakeField<T>(
      "clip_vloss", "clip the value loss like the policy", K::kBool, 0, 1,
      [](auto& c) -> auto& { return c.clip_vloss; }));
  f.push_back(MakeField<T>(
      "vf_coef", "value loss weight", K::kFloat, 0, 100,
      [](auto& c) -> auto& { return c.vf_coef; }));
  f.push_back(MakeField<T>(
      "ent_coef", "entropy bonus weight", K::kFloat, 0, 100,
      [](auto& c) -> auto& { return c.ent_coef; }));
  f.push_back(MakeField<T>(
      "max_grad_norm", "global gradient-norm clip", K::kFloat, 0, 1e6,
      [](auto& c) -> auto& { return c.max_grad_norm; }));
  f.push_back(MakeField<T>(
      "target_kl", "stop the epochs once approx_kl exceeds this (0: off)", K::kFloat, 0, 100,
      [](auto& c) -> auto& { return c.target_kl; }));
  f.push_back(MakeField<T>(
      "vtrace", "V-trace-clipped advantages, recomputed every epoch", K::kBool, 0, 1,
      [](auto& c) -> auto& { return c.vtrace; }));
  f.push_back(MakeField<T>(
      "vtrace_rho_clip", "V-trace rho-bar", K::kFloat, 0, 1e6,
      [](auto& c) -> auto& { return c.vtrace_rho_clip; }));
  f.push_back(MakeField<T>(
      "vtrace_c_clip", "V-trace c-bar", K::kFloat, 0, 1e6,
      [](auto& c) -> auto& { return c.vtrace_c_clip; }));
  f.push_back(MakeField<T>(
      "prio_alpha", "prioritised segment replay exponent (0: off)", K::kFloat, 0, 10,
      [](auto& c) -> auto& { return c.prio_alpha; }));
  f.push_back(MakeField<T>(
      "prio_beta0", "replay importance exponent at the start, annealed to 1", K::kFloat, 0, 1,
      [](auto& c) -> auto& { return c.prio_beta0; }));
  f.push_back(MakeField<T>(
      "use_lstm", "LSTM core between encoder and heads", K::kBool, 0, 1,
      [](auto& c) -> auto& { return c.use_lstm; }));
  f.push_back(MakeField<T>(
      "mask_attacks", "give attack actions probability 0 when the agent cannot pay for one",
      K::kBool, 0, 1, [](auto& c) -> auto& { return c.mask_attacks; }));
  f.push_back(MakeField<T>(
      "time_limit_terminal",
      "an episode reaching env.max_steps ends without bootstrap (the agent sees its progress); "
      "episodes cut short by desync still bootstrap",
      K::kBool, 0, 1, [](auto& c) -> auto& { return c.time_limit_terminal; }));
  f.push_back(MakeField<T>(
      "reward_clip", "clip the rewards the learner sees to +-this (0: off; metrics keep raw ones)",
      K::kFloat, 0, 1e9, [](auto& c) -> auto& { return c.reward_clip; }));
  f.push_back(MakeField<T>(
      "bptt_horizon", "segment length (LSTM BPTT, replay unit)", K::kInt, 1, 100000,
      [](auto& c) -> auto& { return c.bptt_horizon; }));
  f.push_back(MakeField<T>(
      "hidden_size", "width of the encoder output and LSTM", K::kInt, 8, 8192,
      [](auto& c) -> auto& { return c.hidden_size; }));
  f.push_back(MakeField<T>(
      "conv_channels", "channels of the observation convolutions", K::kInt, 4, 1024,
      [](auto& c) -> auto& { return c.conv_channels; }));
  f.push_back(MakeField<T>(
      "torch_threads", "LibTorch intra-op threads (0: one per core)", K::kInt, 0, 1024,
      [](auto& c) -> auto& { return c.torch_threads; }));
  f.push_back(MakeField<T>(
      "env_threads", "threads stepping envs (0: one per core)", K::kInt, 0, 1024,
      [](auto& c) -> auto& { return c.env_threads; }));
  f.push_back(MakeField<T>(
      "log_interval", "iterations between metrics lines", K::kInt, 1, 1000000,
      [](auto& c) -> auto& { return c.log_interval; }));
  f.push_back(MakeField<T>(
      "checksum_interval", "iterations between cross-rank parameter checks (0: never)", K::kInt, 0,
      1000000, [](auto& c) -> auto& { return c.checksum_interval; }));
  f.push_back(MakeField<T>(
      "debug_fail_iteration", "fault injection for tests: fail at this iteration (0: never)",
      K::kInt, 0, 1e9, [](auto& c) -> auto& { return c.debug_fail_iteration; }));
  f.push_back(MakeField<T>(
      "debug_fail_rank", "fault injection for tests: the rank that fails", K::kInt, 0, 1e6,
      [](auto& c) -> auto& { return c.debug_fail_rank; }));
  f.push_back(MakeField<T>(
      "debug_perturb_iteration",
      "fault injection for tests: at this iteration debug_fail_rank's parameters drift (0: never)",
      K::kInt, 0, 1e9, [](auto& c) -> auto& { return c.debug_perturb_iteration; }));
  return f;
}

const std::vector<TrainerField>& TrainerFields() {
  static const std::vector<TrainerField> fields = BuildTrainerFields();
  return fields;
}

const std::vector<CheckpointField>& CheckpointFields() {
  using K = FieldKind;
  using T = CheckpointConfig;
  static const std::vector<CheckpointField> fields = {
      MakeField<T>(
          "interval", "iterations between checkpoints (0: only the final one)", K::kInt, 0, 1e9,
          [](auto& c) -> auto& { return c.interval; }),
      MakeField<T>(
          "seconds", "also checkpoint once this much wall time passed since the last one (0: off)",
          K::kFloat, 0, 1e9, [](auto& c) -> auto& { return c.seconds; }),
      MakeField<T>(
          "keep_last", "checkpoints kept in RUN_DIR/checkpoints (older ones are deleted)", K::kInt,
          1, 1e6, [](auto& c) -> auto& { return c.keep_last; }),
  };
  return fields;
}

const std::vector<EvalField>& EvalFields() {
  using K = FieldKind;
  using T = EvalConfig;
  static const std::vector<EvalField> fields = {
      MakeField<T>(
          "interval", "iterations between evaluations of the task set (0: none)", K::kInt, 0, 1e9,
          [](auto& c) -> auto& { return c.interval; }),
      MakeField<T>(
          "episodes", "env-episodes per task and evaluation", K::kInt, 1, 1e6,
          [](auto& c) -> auto& { return c.episodes; }),
      MakeField<T>(
          "greedy", "evaluate with argmax actions instead of sampled ones", K::kBool, 0, 1,
          [](auto& c) -> auto& { return c.greedy; }),
  };
  return fields;
}

const std::vector<DistributedField>& DistributedFields() {
  using K = FieldKind;
  using T = DistributedConfig;
  static const std::vector<DistributedField> fields = {
      MakeField<T>(
          "timeout_seconds",
          "every collective completes within this, or the job ends (exit 4) naming the ranks "
          "that did not arrive; sized for a long checkpoint write (0: wait forever)",
          K::kFloat, 0, 1e9, [](auto& c) -> auto& { return c.timeout_seconds; }),
  };
  return fields;
}

Status ConfigBuilder::Set(const std::string& raw_key, const std::string& value) {
  const std::string key = Canonical(Trim(raw_key));
  if (key == "curriculum.algorithm") {
    const std::string v = Trim(value);
    if (v != "lp" && v != "learning_progress" && v != "discrete_random") {
      return Status::InvalidArgument(key + ": '" + value + "' is not one of lp|discrete_random");
    }
    values_["curriculum.use_lp"] = v == "discrete_random" ? "false" : "true";
    return Status::Ok();
  }
  if (key.rfind(kBucketPrefix, 0) == 0) {
    const std::string field = key.substr(kBucketPrefix.size());
    const envsim::TaskField* f = envsim::FindTaskField(field);
    if (f == nullptr) {
      std::vector<std::string> names;
      for (const envsim::TaskField& t : envsim::TaskFields()) names.push_back(t.name);
      const std::string guess = ClosestMatch(field, names);
      return Status::NotFound(
          "unknown key '" + key + "': no env field '" + field + "'" +
          (guess.empty() ? "" : " (did you mean '" + kBucketPrefix + guess + "'?)"));
    }
    LPT_RETURN_IF_ERROR(ParseBucket(key, *f, value).status());
    values_[key] = value;
    return Status::Ok();
  }
  const KeySpec* spec = FindKey(key);
  if (spec == nullptr) {
    const std::string guess = ClosestMatch(key, AllKeyNames());
    return Status::NotFound("unknown key '" + raw_key + "'" +
                            (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                            "; `lptrain config` lists every key");
  }
  RunConfig scratch;
  LPT_RETURN_IF_ERROR(spec->set(&scratch, value));
  values_[key] = value;
  return Status::Ok();
}

Status ConfigBuilder::SetArgument(const std::string& argument) {
  const size_t eq = argument.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::InvalidArgument("'" + argument + "' is not key=value");
  }
  return Set(argument.substr(0, eq), argument.substr(eq + 1));
}

namespace {

Status Flatten(ConfigBuilder* builder, const YAML::Node& node, const std::string& prefix,
               const std::string& path) {
  const auto where = [&](const YAML::Node& n) {
    return path + ":" + std::to_string(n.Mark().line + 1);
  };
  if (node.IsMap()) {
    for (const auto& item : node) {
      const std::string key = item.first.as<std::string>();
      LPT_RETURN_IF_ERROR(
          Flatten(builder, item.second, prefix.empty() ? key : prefix + "." + key, path));
    }
    return Status::Ok();
  }
  if (node.IsSequence()) {
    std::string list = "[";
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar())
        return Status::InvalidArgument(where(node) + ": " + prefix +
                                       ": list items must be numbers");
      list += (i ? ", " : "") + node[i].as<std::string>();
    }
    return builder->Set(prefix, list + "]").WithPrefix(where(node));
  }
  if (node.IsScalar()) return builder->Set(prefix, node.as<std::string>()).WithPrefix(where(node));
  return Status::InvalidArgument(where(node) + ": " + prefix + " has no value");
}

}  // namespace

Status ConfigBuilder::LoadYaml(const std::string& path) {
  try {
    return LoadYamlNode(YAML::LoadFile(path), path);
  } catch (const YAML::BadFile&) {
    return Status::NotFound(path + ": cannot open the config file");
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Status ConfigBuilder::LoadYamlText(const std::string& text, const std::string& source) {
  try {
    return LoadYamlNode(YAML::Load(text), source);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Status ConfigBuilder::LoadYamlNode(const YAML::Node& root, const std::string& source) {
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap()) return Status::InvalidArgument(source + ": the config must be a map of keys");
  return Flatten(this, root, "", source);
}

StatusOr<RunConfig> ConfigBuilder::Resolve() const {
  RunConfig c;
  c.task = envsim::RecipeByName(c.env_recipe).value();
  std::map<std::string, Bucket> user_buckets;
  // Whole-struct keys first, so field overrides land on top of them whatever the order given.
  for (const Phase phase : {Phase::kBase, Phase::kOverride}) {
    for (const auto& [key, value] : values_) {
      if (key.rfind(kBucketPrefix, 0) == 0) {
        if (phase == Phase::kOverride) {
          const std::string field = key.substr(kBucketPrefix.size());
          LPT_ASSIGN_OR_RETURN(user_buckets[field],
                               ParseBucket(key, *envsim::FindTaskField(field), value));
        }
        continue;
      }
      const KeySpec* spec = FindKey(key);
      if (spec->phase != phase) continue;
      LPT_RETURN_IF_ERROR(spec->set(&c, value));
      if (key == "env.recipe") c.task = envsim::RecipeByName(c.env_recipe).value();
      if (key == "curriculum.preset") {
        const std::string preset = c.curriculum_preset == "auto" ? "default" : c.curriculum_preset;
        LPT_RETURN_IF_ERROR(curriculum::ApplyPreset(preset, &c.curriculum));
      }
    }
  }
  LPT_RETURN_IF_ERROR(c.task.Validate().WithPrefix("env"));
  LPT_RETURN_IF_ERROR(c.curriculum.Validate().WithPrefix("curriculum"));

  if (c.task_set == "auto")
    c.task_set = c.env_recipe == "hearts" ? "mixed_difficulty" : "arena_buckets";
  if (c.task_set == "arena_buckets") {
    c.buckets = ArenaBuckets();
  } else if (c.task_set == "custom" && user_buckets.empty()) {
    return Status::InvalidArgument(
        "curriculum.task_set: custom needs at least one curriculum.buckets.* key");
  } else if ((c.task_set == "single" || c.task_set == "mixed_difficulty") &&
             !user_buckets.empty()) {
    return Status::InvalidArgument("curriculum.task_set: " + c.task_set +
                                   " takes no curriculum.buckets.* keys (use custom)");
  }
  for (const auto& [field, bucket] : user_buckets) c.buckets[field] = bucket;
  for (const auto& [field, bucket] : c.buckets) {
    if (field == "map.num_agents") {
      return Status::InvalidArgument(
          kBucketPrefix + field +
          ": the number of agents is fixed for a run (the policy's batch); "
          "set env.map.num_agents instead");
    }
  }
  if (c.task_set == "mixed_difficulty") {
    c.task_specs = MixedDifficultySpecs();
  } else {
    curriculum::GeneratorSpec spec;
    spec.name = c.env_recipe;
    for (const auto& [field, bucket] : c.buckets) spec.buckets.push_back(bucket);
    c.task_specs = {spec};
  }
  LPT_RETURN_IF_ERROR(CheckTaskSpecs(c).WithPrefix("curriculum.task_set " + c.task_set));

  const bool finite = curriculum::TaskGenerator::Finite(c.task_specs);
  const uint64_t combinations = curriculum::TaskGenerator::CountCombinations(c.task_specs);
  if (c.pool == "enumerated" && !finite) {
    return Status::InvalidArgument(
        "curriculum.pool: enumerated needs a task set of lists, not spans");
  }
  c.enumerate =
      c.pool == "enumerated" || (c.pool == "auto" && finite && combinations <= kAutoEnumerated);
  if (c.curriculum_preset == "auto" && !c.enumerate && !Has("curriculum.num_active_tasks")) {
    // About 50 results per task over the run (10 in its first fifth): a pool the run can measure.
    c.curriculum.num_active_tasks =
        static_cast<int>(std::clamp(ExpectedResults(c) / 50.0, 16.0, 1000.0));
  }
  if (c.score == "return" && !(c.score_max > 0)) {
    return Status::InvalidArgument(
        "curriculum.score_max: curriculum.score=return needs the attainable return per agent "
        "(> 0) to divide returns by");
  }

  const TrainerConfig& t = c.trainer;
  if (t.num_steps % t.bptt_horizon != 0) {
    return Status::InvalidArgument("trainer.bptt_horizon: " + std::to_string(t.bptt_horizon) +
                                   " does not divide trainer.num_steps (" +
                                   std::to_string(t.num_steps) + ")");
  }
  const long long segments =
      static_cast<long long>(t.num_steps / t.bptt_horizon) * c.num_envs * c.task.num_agents;
  if (segments % t.num_minibatches != 0) {
    return Status::InvalidArgument(
        "trainer.num_minibatches: " + std::to_string(t.num_minibatches) + " does not divide the " +
        std::to_string(segments) +
        " segments of a batch (num_steps / bptt_horizon x num_envs x agents)");
  }
  return c;
}

std::vector<KeyDoc> DescribeKeys() {
  RunConfig defaults;
  defaults.task = envsim::RecipeByName(defaults.env_recipe).value();
  std::vector<KeyDoc> docs;
  for (const KeySpec& k : Keys()) docs.push_back({k.key, k.get(defaults), k.allowed, k.doc});
  docs.push_back({"curriculum.algorithm", "lp", "lp|discrete_random", "same as curriculum.use_lp"});
  docs.push_back({kBucketPrefix + "<env field>", "(none)", "[a, b, ...] or a..b",
                  "values the curriculum's tasks draw for an env.* field, e.g. "
                  "curriculum.buckets.rewards.ore_red=[0,0.1,0.5]"});
  return docs;
}

std::string ToYaml(const RunConfig& config) {
  std::string out = "# lptrain resolved config: every key, readable back with --config\n";
  for (const KeySpec& k : Keys()) {
    if (k.key == "curriculum.task_set" || k.key == "curriculum.preset") continue;
    std::string v = k.get(config);
    if (k.key == "run" && v.empty()) continue;
    out += k.key + ": " + v + "\n";
  }
  // The resolved task set, exactly: reading this back gives the same tasks (the named sets
  // without buckets are defined by lptrain itself).
  if (config.task_set == "mixed_difficulty") {
    out += "curriculum.task_set: mixed_difficulty\n";
    return out;
  }
  out += "curriculum.task_set: " + std::string(config.buckets.empty() ? "single" : "custom") + "\n";
  for (const auto& [field, bucket] : config.buckets) {
    out += kBucketPrefix + field + ": " +
           (bucket.is_span ? "\"" + BucketText(bucket) + "\"" : BucketText(bucket)) + "\n";
  }
  return out;
}

}  // namespace lpt::run
