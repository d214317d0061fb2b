// Curriculum: the Learning Progress curriculum (and DiscreteRandom) over a fixed-capacity task
// pool. Cost model (docs/design.md §4):
//   Update  O(1): one hash lookup and a few EMAs per episode result;
//   Sample  O(1): an alias-table draw from the current snapshot;
//   Recompute O(n): every perf_invalidation_batch_size results (and on demand, e.g. at a
//     distributed sync point): raw LP scores, eviction (bottom percentile, capped), z-score or
//     temperature, sigmoid, normalise, uniform mix, alias table -> a new immutable snapshot.
// Nothing grows with time: the pool, the id map and the label table are bounded.
//
// Not thread-safe: one owner (rank 0's main thread) calls every method. Snapshots are
// immutable and may be shared freely.
#ifndef LPTRAIN_CURRICULUM_CURRICULUM_H_
#define LPTRAIN_CURRICULUM_CURRICULUM_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/array_bundle.h"
#include "common/counters.h"
#include "common/rng.h"
#include "common/status.h"
#include "curriculum/config.h"
#include "curriculum/id_map.h"
#include "curriculum/labels.h"
#include "curriculum/snapshot.h"
#include "curriculum/task_generator.h"

namespace lpt::curriculum {

// R(p) = p(1 - theta) / (p + theta(1 - 2p)): the reweighting that stretches progress near 0
// and 1. R(0) = 0, R(1) = 1. theta = 0 means no reweighting, R(p) = p (as in the original
// system; the formula itself would be a step function there).
inline double Reweight(double p, double theta) {
  if (theta == 0) return p;
  const double denom = p + theta * (1.0 - 2.0 * p);
  return denom > 0 ? p * (1.0 - theta) / denom : 0.0;
}

// Gini coefficient of non-negative values (0: all equal; -> 1: one holds everything).
double Gini(std::vector<double> values);

// The curriculum's counters, exported by name ("counter.updates", ...).
struct CurriculumCounters {
  int64_t updates = 0;          // results applied
  int64_t stale_results = 0;    // results for tasks no longer in the pool (dropped)
  int64_t invalidations = 0;    // recomputes
  int64_t cache_hits = 0;       // recomputes that reused the task list
  int64_t cache_misses = 0;     // recomputes that rebuilt it (or scanned every slot)
  int64_t created = 0;          // tasks put into the pool
  int64_t evicted = 0;          // tasks replaced by eviction
  int64_t since_recompute = 0;  // results since the last recompute
  static const CounterTable<CurriculumCounters>& Table();
};

struct TaskDraw {
  uint64_t task_id;
  uint32_t label_id;
  uint32_t index;  // in the snapshot it came from
};

struct LabelSummary {
  std::string name;
  LabelStats stats;
  double mean_lp = 0;  // mean raw LP score of its active tasks at the last recompute
};

struct CurriculumStats {
  // Counters.
  int64_t updates = 0;        // results applied
  int64_t stale_results = 0;  // results for tasks no longer in the pool (dropped)
  int64_t invalidations = 0;  // recomputes
  int64_t cache_hits = 0;     // recomputes that reused the task list
  int64_t cache_misses = 0;   // recomputes that rebuilt it (or scanned every slot)
  int64_t created = 0;
  int64_t evicted = 0;
  int64_t completed = 0;  // == updates
  uint64_t snapshot_version = 0;
  double reduction_ratio = 0;  // updates per invalidation
  double cache_hit_rate = 0;
  // Distribution.
  double gini_sampling = 0;
  double gini_raw_lp = 0;
  double gini_pool_by_label = 0;
  double gini_evictions_by_label = 0;
  double mean_raw_lp = 0;
  double max_probability = 0;
  int64_t mature_tasks = 0;    // with at least min_samples_for_lp results
  int64_t excluded_tasks = 0;  // mature, no progress and never a success: only the uniform mix
  // Cost (wall clock; never part of the saved state).
  double recompute_mean_us = 0;
  double recompute_max_us = 0;
  // Memory.
  size_t pool_size = 0;
  size_t bytes_pool = 0;
  size_t bytes_maps = 0;
  size_t bytes_labels = 0;
  size_t num_labels = 0;  // live labels (active + retained inactive)
  size_t num_inactive_labels = 0;
  std::vector<LabelSummary> labels;  // every live label
};

// A pool task as the owner sees it (tests, inspection).
struct TaskView {
  uint64_t task_id;
  std::string label;
  int64_t count;    // results
  int64_t samples;  // times sampled
  double total, last, fast, slow, p_true, mean, second_moment;
  double baseline;   // set by the first result when use_baseline_normalization, else 0
  double raw_score;  // at the last recompute
  double
      in_play;  // its weight in the LP distribution at the last recompute (1, or unsolved_weight)
  std::vector<double> params;
};

class Curriculum {
 public:
  // The largest task set an enumerated pool takes.
  static constexpr uint64_t kMaxEnumeratedTasks = 1000000;

