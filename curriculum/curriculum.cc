#include "curriculum/curriculum.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "common/clock.h"
#include "curriculum/fast_math.h"

namespace lpt::curriculum {
namespace {

// Streams of the curriculum's own generators, apart from everything else keyed by the seed.
constexpr uint64_t kTaskIdStream = 0x7461736b6964ULL;  // "taskid"
constexpr uint64_t kSampleStream = 0x73616d706c65ULL;  // "sample"

// An object of the pool that nobody else holds (to be refilled), or a new one. Snapshots are
// published every batch; recycling them keeps their arrays' memory instead of allocating and
// zeroing it each time. At most kMaxPooled objects are kept; beyond that (consumers holding
// many old snapshots) new ones are simply allocated.
template <typename T>
std::shared_ptr<T> Recycle(std::vector<std::shared_ptr<T>>* pool) {
  constexpr size_t kMaxPooled = 4;
  for (const std::shared_ptr<T>& p : *pool) {
    if (p.use_count() == 1) return p;
  }
  auto fresh = std::make_shared<T>();
  if (pool->size() < kMaxPooled) pool->push_back(fresh);
  return fresh;
}

std::string Fixed1(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

}  // namespace

const CounterTable<CurriculumCounters>& CurriculumCounters::Table() {
  using C = CurriculumCounters;
  static const CounterTable<C> table = {
      {"updates", &C::updates},
      {"stale_results", &C::stale_results},
      {"invalidations", &C::invalidations},
      {"cache_hits", &C::cache_hits},
      {"cache_misses", &C::cache_misses},
      {"created", &C::created},
      {"evicted", &C::evicted},
      {"since_recompute", &C::since_recompute},
  };
  return table;
}

double Gini(std::vector<double> values) {
  const size_t n = values.size();
  if (n == 0) return 0.0;
  std::sort(values.begin(), values.end());
  double sum = 0;
  double weighted = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += values[i];
    weighted += static_cast<double>(i + 1) * values[i];
  }
  if (sum <= 0) return 0.0;
  const double dn = static_cast<double>(n);
  return std::max(0.0, 2.0 * weighted / (dn * sum) - (dn + 1.0) / dn);  // rounding can dip below 0
}

StatusOr<std::unique_ptr<Curriculum>> Curriculum::Create(
    const CurriculumConfig& config, std::shared_ptr<const TaskGenerator> generator) {
  LPT_RETURN_IF_ERROR(config.Validate());
  if (generator == nullptr) return Status::InvalidArgument("curriculum: no task generator");
  if (generator->enumerated() && generator->num_combinations() > kMaxEnumeratedTasks) {
    return Status::InvalidArgument("curriculum: " + std::to_string(generator->num_combinations()) +
                                   " task combinations are too many to enumerate (at most " +
                                   std::to_string(kMaxEnumeratedTasks) + "); use a sampled pool");
  }
  std::unique_ptr<Curriculum> c(new Curriculum(config, std::move(generator)));
  // An enumerated pool holds every combination once (task id = combination index); a sampled
  // pool draws num_active_tasks task ids (seeds).
  for (int i = 0; i < c->capacity_; ++i)
    c->AddTask(c->enumerated_ ? static_cast<uint64_t>(i) : c->NewTaskId());
  c->Recompute();
  return c;
}

Curriculum::Curriculum(const CurriculumConfig& config,
                       std::shared_ptr<const TaskGenerator> generator)
    : config_(config),
      generator_(std::move(generator)),
      enumerated_(generator_->enumerated()),
      capacity_(enumerated_ ? static_cast<int>(generator_->num_combinations())
                            : config.num_active_tasks),
      num_keys_(generator_->num_keys()),
      id_map_(static_cast<size_t>(capacity_)),
      labels_(config.max_inactive_labels_retained),
      task_rng_(config.seed, kTaskIdStream),
      sample_rng_(config.seed, kSampleStream) {
  const size_t n = capacity_;
  task_id_.assign(n, 0);
  label_.assign(n, 0);
  active_.assign(n, 0);
  count_.assign(n, 0.0);
  samples_.assign(n, 0);
  for (std::vector<double>* v :
       {&total_, &last_, &fast_, &slow_, &p_true_, &mean_, &m2_, &baseline_, &raw_}) {
    v->assign(n, 0.0);
  }
  in_play_.assign(n, 1.0);
  cold_score_ = config.use_lp && !config.use_bidirectional ? config.exploration_bonus : 0.0;
  params_.assign(n * num_keys_, 0.0);
  active_list_.reserve(n);
  task_list_.reserve(n);
  scores_.reserve(n);
  play_.reserve(n);
  scratch_ids_.reserve(n);
}

// A slot's statistics as for a task with no results yet.
void Curriculum::ClearSlot(uint32_t slot) {
  count_[slot] = 0;
  samples_[slot] = 0;
  total_[slot] = last_[slot] = fast_[slot] = slow_[slot] = p_true_[slot] = mean_[slot] = m2_[slot] =
      0;
  baseline_[slot] = 0;
  raw_[slot] = FreshScore();
  in_play_[slot] = 1.0;
}

uint64_t Curriculum::NewTaskId() {
  uint64_t id;
  do {
    id = task_rng_.Next();
  } while (id_map_.Find(id) != IdSlotMap::kNone);
  return id;
}

// Puts task_id into the next unused slot (at construction) or into `slot` (eviction), with
// fresh statistics. The new label is acquired before the old one is released, so a label
// shared by both never looks inactive in between.
uint32_t Curriculum::AddTask(uint64_t task_id) {
  const auto slot = static_cast<uint32_t>(active_list_.size());
  LPT_CHECK(static_cast<int>(slot) < capacity_) << "pool full";
  active_list_.push_back(slot);
  active_[slot] = 1;
  std::string label;
  generator_->Generate(task_id, params_.data() + static_cast<size_t>(slot) * num_keys_, &label);
  label_[slot] = labels_.Acquire(label);
  task_id_[slot] = task_id;
  id_map_.Insert(task_id, slot);
  ClearSlot(slot);
  ++counters_.created;
  membership_changed_ = true;
  return slot;
}

void Curriculum::ReplaceTask(uint32_t slot, uint64_t task_id) {
  std::string label;
  generator_->Generate(task_id, params_.data() + static_cast<size_t>(slot) * num_keys_, &label);
  const uint32_t new_label = labels_.Acquire(label);
  labels_.stats(label_[slot]).evictions += 1;
  labels_.Release(label_[slot]);
  id_map_.Erase(task_id_[slot]);
  label_[slot] = new_label;
  task_id_[slot] = task_id;
  id_map_.Insert(task_id, slot);
  ClearSlot(slot);
  ++counters_.created;
  ++counters_.evicted;
  membership_changed_ = true;
}

// --- per result: O(1) ---

void Curriculum::Update(uint64_t task_id, double score, double max_score) {
  const uint32_t slot = id_map_.Find(task_id);
  if (slot == IdSlotMap::kNone || !std::isfinite(score) || !std::isfinite(max_score)) {
    ++counters_.stale_results;
    return;
  }
  double s = max_score > 0 ? score / max_score : score;
  s = std::clamp(s, 0.0, 1.0);
  const double alpha = config_.ema_timescale;
  const double slow_alpha = alpha * config_.slow_timescale_factor;
  const double n = ++count_[slot];
  total_[slot] += s;
  last_[slot] = s;
  double p = s;
  if (config_.use_baseline_normalization) {
    if (n == 1) baseline_[slot] = std::min(s, 0.75);
    const double b = baseline_[slot];
    p = std::max(s - b, 0.0) / (1.0 - b);
  }
  if (n == 1) {
    fast_[slot] = slow_[slot] = p;
    p_true_[slot] = mean_[slot] = s;
    m2_[slot] = s * s;
  } else {
    fast_[slot] += alpha * (p - fast_[slot]);
    slow_[slot] += slow_alpha * (p - slow_[slot]);
    p_true_[slot] += alpha * (s - p_true_[slot]);
    mean_[slot] += alpha * (s - mean_[slot]);
    m2_[slot] += alpha * (s * s - m2_[slot]);
  }
  LabelStats& ls = labels_.stats(label_[slot]);
  ls.reward_ema = ls.completions == 0 ? s : ls.reward_ema + alpha * (s - ls.reward_ema);
  ++ls.completions;
  ++counters_.updates;
  if (++counters_.since_recompute >= config_.perf_invalidation_batch_size) Recompute();
  if (config_.perf_log_metrics && counters_.updates % config_.perf_log_interval == 0) LogPerf();
}

TaskDraw Curriculum::Sample() {
  const Snapshot& snap = *snapshot_;
  const uint32_t i = snap.SampleIndex(&sample_rng_);
  const uint32_t slot = (*snap.slots)[i];
  ++samples_[slot];
  ++labels_.stats(label_[slot]).samples;
  return TaskDraw{(*snap.task_ids)[i], (*snap.label_ids)[i], i};
}

// --- per batch: O(n) ---

// Raw LP scores of every slot (docs/design.md §4.3), and whether each is in play.
//  - bidirectional: lp = |R(fast) - R(slow)| + lp_gain * max(R(fast), 0) for a mature task
//    (at least min_samples_for_lp results). A mature task with lp = 0 that never succeeded
//    (p_true = 0) is out of play: only the uniform mix samples it (the original system drops
//    such tasks the same way). A cold task is in play with the mean raw score of the mature
//    tasks in play: a fair start, neither favoured (no novelty bonus) nor starved.
//  - basic: std-dev + exploration_bonus / sqrt(count), exploration_bonus while cold.
//  - DiscreteRandom: 0, all in play.
void Curriculum::ScorePool() {
  const double* count = count_.data();
  const double* fast = fast_.data();
  const double* slow = slow_.data();
  const double* p_true = p_true_.data();
  const double* mean = mean_.data();
  const double* m2 = m2_.data();
  double* raw = raw_.data();
  double* play = in_play_.data();
  const int n = capacity_;
  std::fill(play, play + n, 1.0);
  if (!config_.use_lp) {
    std::fill(raw, raw + n, 0.0);
    cold_score_ = 0;
    return;
  }
  // Config values in locals: the compiler then knows the stores to raw cannot change them.
  const double theta = config_.progress_smoothing;
  const double gain = config_.lp_gain;
  const double bonus = config_.exploration_bonus;
  const double min_samples = config_.min_samples_for_lp;
  const double unsolved = config_.unsolved_weight;
  // The mode is decided outside the loops, so each loop body is straight-line and vectorises.
  if (config_.use_bidirectional) {
    double sum = 0;
    double mature_in_play = 0;
    for (int i = 0; i < n; ++i) {
      const double rf = Reweight(fast[i], theta);
      const double rs = Reweight(slow[i], theta);
      const double lp = std::abs(rf - rs) + gain * std::max(rf, 0.0);
      const double mature = count[i] >= min_samples ? 1.0 : 0.0;
      const double live = (lp > 0 || p_true[i] > 0) ? 1.0 : 0.0;
      raw[i] = lp;
      play[i] = 1.0 - mature * (1.0 - live) * (1.0 - unsolved);
      sum += mature * live * lp;
      mature_in_play += mature * live;
    }
    // Only active slots count: unused slots hold no task.
    cold_score_ = mature_in_play > 0 ? sum / mature_in_play : 0.0;
    for (int i = 0; i < n; ++i) raw[i] = count[i] < min_samples ? cold_score_ : raw[i];
  } else {
    for (int i = 0; i < n; ++i) {
      const double spread = std::sqrt(std::max(m2[i] - mean[i] * mean[i], 0.0));
      const double lp = spread + bonus / std::sqrt(std::max(count[i], 1.0));
      raw[i] = count[i] < min_samples ? bonus : lp;
    }
    cold_score_ = bonus;
  }
}

void Curriculum::BuildTaskList() {
  if (config_.perf_cache_task_list) {
    // The active list is maintained incrementally, so it is the task list.
    if (task_list_.size() == active_list_.size()) {
      ++counters_.cache_hits;
    } else {
      task_list_ = active_list_;
      ++counters_.cache_misses;
    }
    return;
  }
  // The original system's behaviour, kept as the reference: find the active tasks by
  // scanning every slot.
  task_list_.clear();
  for (int slot = 0; slot < capacity_; ++slot) {
    if (active_[slot]) task_list_.push_back(static_cast<uint32_t>(slot));
  }
  ++counters_.cache_misses;
}

// Bottom-percentile eviction with a per-recompute cap. A task may go when it has at least
// min_presentations_for_eviction results and lies in the bottom eviction_threshold_percentile
// of scores: fewer than k = floor(percentile * n) scores are strictly below its own. Ties at
// the bottom may go (a pool where half the tasks never succeed must still turn over), but a
// task tying the pool's best score never does, so a pool of all-tied scores never churns.
// Rather than selecting the percentile (O(n) but data-dependent), the few lowest evictable
// tasks are picked first and each is checked by counting. Replacements take the same slots.
int Curriculum::Evict() {
  const size_t n = task_list_.size();
  // An enumerated pool is the whole task set: nothing to replace a task with.
  if (enumerated_ || !config_.use_lp || config_.max_evictions_per_recompute == 0 || n == 0)
    return 0;
  const auto k = static_cast<size_t>(std::floor(config_.eviction_threshold_percentile * n));
  if (k == 0) return 0;
  const auto cap = std::min(static_cast<size_t>(config_.max_evictions_per_recompute), k);
  const auto lower = [this](uint32_t a, uint32_t b) {  // positions, by (score, task id)
    if (scores_[a] != scores_[b]) return scores_[a] < scores_[b];
    return task_id_[task_list_[a]] < task_id_[task_list_[b]];
  };
  // The cap lowest evictable positions, kept sorted (cap is small: insertion is cheapest).
  scratch_ids_.clear();
  for (uint32_t i = 0; i < n; ++i) {
    if (count_[task_list_[i]] < config_.min_presentations_for_eviction) continue;
    if (scratch_ids_.size() == cap && !lower(i, scratch_ids_.back())) continue;
    if (scratch_ids_.size() == cap) scratch_ids_.pop_back();
    scratch_ids_.insert(std::upper_bound(scratch_ids_.begin(), scratch_ids_.end(), i, lower), i);
  }
  // Candidates are sorted, so if the highest qualifies all do; usually one counting pass
  // decides.
  const double best = *std::max_element(scores_.begin(), scores_.end());
  size_t qualifying = scratch_ids_.size();
  while (qualifying > 0) {
    const double x = scores_[scratch_ids_[qualifying - 1]];
    size_t below = 0;
    for (size_t j = 0; j < n; ++j) below += scores_[j] < x ? 1 : 0;
    if (below < k && x < best) break;
    --qualifying;
  }
  for (size_t c = 0; c < qualifying; ++c) {
    const uint32_t i = scratch_ids_[c];
    ReplaceTask(task_list_[i], NewTaskId());
    scores_[i] = raw_[task_list_[i]] = cold_score_;  // a fresh task starts cold
    play_[i] = in_play_[task_list_[i]] = 1.0;
  }
  return static_cast<int>(qualifying);
}

void Curriculum::Recompute() {
  const uint64_t t0 = SteadyNanos();
  BuildTaskList();
  const size_t n = task_list_.size();
  scores_.resize(n);
  play_.resize(n);
  ScorePool();
  for (size_t i = 0; i < n; ++i) {
    scores_[i] = raw_[task_list_[i]];
    play_[i] = in_play_[task_list_[i]];
  }
  Evict();
  PublishSnapshot();
  counters_.since_recompute = 0;
  ++counters_.invalidations;
  const uint64_t dt = SteadyNanos() - t0;
  recompute_ns_total_ += dt;
  recompute_ns_max_ = std::max(recompute_ns_max_, dt);
}

void Curriculum::PublishSnapshot(const std::vector<double>* saved) {
  const size_t n = task_list_.size();
  std::shared_ptr<Snapshot> snap = Recycle(&snapshot_pool_);
  snap->version = ++version_;
  if (membership_changed_ || snapshot_ == nullptr) {
    std::shared_ptr<Membership> m = Recycle(&membership_pool_);
    m->task_ids.resize(n);
    m->label_ids.resize(n);
    for (size_t i = 0; i < n; ++i) {
      m->task_ids[i] = task_id_[task_list_[i]];
      m->label_ids[i] = label_[task_list_[i]];
    }
    m->slots = task_list_;
    // The three arrays share m's lifetime (aliasing pointers), so m is recycled only once no
    // snapshot refers to any of them.
    snap->task_ids = std::shared_ptr<const std::vector<uint64_t>>(m, &m->task_ids);
    snap->label_ids = std::shared_ptr<const std::vector<uint32_t>>(m, &m->label_ids);
    snap->slots = std::shared_ptr<const std::vector<uint32_t>>(m, &m->slots);
    membership_changed_ = false;
  } else {
    snap->task_ids = snapshot_->task_ids;
    snap->label_ids = snapshot_->label_ids;
    snap->slots = snapshot_->slots;
  }

  std::vector<double>& p = snap->probabilities;
  p.resize(n);
  if (saved != nullptr) {
    p = *saved;
  } else if (!config_.use_lp || n == 0) {
    std::fill(p.begin(), p.end(), n > 0 ? 1.0 / static_cast<double>(n) : 0.0);
  } else {
    // Over the tasks in play: z-scores (or raw / temperature), sigmoid, normalised; tasks out
    // of play get nothing but their share of the uniform mix. No task in play: uniform.
    double in_play = 0;
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
      in_play += play_[i];
      sum += play_[i] * scores_[i];
    }
    double scale = 0;
    double shift = 0;
    if (config_.lp_score_temperature > 0) {
      scale = 1.0 / config_.lp_score_temperature;
    } else if (in_play > 0) {
      const double mean = sum / in_play;
      double var = 0;
      for (size_t i = 0; i < n; ++i) var += play_[i] * (scores_[i] - mean) * (scores_[i] - mean);
      const double sd = std::sqrt(var / in_play);
      // All scores tied: every z is 0, so the tasks in play are equally likely.
      scale = sd > 1e-12 ? config_.z_score_amplification / sd : 0.0;
      shift = mean;
    }
    // Two loops: the first vectorises (no reduction in it).
    for (size_t i = 0; i < n; ++i) p[i] = play_[i] / (1.0 + Exp((shift - scores_[i]) * scale));
    double total = 0;
    for (double v : p) total += v;
    const double uniform = (total > 0 ? config_.rand_task_rate : 1.0) / static_cast<double>(n);
    const double keep = total > 0 ? (1.0 - config_.rand_task_rate) / total : 0.0;
    for (double& v : p) v = v * keep + uniform;
  }
  BuildAliasTable(p, &snap->alias_prob, &snap->alias_index, &scratch_ids_);
  snapshot_ = std::move(snap);
}

