#include "trainer/run/tasks.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "common/fields.h"

namespace lpt::run {

namespace {

curriculum::Bucket List(const std::string& key, std::vector<double> values) {
  curriculum::Bucket b;
  b.key = key;
  b.values = std::move(values);
  return b;
}

curriculum::GeneratorSpec Spec(const std::string& name,
                               std::vector<std::pair<std::string, double>> fixed,
                               std::vector<curriculum::Bucket> buckets) {
  curriculum::GeneratorSpec s;
  s.name = name;
  s.fixed = std::move(fixed);
  s.buckets = std::move(buckets);
  return s;
}

// The values a task set gives key (fixed and bucketed, spans by their ends).
std::vector<double> ValuesOf(const std::vector<curriculum::GeneratorSpec>& specs,
                             const std::string& key) {
  std::vector<double> values;
  for (const curriculum::GeneratorSpec& spec : specs) {
    for (const auto& [k, v] : spec.fixed) {
      if (k == key) values.push_back(v);
    }
    for (const curriculum::Bucket& b : spec.buckets) {
      if (b.key != key) continue;
      if (b.is_span) {
        values.push_back(b.min);
        values.push_back(b.max);
      } else {
        values.insert(values.end(), b.values.begin(), b.values.end());
      }
    }
  }
  return values;
}

// Every key the task set sets, in first-seen order.
std::vector<std::string> KeysOf(const std::vector<curriculum::GeneratorSpec>& specs) {
  std::vector<std::string> keys;
  const auto add = [&](const std::string& k) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  };
  for (const curriculum::GeneratorSpec& spec : specs) {
    for (const auto& [k, v] : spec.fixed) add(k);
    for (const curriculum::Bucket& b : spec.buckets) add(b.key);
  }
  return keys;
}

}  // namespace

std::vector<curriculum::GeneratorSpec> MixedDifficultySpecs() {
  const curriculum::Bucket sizes = List("map.instance_size", {9, 13});
  const curriculum::Bucket costs = List("altar.input.battery_red", {1, 2});
  return {
      Spec("impossible", {{"altar.count", 0}},
           {List("generator.initial_resource_count", {0, 6}), sizes}),
      Spec("impossible", {{"mine.count", 0}, {"generator.initial_resource_count", 0}},
           {costs, sizes}),
      Spec("trivial", {{"altar.initial_resource_count", 6}}, {sizes}),
      // The battery comes carried (every agent starts with one), waiting in the generator, both, or
      // from the chain mine -> ore -> generator -> battery.
      Spec("learnable", {},
           {List("inventory.initial.battery_red", {0, 1}),
            List("generator.initial_resource_count", {0, 6}), costs, sizes}),
  };
}

std::string TaskClass(const std::string& label) { return label.substr(0, label.find('|')); }

std::vector<std::string> TaskClasses(const RunConfig& config) {
  std::vector<std::string> classes;
  for (const curriculum::GeneratorSpec& spec : config.task_specs) {
    const std::string name = spec.name.empty() ? "task" : spec.name;
    if (std::find(classes.begin(), classes.end(), name) == classes.end()) classes.push_back(name);
  }
  return classes;
}

Status CheckTaskSpecs(const RunConfig& config) {
  for (const curriculum::GeneratorSpec& spec : config.task_specs) {
    envsim::TaskConfig fixed = config.task;
    for (const auto& [key, value] : spec.fixed) {
      LPT_RETURN_IF_ERROR(
          envsim::SetTaskField(&fixed, key, value).WithPrefix(spec.name + ": " + key));
    }
    const Status valid = fixed.Validate();
    if (!valid.ok())
      return Status::InvalidArgument(spec.name +
                                     ": its fixed params make the env invalid: " + valid.message());
    for (const curriculum::Bucket& bucket : spec.buckets) {
      const std::string name = "curriculum.buckets." + bucket.key;
      std::vector<double> probe = bucket.values;
      if (bucket.is_span) probe = {bucket.min, bucket.max};
      for (double v : probe) {
        envsim::TaskConfig t = fixed;
        LPT_RETURN_IF_ERROR(envsim::SetTaskField(&t, bucket.key, v).WithPrefix(name));
        const Status ok = t.Validate();
        if (!ok.ok()) {
          return Status::InvalidArgument(name + ": value " + FormatNumber(v) +
                                         " makes the env invalid: " + ok.message());
        }
      }
    }
  }
  return Status::Ok();
}

