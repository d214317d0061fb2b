// CurriculumConfig: every knob of the Learning Progress curriculum (and DiscreteRandom), with
// the original system's names (use_lp, perf_invalidation_batch_size, perf_cache_task_list,
// perf_log_metrics, num_active_tasks, ...), one documented field table, and the original
// guide's presets.
#ifndef LPTRAIN_CURRICULUM_CONFIG_H_
#define LPTRAIN_CURRICULUM_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/fields.h"
#include "common/status.h"

namespace lpt::curriculum {

struct CurriculumConfig {
  // Algorithm.
  bool use_lp = true;             // false: DiscreteRandom (uniform, no eviction)
  bool use_bidirectional = true;  // false: basic LP (EMA mean and second moment)

  // Per-result update. Defaults from `lptrain bench steering` (README: the curriculum's knobs):
  // CPU runs bring tasks tens to hundreds of results, not millions.
  double ema_timescale = 0.05;              // fast EMA rate alpha (0.005-0.008 at GPU scale)
  double slow_timescale_factor = 0.2;       // slow EMA rate = alpha * this
  bool use_baseline_normalization = false;  // p = max(s - B, 0) / (1 - B), B = min(first, 0.75)

  // Scoring.
  double exploration_bonus = 0.1;      // basic LP only: the novelty bonus (decays with results)
  double lp_gain = 0;                  // weight of the performance term max(R(fast), 0)
  double progress_smoothing = 0.05;    // theta of the reweighting R(p); 0: none
  double z_score_amplification = 2.0;  // z-score multiplier (z-score mode)
  double lp_score_temperature = 0.0;   // > 0: raw / temperature instead of the z-score
  int min_samples_for_lp = 3;          // results before a task's LP counts (cold until then)
  double unsolved_weight = 0.5;        // weight of mature tasks with no progress and no success
  double rand_task_rate = 0.05;        // share of uniform sampling mixed in

  // Pool and eviction.
  int num_active_tasks = 1000;                 // pool capacity
  int min_presentations_for_eviction = 5;      // results before a task may be evicted
  double eviction_threshold_percentile = 0.4;  // bottom share of scores that may be evicted
  int max_evictions_per_recompute = 2;
  int max_inactive_labels_retained = 100;  // stats kept for labels with no active task

  // Performance knobs of the original system (all real here).
  int perf_invalidation_batch_size = 100;  // results between score recomputes
  bool perf_cache_task_list = true;        // false: each recompute scans every slot
  bool perf_log_metrics = false;           // periodic [LP_PERF] lines
  int perf_log_interval = 10000;           // updates between [LP_PERF] lines

  uint64_t seed = 0;  // task ids and sampling (the trainer uses the run's seed when 0)

  Status Validate() const;
};

using CurriculumField = Field<CurriculumConfig>;
const std::vector<CurriculumField>& CurriculumFields();

// Presets of the original guide; "default" is lptrain's own.
//   baseline        batch 1,    no task-list cache, pool 1000 (the original behaviour)
//   batch_10        batch 10,   cache, pool 1000
//   batch_100       batch 100,  cache, pool 1000 (the original's recommendation)
//   batch_1000      batch 1000, cache, pool 1000
//   cache_only      batch 1,    cache, pool 1000
//   small_pool_100  batch 100,  cache, pool 100
// Applying a preset changes only those three fields.
Status ApplyPreset(std::string_view name, CurriculumConfig* config);
std::vector<std::string> PresetNames();

}  // namespace lpt::curriculum

#endif  // LPTRAIN_CURRICULUM_CONFIG_H_
