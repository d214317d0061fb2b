// CurriculumDriver: the curriculum in the rollout loop. Each env always has the task of its
// running episode and the task of its next one (the env's pending config, applied at its
// reset). When an episode ends its mean agent return, divided by the score normaliser, is a
// result for the curriculum (episodes cut short by desync are skipped: they are no measurement
// of their task), the pending task becomes current, and a new pending task is drawn.
//
// One process (no Control, or a world of one): results go to the curriculum at once and tasks
// come from its live snapshot. Several ranks (DESIGN.md §6): rank 0 alone holds the
// curriculum. Every rank buffers its results and draws tasks from its copy of the last
// broadcast snapshot; once per iteration Sync() gathers all results on rank 0 (rank order),
// applies them, recomputes, and broadcasts the new snapshot, which every rank switches to
// before its next episode starts. Torch-free.
#ifndef LPTRAIN_TRAINER_CURRICULUM_DRIVER_H_
#define LPTRAIN_TRAINER_CURRICULUM_DRIVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/rng.h"
#include "common/span.h"
#include "common/status.h"
#include "curriculum/curriculum.h"
#include "distributed/world.h"
#include "envsim/arena.h"
#include "trainer/config.h"

namespace lpt {

struct DriverCounters {
  int64_t episodes = 0;          // episodes finished (this rank)
  int64_t results = 0;           // results produced (this rank)
  int64_t desync_skipped = 0;    // finished but cut short by desync
  int64_t invalid_tasks = 0;     // generated tasks whose config did not fit (base config used)
  int64_t uncredited = 0;        // finished episodes that played no drawn task (not reported)
};

class CurriculumDriver {
 public:
  // The "task" of an episode that plays no drawn task (its config was invalid): not reported.
  static constexpr uint64_t kNoTask = ~uint64_t{0};

  // control may be null (one process).
  static StatusOr<std::unique_ptr<CurriculumDriver>> Create(const RunConfig& config, int num_envs,
                                                            distributed::Control* control = nullptr);

  // Draws every env's first (current) and second (pending) task. Returns the first tasks'
  // configs, to create the ArenaBatch with. Collective with several ranks.
  StatusOr<std::vector<envsim::TaskConfig>> Start();
  // Sets every env's pending config on the batch (after Start and batch creation).
  Status ArmPending(envsim::ArenaBatch* batch);
  // After a Step: handles the envs whose episode ended.
  void OnStep(envsim::ArenaBatch* batch, Span<const uint8_t> episode_end);
  // Several ranks: gathers results on rank 0, updates, recomputes, broadcasts the snapshot.
  // Collective; a no-op for one process.
  Status Sync();

  // --- state (checkpoints) ---
  // This rank's part: its task sampler's position, every env's current and pending task and
  // score normaliser, and its counters. (No results are buffered at an iteration boundary:
  // Sync has sent them.) The curriculum itself is exported by its owner, rank 0.
  ArrayBundle ExportRankState() const;
  // Needs the same number of envs; checks sizes and names what differs.
  Status ImportRankState(const ArrayBundle& state);
  // Counters carried over when envs start fresh (a resume on a different world size).
  void RestoreCounters(const std::vector<int64_t>& counters);
  // Before Start: task draws from another substream (fresh envs after a layout change must not
  // replay the run's first draws).
  void OffsetSampler(uint64_t generation);

  bool distributed() const { return distributed_; }
  // The authoritative curriculum: on rank 0 (or the only process); null on other ranks.
  curriculum::Curriculum* curriculum() { return curriculum_.get(); }
  const DriverCounters& counters() const { return counters_; }
  uint64_t current_task(int env) const { return current_[env]; }
  // The version of the snapshot tasks are drawn from.
  uint64_t snapshot_version() const {
    return distributed_ ? snapshot_->version : curriculum_->snapshot()->version;
  }
  // The last problem met since the previous call ("" if none), and forgets it.
  std::string TakeWarning() { return std::exchange(last_warning_, std::string()); }

  // Bytes of the last snapshot broadcast and of the last gather (for benchmarks and metrics).
  size_t last_broadcast_bytes() const { return last_broadcast_bytes_; }

 private:
  CurriculumDriver(const RunConfig& config, std::shared_ptr<const curriculum::TaskGenerator> generator,
                   std::unique_ptr<curriculum::Curriculum> curriculum, int num_envs,
                   distributed::Control* control);
  // The env config of *task_id; on an invalid task the base config, and *task_id = kNoTask.
  envsim::TaskConfig ConfigFor(uint64_t* task_id);
  uint64_t NextTask();
  Status BroadcastSnapshot();

  const RunConfig& config_;
  std::shared_ptr<const curriculum::TaskGenerator> generator_;
  std::unique_ptr<curriculum::Curriculum> curriculum_;  // null on ranks other than 0
  distributed::Control* control_;
  bool distributed_;
  std::shared_ptr<const curriculum::Snapshot> snapshot_;  // this rank's copy (several ranks)
  CounterRng sampler_;
  std::vector<uint64_t> current_, pending_;
  std::vector<double> score_max_;  // per env, of the current task
  std::vector<double> params_;
  std::string label_;
  // Buffered results: task id, score, max score (several ranks).
  std::vector<uint64_t> result_ids_;
  std::vector<double> result_scores_;
  std::vector<double> result_max_;
  DriverCounters counters_;
  std::string last_warning_;
  size_t last_broadcast_bytes_ = 0;
};

}  // namespace lpt

#endif  // LPTRAIN_TRAINER_CURRICULUM_DRIVER_H_