double ExpectedResults(const RunConfig& config) {
  const double per_result =
      static_cast<double>(config.task.AgentsPerInstance()) * config.task.max_steps;
  return config.trainer.total_timesteps / std::max(per_result, 1.0);
}

StatusOr<std::shared_ptr<const curriculum::TaskGenerator>> MakeTaskGenerator(
    const RunConfig& config) {
  LPT_ASSIGN_OR_RETURN(auto gen,
                       curriculum::TaskGenerator::Create(config.task_specs, 4, config.enumerate));
  return std::shared_ptr<const curriculum::TaskGenerator>(std::move(gen));
}

StatusOr<envsim::TaskConfig> ApplyTaskParams(const envsim::TaskConfig& base,
                                             const curriculum::TaskGenerator& generator,
                                             const double* params) {
  envsim::TaskConfig t = base;
  for (int i = 0; i < generator.num_keys(); ++i) {
    if (std::isnan(params[i])) continue;
    LPT_RETURN_IF_ERROR(envsim::SetTaskField(&t, generator.keys()[i], params[i]));
  }
  LPT_RETURN_IF_ERROR(t.Validate());
  return t;
}

void RoomScores(const RunConfig& config, const envsim::EpisodeStats& ep, int rooms,
                std::vector<double>* scores, double* max_score) {
  const bool success = config.score == "success";
  *max_score = success ? 1.0 : config.score_max;
  for (int room = 0; room < rooms; ++room) {
    double sum = 0;
    int agents = 0;
    for (int a = room; a < ep.num_agents(); a += rooms) {
      sum += success ? (ep.HeartsMade(a) > 0 ? 1.0 : 0.0) : ep.returns[a];
      ++agents;
    }
    if (agents > 0) scores->push_back(sum / agents);
  }
}

envsim::TaskConfig CapacityConfig(const RunConfig& config) {
  envsim::TaskConfig t = config.task;
  for (const std::string& key : KeysOf(config.task_specs)) {
    const std::vector<double> values = ValuesOf(config.task_specs, key);
    const double top = *std::max_element(values.begin(), values.end());
    const envsim::TaskField* f = envsim::FindTaskField(key);
    if (f->get(t) < top) f->set(t, top);
  }
  return t;
}

envsim::BatchOptions BatchOptionsFor(const RunConfig& config, int rank, uint64_t generation) {
  envsim::BatchOptions bo;
  bo.num_envs = config.num_envs;
  bo.seed = config.seed;
  // Env ids are global: env e of rank r is env r * num_envs + e of the job.
  bo.first_env_id =
      static_cast<int64_t>(rank) * config.num_envs + static_cast<int64_t>(generation << 40);
  bo.config = config.task;
  const envsim::TaskConfig capacity = CapacityConfig(config);
  bo.max_height = capacity.MapHeight();
  bo.max_width = capacity.MapWidth();
  bo.max_converters = capacity.ConvertersPerEnv();
  return bo;
}

StatusOr<TaskFeatures> TaskFeatures::Create(const RunConfig& config) {
  TaskFeatures f;
  const bool varies = !KeysOf(config.task_specs).empty();
  if (config.task_features == "off" || (config.task_features == "auto" && !varies)) return f;
  for (const std::string& key : KeysOf(config.task_specs)) {
    const envsim::TaskField* field = envsim::FindTaskField(key);
    if (field == nullptr) return Status::NotFound("task features: no env field '" + key + "'");
    std::vector<double> values = ValuesOf(config.task_specs, key);
    values.push_back(field->get(config.task));
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    f.keys_.push_back(key);
    f.fields_.push_back(field);
    f.min_.push_back(*lo);
    f.scale_.push_back(*hi > *lo ? 1.0 / (*hi - *lo) : 0.0);
  }
  return f;
}

void TaskFeatures::Compute(const envsim::TaskConfig& task, float* out) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    const double v = (fields_[i]->get(task) - min_[i]) * scale_[i];
    out[i] = static_cast<float>(std::clamp(v, 0.0, 1.0));
  }
}

}  // namespace lpt::run
