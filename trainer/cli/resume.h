// The resume policy of `lptrain train` (torch-free, so it is tested on fake run directories):
// which checkpoint a run continues from and with which config, the default run directory,
// which run directories may not be taken over, and how a run directory is made ready (config
// written, metrics and checkpoints of an abandoned continuation moved aside, nothing lost).
// The names of the run directory's files are trainer/run/run_dir.h.
#ifndef LPTRAIN_TRAINER_CLI_RESUME_H_
#define LPTRAIN_TRAINER_CLI_RESUME_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "io/checkpoint_file.h"
#include "trainer/run/config.h"

namespace lpt::cli {

// Checks a checkpoint against the config it would be resumed with, changing nothing (in a
// LibTorch build trainer::CheckCheckpoint on this job's world size).
using CheckpointCheck = std::function<Status(const io::CheckpointData&, const run::RunConfig&)>;

struct ResumeRequest {
  std::string mode;     // "auto", "none", or a checkpoint file
  std::string run_dir;  // the run directory (auto looks into its checkpoints/)
  // Applies the user's settings (--config, then key=value) onto a builder.
  std::function<Status(run::ConfigBuilder*)> user_settings;
  CheckpointCheck check;
};

struct ResumePlan {
  std::shared_ptr<const io::CheckpointData> checkpoint;  // null: a fresh start
  std::string path;                // the checkpoint resumed from ("" for a fresh start)
  int64_t iteration = 0;           // its iteration (0 for a fresh start)
  std::string config_yaml;         // the resolved config the run uses
  std::vector<std::string> notes;  // warnings and notes for the user, in order
};

// What to resume from. Config precedence on resume: the checkpoint's saved config, then the
// user's settings. `auto` tries the run directory's checkpoints newest first and skips
// damaged ones (a note each); with none there, it starts the directory's run again from its
// config.yaml, or a fresh run. An explicit checkpoint must be good. A setting that changes
// the model's shape is refused. Every error means nothing was changed.
StatusOr<ResumePlan> PlanResume(const ResumeRequest& request);

// The run directory when --run-dir is not given: the one holding the checkpoint resumed from
// (RUN_DIR/checkpoints/ckpt-N.h5), else runs/<run_name>, else runs/<timestamp>.
std::string DefaultRunDir(const std::string& mode, const std::string& run_name,
                          const std::string& timestamp);

// Refuses (InvalidArgument, nothing changed) to let a run take over a directory that holds
// another: `none` into a directory with a run, or a checkpoint of another run directory into
// one that holds a run.
Status CheckRunDirectory(const std::string& run_dir, const std::string& mode);

// Makes run_dir ready for the plan: creates it, writes config.yaml, moves the metrics rows
// logged after the plan's iteration to metrics.discarded.jsonl and (on resume) the checkpoints
// newer than it to checkpoints/discarded/, so the metrics continue without a gap or a repeat
// and `--resume auto` never jumps back to an abandoned continuation. Returns notes.
StatusOr<std::vector<std::string>> PrepareRunDirectory(const std::string& run_dir,
                                                       const ResumePlan& plan);

// Moves run_dir's checkpoints newer than `iteration` to checkpoints/discarded/; returns one
// note per file moved.
StatusOr<std::vector<std::string>> MoveNewerCheckpointsAside(const std::string& run_dir,
                                                             int64_t iteration);

}  // namespace lpt::cli

#endif  // LPTRAIN_TRAINER_CLI_RESUME_H_
