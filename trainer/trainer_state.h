// The trainer's state in checkpoints (docs/design.md §6): what goes where, how it moves
// between ranks (gathered on rank 0 to write, sent back to each rank on resume), and the check
// that a checkpoint fits a config before anything is touched.
//
//   /model               one float32 dataset per parameter (its shape)
//   /optimizer           exp_avg.<param>, exp_avg_sq.<param> (float32), step [P], lr
//   /trainer             iteration, env_steps, world_size, num_envs (per rank)
//   /curriculum          the curriculum's pool, scores, counters and RNG (rank 0's)
//   /ranks/<r>/env       rank r's envs (envsim::ArenaBatch::ExportState)
//   /ranks/<r>/tasks     rank r's task draws (run::CurriculumDriver::ExportRankState)
//   /ranks/<r>/rollout   rank r's rollout carry (Rollout::ExportCarry), update RNG, step count
//
// Nothing inside these groups depends on the wall clock: two runs that did the same work
// write equal datasets. Time stamps are root attributes only.
#ifndef LPTRAIN_TRAINER_TRAINER_STATE_H_
#define LPTRAIN_TRAINER_TRAINER_STATE_H_

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "common/array_bundle.h"
#include "common/status.h"
#include "distributed/world.h"
#include "io/checkpoint_file.h"
#include "trainer/policy.h"
#include "trainer/run/config.h"
#include "trainer/run/curriculum_driver.h"
#include "trainer/run/tasks.h"

namespace lpt::trainer {

// Named tensors as arrays ("model": every parameter; "optimizer": Adam's moments and step per
// parameter, and the learning rate) and back. Import checks every name, type and shape.
// A checkpoint's policy, frozen (eval mode), with the run config it was trained in and its task
// features: what `lptrain eval` and `lptrain replay` play. Errors name the file.
struct CheckpointPolicy {
  run::RunConfig config;
  run::TaskFeatures features;
  Policy policy{nullptr};
};
StatusOr<CheckpointPolicy> LoadCheckpointPolicy(const std::string& path);

ArrayBundle ExportModel(Policy& policy);
Status ImportModel(const ArrayBundle& model, Policy& policy);
ArrayBundle ExportOptimizer(Policy& policy, torch::optim::Adam& optimizer);
Status ImportOptimizer(const ArrayBundle& state, Policy& policy, torch::optim::Adam& optimizer);

// The /trainer group: how far the run got and on which layout.
struct SavedProgress {
  int64_t iteration = 0;
  int64_t env_steps = 0;  // agent-steps of all ranks
  int64_t world_size = 0;
  int64_t num_envs = 0;  // per rank
};
ArrayBundle ExportProgress(const SavedProgress& progress);
StatusOr<SavedProgress> ReadProgress(const ArrayBundle& group);

// "ranks/<rank>/<part>", part one of "env", "tasks", "rollout".
std::string RankGroup(int rank, const char* part);
inline constexpr const char* kRankParts[] = {"env", "tasks", "rollout"};

// --- moving state between ranks (collective) ---
// Rank 0 (data given) sends the shared groups (model, optimizer, trainer) to every rank;
// every rank returns them.
StatusOr<BundleMap> ShareGroups(distributed::Control* control, const io::CheckpointData* data);
// Rank 0 (data given) sends each rank its ranks/<r>/* groups; every rank returns its own.
StatusOr<BundleMap> ScatterRankGroups(distributed::Control* control,
                                      const io::CheckpointData* data);
// Every rank's own groups (`mine`) into *data on rank 0.
Status GatherRankGroups(distributed::Control* control, const BundleMap& mine,
                        io::CheckpointData* data);

// The saved ranks' task-draw counters summed (what a resume on another layout carries over).
run::DriverCounters SumSavedDriverCounters(const io::CheckpointData& data, int64_t world_size);
// The root attributes: the resolved config (and its hash), version, time stamp, counters.
void SetCheckpointAttributes(const run::RunConfig& config, const SavedProgress& progress,
                             const std::string& created_utc, io::CheckpointData* data);

// Checks that a checkpoint fits a trainer of this config on world_size ranks, changing
// nothing: every group and array present with the expected type and shape, and the
// curriculum, env and task-draw states importable. Errors name the object; a model whose shape
// differs from the config's is an error (FailedPrecondition), not a resume.
Status CheckCheckpoint(const io::CheckpointData& data, const run::RunConfig& config,
                       int world_size);

}  // namespace lpt::trainer

#endif  // LPTRAIN_TRAINER_TRAINER_STATE_H_
