#include "trainer/run/run_dir.h"

#include "common/files.h"
#include "common/strings.h"
#include "io/checkpoint_file.h"

namespace lpt::run {
namespace {

// The directory part of path ("." for a bare name).
std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

std::string ConfigFile(const std::string& run_dir) { return run_dir + "/config.yaml"; }
std::string MetricsFile(const std::string& run_dir) { return run_dir + "/metrics.jsonl"; }
std::string DiscardedMetricsFile(const std::string& run_dir) {
  return run_dir + "/metrics.discarded.jsonl";
}
std::string CheckpointDir(const std::string& run_dir) { return run_dir + "/checkpoints"; }
std::string CheckpointFile(const std::string& run_dir, int64_t iteration) {
  return io::CheckpointPath(CheckpointDir(run_dir), iteration);
}
std::string DiscardedCheckpointDir(const std::string& run_dir) {
  return CheckpointDir(run_dir) + "/discarded";
}
std::string DiscardedCheckpointFile(const std::string& run_dir, int64_t iteration) {
  return io::CheckpointPath(DiscardedCheckpointDir(run_dir), iteration);
}

std::string CompletedFile(const std::string& run_dir) { return run_dir + "/COMPLETED"; }

std::optional<std::string> RunDirOfCheckpoint(const std::string& checkpoint_path) {
  const std::string dir = DirectoryOf(checkpoint_path);
  if (dir == "checkpoints") return std::string(".");
  if (EndsWith(dir, "/checkpoints")) return DirectoryOf(dir);
  return std::nullopt;
}

bool HoldsRun(const std::string& run_dir) { return PathExists(MetricsFile(run_dir)); }

}  // namespace lpt::run