// --- reporting ---

std::string Curriculum::PerfLogLines() const {
  const double reduction = counters_.invalidations > 0
                               ? static_cast<double>(counters_.updates) / counters_.invalidations
                               : 0.0;
  const int64_t lookups = counters_.cache_hits + counters_.cache_misses;
  const double hit_rate = lookups > 0 ? 100.0 * counters_.cache_hits / lookups : 0.0;
  return "[LP_PERF] Invalidations: " + std::to_string(counters_.invalidations) +
         ", Total updates: " + std::to_string(counters_.updates) +
         ", Batch size: " + std::to_string(config_.perf_invalidation_batch_size) +
         ", Reduction: " + Fixed1(reduction) + "x\n" +
         "[LP_PERF] Task list cache: " + std::to_string(counters_.cache_hits) + " hits, " +
         std::to_string(counters_.cache_misses) + " misses, hit rate: " + Fixed1(hit_rate) + "%";
}

void Curriculum::LogPerf() {
  if (log_sink_) log_sink_(PerfLogLines());
}

CurriculumStats Curriculum::Stats() const {
  CurriculumStats s;
  s.updates = counters_.updates;
  s.completed = counters_.updates;
  s.stale_results = counters_.stale_results;
  s.invalidations = counters_.invalidations;
  s.cache_hits = counters_.cache_hits;
  s.cache_misses = counters_.cache_misses;
  s.created = counters_.created;
  s.evicted = counters_.evicted;
  s.snapshot_version = version_;
  s.reduction_ratio = counters_.invalidations > 0
                          ? static_cast<double>(counters_.updates) / counters_.invalidations
                          : 0.0;
  s.cache_hit_rate = counters_.cache_hits + counters_.cache_misses > 0
                         ? static_cast<double>(counters_.cache_hits) /
                               (counters_.cache_hits + counters_.cache_misses)
                         : 0.0;
  s.gini_sampling = Gini(snapshot_->probabilities);
  s.max_probability =
      snapshot_->probabilities.empty()
          ? 0.0
          : *std::max_element(snapshot_->probabilities.begin(), snapshot_->probabilities.end());
  std::vector<double> raw;
  raw.reserve(active_list_.size());
  std::vector<double> lp_sum(labels_.id_capacity(), 0.0);
  for (uint32_t slot : active_list_) {
    raw.push_back(raw_[slot]);
    lp_sum[label_[slot]] += raw_[slot];
    if (count_[slot] >= config_.min_samples_for_lp) ++s.mature_tasks;
    if (in_play_[slot] < 1) ++s.excluded_tasks;
  }
  s.mean_raw_lp = raw.empty() ? 0.0 : std::accumulate(raw.begin(), raw.end(), 0.0) / raw.size();
  s.gini_raw_lp = Gini(std::move(raw));
  std::vector<double> occupancy;
  std::vector<double> evictions;
  for (uint32_t id = 0; id < labels_.id_capacity(); ++id) {
    if (!labels_.live(id)) continue;
    const LabelStats& ls = labels_.stats(id);
    if (ls.active_tasks > 0) occupancy.push_back(static_cast<double>(ls.active_tasks));
    evictions.push_back(static_cast<double>(ls.evictions));
    LabelSummary summary;
    summary.name = labels_.name(id);
    summary.stats = ls;
    summary.mean_lp = ls.active_tasks > 0 ? lp_sum[id] / static_cast<double>(ls.active_tasks) : 0.0;
    s.labels.push_back(std::move(summary));
  }
  s.gini_pool_by_label = Gini(std::move(occupancy));
  s.gini_evictions_by_label = Gini(std::move(evictions));
  s.recompute_mean_us =
      counters_.invalidations > 0 ? 1e-3 * recompute_ns_total_ / counters_.invalidations : 0.0;
  s.recompute_max_us = 1e-3 * recompute_ns_max_;
  s.pool_size = active_list_.size();
  s.bytes_pool = task_id_.capacity() * sizeof(uint64_t) +
                 (label_.capacity() + active_list_.capacity() + task_list_.capacity() +
                  scratch_ids_.capacity()) *
                     sizeof(uint32_t) +
                 active_.capacity() + count_.capacity() * sizeof(double) +
                 samples_.capacity() * sizeof(int64_t) +
                 (total_.capacity() * 9 + params_.capacity() + scores_.capacity()) * sizeof(double);
  s.bytes_maps = id_map_.bytes();
  s.bytes_labels = labels_.bytes();
  s.num_labels = labels_.num_live();
  s.num_inactive_labels = labels_.num_inactive();
  return s;
}

