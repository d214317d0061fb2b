// CurriculumDriver: the curriculum in the rollout loop. Each env always has the task of its
// running episode and the task of its next one (the env's pending config, applied at its
// reset). When an episode ends, each of its rooms gives the curriculum a result (RoomScores,
// tasks.h: the share of the room's agents that made a heart, by default; episodes cut short by
// desync are skipped: they are no measurement of their task), the pending task becomes
// current, and a new pending task is drawn.
//
// One path for one process and for N ranks (docs/design.md §4): rank 0 alone holds the
// curriculum. Every rank buffers its results and draws tasks from its copy of the last
// broadcast snapshot with its own sampler stream; once per iteration Sync() gathers all results
// on rank 0 (rank order), applies them, recomputes, and broadcasts the new snapshot, which
// every rank switches to before its next episode starts. A world of one runs the same code
// (its gather and broadcast are local copies). Torch-free.
#ifndef LPTRAIN_TRAINER_RUN_CURRICULUM_DRIVER_H_
#define LPTRAIN_TRAINER_RUN_CURRICULUM_DRIVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/counters.h"
#include "common/rng.h"
#include "common/span.h"
#include "common/status.h"
#include "curriculum/curriculum.h"
#include "distributed/world.h"
#include "envsim/arena.h"
#include "trainer/run/config.h"

namespace lpt::run {

// This rank's counts, exported by name ("counter.episodes", ...).
struct DriverCounters {
  int64_t episodes = 0;        // episodes finished (this rank)
  int64_t results = 0;         // results produced (this rank; one per room)
  int64_t desync_skipped = 0;  // finished but cut short by desync
  int64_t invalid_tasks = 0;   // generated tasks whose config did not fit (base config used)
  int64_t uncredited = 0;      // finished episodes that played no drawn task (not reported)
  static const CounterTable<DriverCounters>& Table();
};

// One episode result as it travels to rank 0. The wire form of a batch: a uint64 count, then
// the records, host byte order (the same binary on every rank).
struct ResultRecord {
  uint64_t task_id;
  double score;      // the room's score (RoomScores)
  double max_score;  // its normaliser: the curriculum sees score / max_score, clipped to [0, 1]
};
static_assert(sizeof(ResultRecord) == 24, "ResultRecord is sent as raw bytes");
std::vector<uint8_t> PackResults(const std::vector<ResultRecord>& results);
StatusOr<std::vector<ResultRecord>> UnpackResults(const std::vector<uint8_t>& bytes);

class CurriculumDriver {
 public:
  // The "task" of an episode that plays no drawn task (its config was invalid): not reported.
  static constexpr uint64_t kNoTask = ~uint64_t{0};

  // control: the job's ranks; null for a world of one of the driver's own.
  static StatusOr<std::unique_ptr<CurriculumDriver>> Create(
      const RunConfig& config, int num_envs, distributed::Control* control = nullptr);

  // Draws every env's first (current) and second (pending) task. Returns the first tasks'
  // configs, to create the ArenaBatch with. Collective.
  StatusOr<std::vector<envsim::TaskConfig>> Start();
  // Sets every env's pending config on the batch (after Start and batch creation).
  Status ArmPending(envsim::ArenaBatch* batch);
  // After a Step: handles the envs whose episode ended ([num_envs]).
  void OnStep(envsim::ArenaBatch* batch, Span<const uint8_t> episode_end);
  // Gathers the buffered results on rank 0, applies them, recomputes, broadcasts the new
  // snapshot. Collective; once per iteration.
  Status Sync();

  // --- state (checkpoints) ---
  // This rank's part: its task sampler's position, every env's current and pending task and
  // rooms, and its counters. (No results are buffered at an iteration boundary:
  // Sync has sent them.) The curriculum itself is exported by its owner, rank 0.
  ArrayBundle ExportRankState() const;
  // Needs the same number of envs; checks sizes and names what differs.
  Status ImportRankState(const ArrayBundle& state);
  // Counters carried over when envs start fresh (a resume on a different world size).
  void RestoreCounters(const DriverCounters& counters) { counters_ = counters; }
  // Before Start: task draws from another substream (fresh envs after a layout change must not
  // replay the run's first draws).
  void OffsetSampler(uint64_t generation);
  // Where the curriculum's [LP_PERF] lines go (perf_log_metrics).
  void set_log_sink(std::function<void(const std::string&)> sink);

  // The authoritative curriculum: on rank 0; null on other ranks.
  curriculum::Curriculum* curriculum() { return curriculum_.get(); }
  const curriculum::Curriculum* curriculum() const { return curriculum_.get(); }
  const DriverCounters& counters() const { return counters_; }
  uint64_t current_task(int env) const { return current_[env]; }
  // The version of the snapshot tasks are drawn from.
  uint64_t snapshot_version() const { return snapshot_->version; }
  // The last problem met since the previous call ("" if none), and forgets it.
  std::string TakeWarning() { return std::exchange(last_warning_, std::string()); }
  // Rank 0: the results the last Sync applied, by task class (TaskClass of their label).
  const std::map<std::string, int64_t>& last_results_by_class() const { return last_by_class_; }
  // Bytes of the last snapshot broadcast.
  size_t last_broadcast_bytes() const { return last_broadcast_bytes_; }

 private:
  CurriculumDriver(const RunConfig& config,
                   std::shared_ptr<const curriculum::TaskGenerator> generator,
                   std::unique_ptr<curriculum::Curriculum> curriculum, int num_envs,
                   distributed::Control* control);
  // The env config of *task_id; on an invalid task the base config, and *task_id = kNoTask.
  envsim::TaskConfig ConfigFor(uint64_t* task_id);
  uint64_t NextTask();
  Status BroadcastSnapshot();

  const RunConfig& config_;
  std::shared_ptr<const curriculum::TaskGenerator> generator_;
  std::unique_ptr<curriculum::Curriculum> curriculum_;  // null on ranks other than 0
  std::unique_ptr<distributed::Control> solo_;          // a world of one's, when none was given
  distributed::Control* control_;
  std::shared_ptr<const curriculum::Snapshot> snapshot_;  // this rank's copy
  CounterRng sampler_;
  std::vector<uint64_t> current_, pending_;
  std::vector<int64_t> rooms_;       // per env, rooms of the running episode's task
  std::vector<double> room_scores_;  // scratch
  std::vector<double> params_;
  std::string label_;
  std::vector<ResultRecord> results_;  // buffered until Sync
  DriverCounters counters_;
  std::map<std::string, int64_t> last_by_class_;
  std::string last_warning_;
  size_t last_broadcast_bytes_ = 0;
};

}  // namespace lpt::run

#endif  // LPTRAIN_TRAINER_RUN_CURRICULUM_DRIVER_H_
