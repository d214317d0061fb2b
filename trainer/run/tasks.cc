#include "trainer/run/tasks.h"

#include <algorithm>
#include <cmath>

namespace lpt::run {

StatusOr<std::shared_ptr<const curriculum::TaskGenerator>> MakeTaskGenerator(
    const RunConfig& config) {
  curriculum::GeneratorSpec spec;
  spec.name = config.env_recipe;
  for (const auto& [field, bucket] : config.buckets) spec.buckets.push_back(bucket);
  LPT_ASSIGN_OR_RETURN(auto gen, curriculum::TaskGenerator::Create({spec}));
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

double ScoreMax(const RunConfig& config, const envsim::TaskConfig& task) {
  if (config.score_max > 0) return config.score_max;
  double total = 0;
  for (int i = 0; i < envsim::kNumItems; ++i) {
    if (task.reward_weight[i] > 0) total += task.reward_cap[i];
  }
  return total > 0 ? total : 1.0;
}

envsim::TaskConfig CapacityConfig(const RunConfig& config) {
  envsim::TaskConfig t = config.task;
  for (const auto& [field, bucket] : config.buckets) {
    const double top =
        bucket.is_span ? bucket.max : *std::max_element(bucket.values.begin(), bucket.values.end());
    const envsim::TaskField* f = envsim::FindTaskField(field);
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

}  // namespace lpt::run
