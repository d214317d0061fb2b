// Trainer: one rank's part of a training run. An iteration:
//
//   envs --step--> rollout (T steps, policy in the loop) --> sync (results to rank 0's
//   curriculum, snapshot back) --> update (PPO, gradients averaged over ranks) --> metrics
//   (reduced over ranks by name) --> checkpoint (every checkpoint.interval iterations)
//
// The parts are objects of their own: Rollout (rollout.h), GradientSync (gradient_sync.h),
// run::CurriculumDriver and run::EpisodeTally (run/), the checkpoint state (trainer_state.h).
// The library never reaches into the process: stop requests come in through TrainOptions,
// progress and warnings go out through TrainSink. docs/design.md §5.
#ifndef LPTRAIN_TRAINER_TRAINER_H_
#define LPTRAIN_TRAINER_TRAINER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "distributed/world.h"
#include "io/checkpoint_file.h"
#include "trainer/run/config.h"
#include "trainer/run/metrics.h"

namespace lpt::trainer {

// Where a run is, after each logged iteration (rank 0).
struct Progress {
  int64_t iteration = 0;
  int64_t planned_iterations = 0;
  int64_t agent_steps = 0;          // of all ranks, since the run's start
  int64_t planned_agent_steps = 0;  // at the planned last iteration
  const run::MetricsRow* row = nullptr;
};

// What a run tells the program that runs it (unset members: nothing is said).
struct TrainSink {
  std::function<void(const Progress&)> progress;    // rank 0, every logged iteration
  std::function<void(const std::string&)> warning;  // problems the run survives (any rank)
  std::function<void(const std::string&)> log;      // notes: [LP_PERF] lines, resume notes
};

struct TrainOptions {
  std::string run_dir;          // metrics.jsonl and checkpoints/ go here ("" : no files)
  bool checkpoints = true;      // write checkpoints (needs run_dir)
  int64_t max_iterations = -1;  // stop after this iteration (counted over the whole run)
  double max_seconds = 0;       // > 0: stop after this much wall time
  // Called with every iteration's metrics (logged or not; on rank 0 aggregated over ranks).
  std::function<void(const run::MetricsRow&)> on_iteration;
  // Polled at every iteration boundary: the signal number that asks the run to stop, or 0.
  std::function<int()> stop_requested;
  // The time stamp written into checkpoints ("" when unset).
  std::function<std::string()> utc_now;
  TrainSink sink;
  // The job's ranks (null: one process). Rank 0 writes metrics and checkpoints.
  distributed::Control* control = nullptr;
  // Resume: every rank sets `resume`; rank 0 also passes the checkpoint (already read and
  // checked with CheckCheckpoint against this config) and sends the other ranks their parts.
  bool resume = false;
  std::shared_ptr<const io::CheckpointData> checkpoint;
};

struct TrainResult {
  int64_t iterations = 0;
  int64_t global_step = 0;
  int stop_signal = 0;     // the signal that stopped the run early, or 0
  std::string checkpoint;  // the last checkpoint written (rank 0), or ""
  run::MetricsRow last;    // the last iteration's metrics
};

class Trainer {
 public:
  static StatusOr<std::unique_ptr<Trainer>> Create(const run::RunConfig& config,
                                                   const TrainOptions& options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Runs iterations until total_timesteps, max_iterations, max_seconds or a stop request,
  // writing checkpoints at the configured interval and a final one when it ends.
  StatusOr<TrainResult> Run();
  // Runs one iteration (rollout, sync, update, metrics) and returns its metrics.
  StatusOr<run::MetricsRow> RunIteration();
  bool Finished() const;  // total_timesteps reached

  // One-line description of the setup (device, threads, sizes, ranks, comm), for the console.
  std::string Describe() const;
  // A checksum of the parameters (equal on every rank while they agree).
  double ParameterChecksum() const;
  int64_t iteration() const;

  // Writes RUN_DIR/checkpoints/ckpt-<iteration>.h5 (rank 0, after gathering every rank's part)
  // and deletes the oldest beyond checkpoint.keep_last. Collective; returns the path on rank 0.
  StatusOr<std::string> SaveCheckpoint();
  // The whole state as checkpoint data, complete on rank 0 (collective; nothing written).
  StatusOr<io::CheckpointData> CaptureState();

 private:
  class Impl;
  explicit Trainer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lpt::trainer

#endif  // LPTRAIN_TRAINER_TRAINER_H_
