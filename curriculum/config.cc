#include "curriculum/config.h"

namespace lpt::curriculum {
namespace {

struct Preset {
  const char* name;
  int batch;
  bool cache;
  int pool;
};

constexpr Preset kPresets[] = {
    {"default", 100, true, 1000},       {"baseline", 1, false, 1000},
    {"batch_10", 10, true, 1000},       {"batch_100", 100, true, 1000},
    {"batch_1000", 1000, true, 1000},   {"cache_only", 1, true, 1000},
    {"small_pool_100", 100, true, 100},
};

std::vector<CurriculumField> BuildFields() {
  using K = FieldKind;
  using C = CurriculumConfig;
  std::vector<CurriculumField> f;
  f.push_back(MakeField<C>(
      "use_lp", "Learning Progress (1) or DiscreteRandom (0)", K::kBool, 0, 1,
      [](auto& c) -> auto& { return c.use_lp; }));
  f.push_back(MakeField<C>(
      "use_bidirectional", "bidirectional LP from fast/slow EMAs (1) or basic LP (0)", K::kBool, 0,
      1, [](auto& c) -> auto& { return c.use_bidirectional; }));
  f.push_back(MakeField<C>(
      "ema_timescale", "fast EMA rate per result (0.005-0.008 at millions of results)", K::kFloat,
      1e-6, 1, [](auto& c) -> auto& { return c.ema_timescale; }));
  f.push_back(MakeField<C>(
      "slow_timescale_factor", "slow EMA rate as a fraction of the fast", K::kFloat, 1e-6, 1,
      [](auto& c) -> auto& { return c.slow_timescale_factor; }));
  f.push_back(MakeField<C>(
      "use_baseline_normalization", "score above the task's first score B: max(s-B,0)/(1-B)",
      K::kBool, 0, 1, [](auto& c) -> auto& { return c.use_baseline_normalization; }));
  f.push_back(MakeField<C>(
      "exploration_bonus", "basic LP: novelty bonus / sqrt(results), the raw score of cold tasks",
      K::kFloat, 0, 1e3, [](auto& c) -> auto& { return c.exploration_bonus; }));
  f.push_back(MakeField<C>(
      "lp_gain", "weight of the performance term max(R(fast), 0)", K::kFloat, 0, 1e3,
      [](auto& c) -> auto& { return c.lp_gain; }));
  f.push_back(MakeField<C>(
      "progress_smoothing", "theta of the reweighting R(p)", K::kFloat, 0, 0.5,
      [](auto& c) -> auto& { return c.progress_smoothing; }));
  f.push_back(MakeField<C>(
      "z_score_amplification", "multiplier of the z-scores", K::kFloat, 1e-6, 1e3,
      [](auto& c) -> auto& { return c.z_score_amplification; }));
  f.push_back(MakeField<C>(
      "lp_score_temperature", "0: z-score mode; > 0: divide raw scores by this instead", K::kFloat,
      0, 1e6, [](auto& c) -> auto& { return c.lp_score_temperature; }));
  f.push_back(MakeField<C>(
      "min_samples_for_lp", "results before a task's LP counts", K::kInt, 1, 1e6,
      [](auto& c) -> auto& { return c.min_samples_for_lp; }));
  f.push_back(MakeField<C>(
      "unsolved_weight",
      "weight in the LP distribution of mature tasks with no progress and no success yet (0: only "
      "the uniform mix samples them; 1: like a task with no progress)",
      K::kFloat, 0, 1, [](auto& c) -> auto& { return c.unsolved_weight; }));
  f.push_back(MakeField<C>(
      "rand_task_rate", "share of uniform sampling mixed in", K::kFloat, 0, 1,
      [](auto& c) -> auto& { return c.rand_task_rate; }));
  f.push_back(MakeField<C>(
      "num_active_tasks", "task pool capacity", K::kInt, 1, 10000000,
      [](auto& c) -> auto& { return c.num_active_tasks; }));
  f.push_back(MakeField<C>(
      "min_presentations_for_eviction", "results before a task may be evicted", K::kInt, 0, 1e9,
      [](auto& c) -> auto& { return c.min_presentations_for_eviction; }));
  f.push_back(MakeField<C>(
      "eviction_threshold_percentile", "bottom share of scores whose tasks may be evicted",
      K::kFloat, 0, 1, [](auto& c) -> auto& { return c.eviction_threshold_percentile; }));
  f.push_back(MakeField<C>(
      "max_evictions_per_recompute", "cap on evictions per recompute", K::kInt, 0, 1e7,
      [](auto& c) -> auto& { return c.max_evictions_per_recompute; }));
  f.push_back(MakeField<C>(
      "max_inactive_labels_retained", "labels kept (with their stats) after their last task left",
      K::kInt, 0, 1e7, [](auto& c) -> auto& { return c.max_inactive_labels_retained; }));
  f.push_back(MakeField<C>(
      "perf_invalidation_batch_size", "results between score recomputes", K::kInt, 1, 1e9,
      [](auto& c) -> auto& { return c.perf_invalidation_batch_size; }));
  f.push_back(MakeField<C>(
      "perf_cache_task_list", "keep the active-task list (0: scan every slot per recompute)",
      K::kBool, 0, 1, [](auto& c) -> auto& { return c.perf_cache_task_list; }));
  f.push_back(MakeField<C>(
      "perf_log_metrics", "print [LP_PERF] lines periodically", K::kBool, 0, 1,
      [](auto& c) -> auto& { return c.perf_log_metrics; }));
  f.push_back(MakeField<C>(
      "perf_log_interval", "updates between [LP_PERF] lines", K::kInt, 1, 1e12,
      [](auto& c) -> auto& { return c.perf_log_interval; }));
  f.push_back(MakeField<C>(
      "seed", "seed of task ids and sampling (trainer: 0 = the run's seed)", K::kInt, 0,
      9007199254740992.0, [](auto& c) -> auto& { return c.seed; }));
  return f;
}

}  // namespace

const std::vector<CurriculumField>& CurriculumFields() {
  static const std::vector<CurriculumField> fields = BuildFields();
  return fields;
}

Status CurriculumConfig::Validate() const { return ValidateFields(CurriculumFields(), *this); }

Status ApplyPreset(std::string_view name, CurriculumConfig* config) {
  for (const Preset& p : kPresets) {
    if (name == p.name) {
      config->perf_invalidation_batch_size = p.batch;
      config->perf_cache_task_list = p.cache;
      config->num_active_tasks = p.pool;
      return Status::Ok();
    }
  }
  std::string known;
  for (const std::string& n : PresetNames()) known += (known.empty() ? "" : ", ") + n;
  return Status::NotFound("unknown curriculum preset '" + std::string(name) + "' (known: " + known +
                          ")");
}

std::vector<std::string> PresetNames() {
  std::vector<std::string> names;
  for (const Preset& p : kPresets) names.emplace_back(p.name);
  return names;
}

}  // namespace lpt::curriculum
