// Trainer: one process's training run — envs, curriculum in the loop, rollout, PPO update,
// metrics. DESIGN.md §5.
#ifndef LPTRAIN_TRAINER_TRAINER_H_
#define LPTRAIN_TRAINER_TRAINER_H_

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "distributed/world.h"
#include "trainer/config.h"
#include "trainer/metrics.h"

namespace lpt {

struct TrainOptions {
  std::string run_dir;             // metrics.jsonl goes here ("" : no files)
  bool print_progress = true;      // one console line per logged iteration
  int64_t max_iterations = -1;     // stop earlier than total_timesteps (benchmarks, tests)
  double max_seconds = 0;          // > 0: stop after this much wall time
  // Called with every iteration's metrics (logged or not; on rank 0 aggregated over ranks).
  std::function<void(const MetricsRow&)> on_iteration;
  // The job's ranks (null: one process). Rank 0 writes metrics and prints progress.
  distributed::Control* control = nullptr;
};

struct TrainResult {
  int64_t iterations = 0;
  int64_t global_step = 0;
  int stop_signal = 0;   // the signal that stopped the run early, or 0
  MetricsRow last;       // the last iteration's metrics
};

class Trainer {
 public:
  static StatusOr<std::unique_ptr<Trainer>> Create(const RunConfig& config, const TrainOptions& options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Runs iterations until total_timesteps, max_iterations, max_seconds or a stop request.
  StatusOr<TrainResult> Run();
  // Runs one iteration (rollout, update, metrics) and returns its metrics.
  StatusOr<MetricsRow> RunIteration();
  bool Finished() const;  // total_timesteps reached

  // One-line description of the setup (device, threads, sizes, ranks, comm), for the console.
  std::string Describe() const;
  // A checksum of the parameters (equal on every rank while they agree).
  double ParameterChecksum() const;

 private:
  struct Impl;
  explicit Trainer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lpt

#endif  // LPTRAIN_TRAINER_TRAINER_H_
