// LabelTable: task labels interned to small ids, with per-label statistics. A label lives while
// any pool task has it; once its last task leaves it is "inactive" and at most
// max_inactive_retained inactive labels are kept (oldest dropped first), so memory is bounded
// however many distinct labels a run generates.
#ifndef LPTRAIN_CURRICULUM_LABELS_H_
#define LPTRAIN_CURRICULUM_LABELS_H_

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/array_bundle.h"
#include "common/status.h"

namespace lpt::curriculum {

struct LabelStats {
  int64_t active_tasks = 0;  // pool tasks with this label now
  int64_t created = 0;       // tasks ever created with it
  int64_t samples = 0;       // times one of its tasks was sampled
  int64_t completions = 0;   // results received
  int64_t evictions = 0;     // its tasks evicted
  double reward_ema = 0;     // EMA of its tasks' scores
};

class LabelTable {
 public:
  explicit LabelTable(int max_inactive_retained) : max_inactive_(max_inactive_retained) {}

  // The id of label (interning it if new) with one more active task.
  uint32_t Acquire(const std::string& label);
  // One active task of id fewer; may retire the label and drop old inactive ones.
  void Release(uint32_t id);

  LabelStats& stats(uint32_t id) { return stats_[id]; }
  const LabelStats& stats(uint32_t id) const { return stats_[id]; }
  const std::string& name(uint32_t id) const { return names_[id]; }
  bool live(uint32_t id) const { return live_[id] != 0; }
  // Ids ever allocated (live ones are those with live(id)).
  uint32_t id_capacity() const { return static_cast<uint32_t>(names_.size()); }
  size_t num_live() const { return map_.size(); }
  size_t num_inactive() const { return num_inactive_; }
  size_t bytes() const;

  void Export(ArrayBundle* out, const std::string& prefix) const;
  Status Import(const ArrayBundle& in, const std::string& prefix);

 private:
  void Drop(uint32_t id);
  void CompactQueue();

  int max_inactive_;
  std::unordered_map<std::string, uint32_t> map_;  // live labels only
  std::vector<std::string> names_;                 // by id ("" when free)
  std::vector<LabelStats> stats_;
  std::vector<uint8_t> live_;
  std::vector<uint64_t> generation_;  // bumped when a label (re)activates
  std::vector<uint32_t> free_ids_;
  // Inactive labels, oldest first, as (id, generation when it went inactive); entries whose
  // generation no longer matches were reactivated and are skipped.
  std::deque<std::pair<uint32_t, uint64_t>> inactive_;
  size_t num_inactive_ = 0;
};

}  // namespace lpt::curriculum

#endif  // LPTRAIN_CURRICULUM_LABELS_H_
