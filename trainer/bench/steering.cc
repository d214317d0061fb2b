#include "trainer/bench/steering.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/rng.h"
#include "curriculum/curriculum.h"

namespace lpt::bench {

using curriculum::CurriculumConfig;

std::shared_ptr<const curriculum::TaskGenerator> SteeringTasks() {
  std::vector<curriculum::GeneratorSpec> specs(3);
  specs[0].name = "impossible";
  specs[0].buckets.push_back({"index", {}});
  for (int i = 0; i < 16; ++i) specs[0].buckets[0].values.push_back(i);
  specs[1].name = "solved";
  specs[1].buckets.push_back({"index", {}});
  for (int i = 0; i < 8; ++i) specs[1].buckets[0].values.push_back(i);
  specs[2].name = "learnable";
  specs[2].buckets.push_back({"period", {100, 300, 1000}});
  specs[2].buckets.push_back({"index", {0, 1, 2, 3, 4, 5, 6, 7}});
  return curriculum::TaskGenerator::Create(specs, 4, /*enumerate=*/true).value();
}

StatusOr<SteeringOutcome> SimulateSteering(const CurriculumConfig& base, uint64_t seed,
                                           int64_t results, int batch) {
  const auto gen = SteeringTasks();
  CurriculumConfig cfg = base;
  cfg.seed = seed;
  cfg.perf_invalidation_batch_size = batch;
  LPT_ASSIGN_OR_RETURN(std::unique_ptr<curriculum::Curriculum> c,
                       curriculum::Curriculum::Create(cfg, gen));
  const int n = static_cast<int>(gen->num_combinations());
  std::vector<int> kind(n), period(n, 0), practice(n, 0);
  std::vector<double> params(gen->num_keys());
  std::string label;
  const auto period_key =
      std::find(gen->keys().begin(), gen->keys().end(), "period") - gen->keys().begin();
  for (int id = 0; id < n; ++id) {
    gen->Generate(static_cast<uint64_t>(id), params.data(), &label);
    kind[id] = label.rfind("impossible", 0) == 0 ? 0 : label.rfind("solved", 0) == 0 ? 1 : 2;
    if (kind[id] == 2) period[id] = static_cast<int>(params[period_key]);
  }
  CounterRng rng(seed, 0x73746565ULL);  // "stee"
  SteeringOutcome out;
  for (int64_t t = 0; t < results; ++t) {
    const auto id = static_cast<int>(c->Sample().task_id);
    const double p = kind[id] == 0   ? 0.0
                     : kind[id] == 1 ? 1.0
                                     : std::min(1.0, practice[id] / double(period[id]));
    ++practice[id];
    c->Update(static_cast<uint64_t>(id), rng.Uniform() < p ? 1.0 : 0.0);
    (kind[id] == 0 ? out.impossible : kind[id] == 1 ? out.solved : out.learnable) += 1.0 / results;
  }
  int learnable = 0;
  int per_period[3] = {0, 0, 0};
  for (int id = 0; id < n; ++id) {
    if (kind[id] != 2) continue;
    const double success = std::min(1.0, practice[id] / double(period[id]));
    out.learnt += success;
    ++learnable;
    const int g = period[id] == 100 ? 0 : period[id] == 300 ? 1 : 2;
    out.learnt_by_period[g] += success;
    ++per_period[g];
  }
  out.learnt /= learnable;
  for (int g = 0; g < 3; ++g) out.learnt_by_period[g] /= per_period[g];
  return out;
}

}  // namespace lpt::bench