std::optional<TaskView> Curriculum::Task(uint64_t task_id) const {
  const uint32_t slot = id_map_.Find(task_id);
  if (slot == IdSlotMap::kNone) return std::nullopt;
  TaskView v;
  v.task_id = task_id;
  v.label = labels_.name(label_[slot]);
  v.count = static_cast<int64_t>(count_[slot]);
  v.samples = samples_[slot];
  v.total = total_[slot];
  v.last = last_[slot];
  v.fast = fast_[slot];
  v.slow = slow_[slot];
  v.p_true = p_true_[slot];
  v.mean = mean_[slot];
  v.second_moment = m2_[slot];
  v.baseline = baseline_[slot];
  v.raw_score = raw_[slot];
  v.in_play = in_play_[slot];
  v.params.assign(params_.begin() + static_cast<ptrdiff_t>(slot) * num_keys_,
                  params_.begin() + static_cast<ptrdiff_t>(slot + 1) * num_keys_);
  return v;
}

std::vector<uint64_t> Curriculum::ActiveTaskIds() const {
  std::vector<uint64_t> ids;
  ids.reserve(active_list_.size());
  for (uint32_t slot : active_list_) ids.push_back(task_id_[slot]);
  return ids;
}

// --- state ---

ArrayBundle Curriculum::ExportState() const {
  ArrayBundle b;
  b.i64["capacity"] = {capacity_};
  b.i64["num_keys"] = {num_keys_};
  PutCounters(counters_, &b);
  b.u64["snapshot_version"] = {version_};
  b.u64["task_rng"] = {task_rng_.key(), task_rng_.counter()};
  b.u64["sample_rng"] = {sample_rng_.key(), sample_rng_.counter()};
  b.u64["slot_task_id"] = task_id_;
  b.i64["slot_active"] = std::vector<int64_t>(active_.begin(), active_.end());
  b.i64["slot_label"] = std::vector<int64_t>(label_.begin(), label_.end());
  b.i64["slot_count"] = std::vector<int64_t>(count_.begin(), count_.end());
  b.i64["slot_samples"] = samples_;
  b.f64["slot_total"] = total_;
  b.f64["slot_last"] = last_;
  b.f64["slot_fast_ema"] = fast_;
  b.f64["slot_slow_ema"] = slow_;
  b.f64["slot_p_true"] = p_true_;
  b.f64["slot_mean"] = mean_;
  b.f64["slot_second_moment"] = m2_;
  b.f64["slot_baseline"] = baseline_;
  b.f64["slot_raw_score"] = raw_;
  b.f64["slot_params"] = params_;
  b.i64["active_list"] = std::vector<int64_t>(active_list_.begin(), active_list_.end());
  b.i64["snapshot_slots"] =
      std::vector<int64_t>(snapshot_->slots->begin(), snapshot_->slots->end());
  b.f64["snapshot_probabilities"] = snapshot_->probabilities;
  labels_.Export(&b, "label_");
  return b;
}

