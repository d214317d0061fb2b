// Trainer: one process's training run — envs, curriculum in the loop, rollout, PPO update,
// metrics. DESIGN.md §5.
#ifndef LPTRAIN_TRAINER_TRAINER_H_
#define LPTRAIN_TRAINER_TRAINER_H_

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "distributed/world.h"
#include "io/checkpoint_file.h"
#include "trainer/config.h"
#include "trainer/metrics.h"

namespace lpt {

struct TrainOptions {
  std::string run_dir;             // metrics.jsonl and checkpoints/ go here ("" : no files)
  bool print_progress = true;      // one console line per logged iteration
  bool checkpoints = true;         // write checkpoints (needs run_dir)
  int64_t max_iterations = -1;     // stop after this iteration (counted over the whole run)
  double max_seconds = 0;          // > 0: stop after this much wall time
  // Called with every iteration's metrics (logged or not; on rank 0 aggregated over ranks).
  std::function<void(const MetricsRow&)> on_iteration;
  // The job's ranks (null: one process). Rank 0 writes metrics and prints progress.
  distributed::Control* control = nullptr;
  // Resume: every rank sets `resume`; rank 0 also passes the checkpoint (already read and
  // checked with CheckCheckpoint against this config) and sends the other ranks their parts.
  bool resume = false;
  std::shared_ptr<const io::CheckpointData> checkpoint;
};

struct TrainResult {
  int64_t iterations = 0;
  int64_t global_step = 0;
  int stop_signal = 0;   // the signal that stopped the run early, or 0
  std::string checkpoint;  // the last checkpoint written (rank 0), or ""
  MetricsRow last;       // the last iteration's metrics
};

class Trainer {
 public:
  static StatusOr<std::unique_ptr<Trainer>> Create(const RunConfig& config, const TrainOptions& options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Runs iterations until total_timesteps, max_iterations, max_seconds or a stop request,
  // writing checkpoints at the configured interval and a final one when it ends.
  StatusOr<TrainResult> Run();
  // Runs one iteration (rollout, update, metrics) and returns its metrics.
  StatusOr<MetricsRow> RunIteration();
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
  struct Impl;
  explicit Trainer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checks that a checkpoint fits a trainer of this config on world_size ranks, changing
// nothing: every group and array present with the expected type and shape, and the
// curriculum, env and task-draw states importable. Errors name the object; a model whose shape
// differs from the config's is an error (FailedPrecondition), not a resume.
Status CheckCheckpoint(const io::CheckpointData& data, const RunConfig& config, int world_size);

}  // namespace lpt

#endif  // LPTRAIN_TRAINER_TRAINER_H_
