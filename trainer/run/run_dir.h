// The run directory's names, in one place (the only code that spells them):
//
//   RUN_DIR/config.yaml                  the resolved config, readable back with --config
//   RUN_DIR/metrics.jsonl                one JSON object per logged iteration
//   RUN_DIR/metrics.discarded.jsonl      rows logged after the checkpoint a run resumed from
//   RUN_DIR/checkpoints/ckpt-<N>.h5      checkpoints (io/checkpoint_file.h)
//   RUN_DIR/checkpoints/discarded/       checkpoints newer than the one a run resumed from
//   RUN_DIR/COMPLETED                    written when the run reached its planned end (after
//                                        its final checkpoint); removed when a run starts
#ifndef LPTRAIN_TRAINER_RUN_RUN_DIR_H_
#define LPTRAIN_TRAINER_RUN_RUN_DIR_H_

#include <cstdint>
#include <optional>
#include <string>

namespace lpt::run {

std::string ConfigFile(const std::string& run_dir);
std::string MetricsFile(const std::string& run_dir);
std::string DiscardedMetricsFile(const std::string& run_dir);
std::string CheckpointDir(const std::string& run_dir);
std::string CheckpointFile(const std::string& run_dir, int64_t iteration);
std::string DiscardedCheckpointDir(const std::string& run_dir);
std::string DiscardedCheckpointFile(const std::string& run_dir, int64_t iteration);
std::string CompletedFile(const std::string& run_dir);

// The run directory a checkpoint path lies in (".../RUN_DIR/checkpoints/ckpt-N.h5" ->
// ".../RUN_DIR"), or nullopt when the path is not inside a checkpoints/ folder.
std::optional<std::string> RunDirOfCheckpoint(const std::string& checkpoint_path);

// Does run_dir hold a run (its metrics file exists)?
bool HoldsRun(const std::string& run_dir);

}  // namespace lpt::run

#endif  // LPTRAIN_TRAINER_RUN_RUN_DIR_H_