Status Curriculum::ImportState(const ArrayBundle& b) {
  LPT_ASSIGN_OR_RETURN(const int64_t capacity, b.ScalarI64("capacity"));
  LPT_ASSIGN_OR_RETURN(const int64_t num_keys, b.ScalarI64("num_keys"));
  if (capacity != capacity_ || num_keys != num_keys_) {
    return Status::FailedPrecondition(
        "curriculum state: pool of " + std::to_string(capacity) + " tasks with " +
        std::to_string(num_keys) + " params, expected " + std::to_string(capacity_) + " with " +
        std::to_string(num_keys_) + " (num_active_tasks or the task generator changed)");
  }
  const int64_t n = capacity_;
  CurriculumCounters counters;
  LPT_RETURN_IF_ERROR(GetCounters(b, &counters));
  LPT_ASSIGN_OR_RETURN(const uint64_t version, b.ScalarU64("snapshot_version"));
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* task_rng, b.GetU64("task_rng", 2));
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* sample_rng, b.GetU64("sample_rng", 2));
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* ids, b.GetU64("slot_task_id", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* active, b.GetI64("slot_active", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* labels, b.GetI64("slot_label", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* count, b.GetI64("slot_count", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* samples, b.GetI64("slot_samples", n));
  struct F64 {
    const char* name;
    std::vector<double>* into;
  };
  const F64 f64s[] = {
      {"slot_total", &total_},      {"slot_last", &last_},         {"slot_fast_ema", &fast_},
      {"slot_slow_ema", &slow_},    {"slot_p_true", &p_true_},     {"slot_mean", &mean_},
      {"slot_second_moment", &m2_}, {"slot_baseline", &baseline_}, {"slot_raw_score", &raw_}};
  for (const F64& f : f64s) LPT_RETURN_IF_ERROR(b.GetF64(f.name, n).status());
  LPT_ASSIGN_OR_RETURN(const std::vector<double>* params, b.GetF64("slot_params", n * num_keys_));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* active_list, b.GetI64("active_list"));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* snap_slots, b.GetI64("snapshot_slots"));
  LPT_ASSIGN_OR_RETURN(
      const std::vector<double>* snap_p,
      b.GetF64("snapshot_probabilities", static_cast<int64_t>(snap_slots->size())));
  LabelTable label_table(config_.max_inactive_labels_retained);
  LPT_RETURN_IF_ERROR(label_table.Import(b, "label_"));
  for (int64_t v : *active_list) {
    if (v < 0 || v >= n || (*active)[v] == 0) return Status::Corruption("active_list: bad slot");
  }
  for (int64_t v : *snap_slots) {
    if (v < 0 || v >= n || (*active)[v] == 0) return Status::Corruption("snapshot_slots: bad slot");
  }
  {
    std::vector<uint64_t> live_ids;
    for (int64_t i = 0; i < n; ++i) {
      if ((*active)[i]) live_ids.push_back((*ids)[i]);
    }
    std::sort(live_ids.begin(), live_ids.end());
    if (std::adjacent_find(live_ids.begin(), live_ids.end()) != live_ids.end()) {
      return Status::Corruption("slot_task_id: a task id appears twice");
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    if ((*active)[i] && ((*labels)[i] < 0 || (*labels)[i] >= label_table.id_capacity() ||
                         !label_table.live(static_cast<uint32_t>((*labels)[i])))) {
      return Status::Corruption("slot_label: slot " + std::to_string(i) + " has no live label");
    }
  }

  // Everything checked: now replace the state.
  for (const F64& f : f64s) *f.into = *b.GetF64(f.name, n).value();
  counters_ = counters;
  version_ = version;
  task_rng_ = CounterRng::FromState((*task_rng)[0], (*task_rng)[1]);
  sample_rng_ = CounterRng::FromState((*sample_rng)[0], (*sample_rng)[1]);
  task_id_ = *ids;
  count_.assign(count->begin(), count->end());
  samples_ = *samples;
  params_ = *params;
  id_map_ = IdSlotMap(static_cast<size_t>(capacity_));
  for (int64_t i = 0; i < n; ++i) {
    active_[i] = (*active)[i] != 0;
    label_[i] = static_cast<uint32_t>((*labels)[i]);
    if (active_[i]) id_map_.Insert(task_id_[i], static_cast<uint32_t>(i));
  }
  labels_ = std::move(label_table);
  active_list_.assign(active_list->begin(), active_list->end());
  task_list_.assign(snap_slots->begin(), snap_slots->end());

  // Rebuild the saved snapshot: same membership (the task list), same probabilities.
  membership_changed_ = true;
  snapshot_ = nullptr;
  version_ = version - 1;
  PublishSnapshot(snap_p);
  return Status::Ok();
}

}  // namespace lpt::curriculum