  // Validates config, fills the pool and computes the first snapshot. A sampled pool holds
  // num_active_tasks generated task ids and replaces evicted ones; an enumerated generator's pool
  // holds every combination once (ids 0 .. n - 1) and never evicts.
  static StatusOr<std::unique_ptr<Curriculum>> Create(
      const CurriculumConfig& config, std::shared_ptr<const TaskGenerator> generator);

  Curriculum(const Curriculum&) = delete;
  Curriculum& operator=(const Curriculum&) = delete;

  // Records one episode result for task_id; score / max_score is clipped to [0, 1]. Results
  // for tasks no longer in the pool, or non-finite scores, are counted and dropped.
  void Update(uint64_t task_id, double score, double max_score = 1.0);
  // The next task, drawn from the current snapshot.
  TaskDraw Sample();
  // Recomputes scores, evicts, and publishes a new snapshot now.
  void Recompute();

  std::shared_ptr<const Snapshot> snapshot() const { return snapshot_; }
  const TaskGenerator& generator() const { return *generator_; }
  const CurriculumConfig& config() const { return config_; }
  bool enumerated() const { return enumerated_; }
  int capacity() const { return capacity_; }
  const LabelTable& labels() const { return labels_; }

  // O(n log n): for once-per-iteration logging, not the hot path.
  CurriculumStats Stats() const;
  // The original guide's two "[LP_PERF] ..." lines.
  std::string PerfLogLines() const;
  // Where [LP_PERF] lines go when perf_log_metrics is on (nowhere until set).
  void set_log_sink(std::function<void(const std::string&)> sink) { log_sink_ = std::move(sink); }

  std::optional<TaskView> Task(uint64_t task_id) const;
  std::vector<uint64_t> ActiveTaskIds() const;  // in active-list order

  // The whole state as plain arrays; ImportState into a curriculum created with the same
  // config and generator restores identical future scores and samples.
  ArrayBundle ExportState() const;
  Status ImportState(const ArrayBundle& state);

 private:
  Curriculum(const CurriculumConfig& config, std::shared_ptr<const TaskGenerator> generator);

  uint32_t AddTask(uint64_t task_id);
  void ReplaceTask(uint32_t slot, uint64_t task_id);
  void ClearSlot(uint32_t slot);
  uint64_t NewTaskId();
  // The raw score of a task with no results yet (it is cold).
  double FreshScore() const { return cold_score_; }
  void ScorePool();  // raw_ and in_play_ of every slot
  int Evict();       // returns how many tasks were replaced
  void BuildTaskList();
  // Builds the next snapshot from scores_ (or, on import, from saved probabilities).
  void PublishSnapshot(const std::vector<double>* saved = nullptr);
  void LogPerf();

  const CurriculumConfig config_;
  const std::shared_ptr<const TaskGenerator> generator_;
  const bool enumerated_;  // the pool is every combination of an enumerated generator
  const int capacity_;
  const int num_keys_;

  // Pool slots (struct of arrays, [capacity]).
  std::vector<uint64_t> task_id_;
  std::vector<uint32_t> label_;
  std::vector<uint8_t> active_;
  std::vector<double> count_;  // results (a double so the scoring loop vectorises)
  std::vector<int64_t> samples_;
  std::vector<double> total_, last_, fast_, slow_, p_true_, mean_, m2_, baseline_, raw_;
  // 1 when the slot takes part in the LP distribution at the last recompute (cold, or mature
  // with progress or some success), 0 when only the uniform mix samples it.
  std::vector<double> in_play_;
  std::vector<double> params_;  // [capacity, num_keys]
  // Active slots in order, maintained incrementally. The pool is filled once at creation and
  // eviction replaces a task in its own slot, so no slot is ever free after that.
  std::vector<uint32_t> active_list_;
  IdSlotMap id_map_;
  LabelTable labels_;
  CounterRng task_rng_;    // new task ids
  CounterRng sample_rng_;  // sampling

  // Recompute.
  std::vector<uint32_t> task_list_;  // the snapshot's slots, in order
  bool membership_changed_ = true;   // since task_list_ was built
  std::shared_ptr<const Snapshot> snapshot_;
  struct Membership {
    std::vector<uint64_t> task_ids;
    std::vector<uint32_t> label_ids, slots;
  };
  std::vector<std::shared_ptr<Snapshot>> snapshot_pool_;
  std::vector<std::shared_ptr<Membership>> membership_pool_;
  std::vector<double> scores_;  // raw scores by task-list position
  std::vector<double> play_;    // in_play_ by task-list position
  double cold_score_ = 0;       // raw score of cold tasks at the last recompute
  std::vector<uint32_t> scratch_ids_;

  CurriculumCounters counters_;
  uint64_t version_ = 0;
  uint64_t recompute_ns_total_ = 0, recompute_ns_max_ = 0;
  std::function<void(const std::string&)> log_sink_;
};

}  // namespace lpt::curriculum

#endif  // LPTRAIN_CURRICULUM_CURRICULUM_H_
