#include "trainer/run/run_dir.h"

#include <gtest/gtest.h>

namespace lpt::run {
namespace {

TEST(RunDir, EveryFileHasItsOneName) {
  EXPECT_EQ(ConfigFile("runs/a"), "runs/a/config.yaml");
  EXPECT_EQ(MetricsFile("runs/a"), "runs/a/metrics.jsonl");
  EXPECT_EQ(DiscardedMetricsFile("runs/a"), "runs/a/metrics.discarded.jsonl");
  EXPECT_EQ(CheckpointDir("runs/a"), "runs/a/checkpoints");
  EXPECT_EQ(CheckpointFile("runs/a", 12), "runs/a/checkpoints/ckpt-12.h5");
  EXPECT_EQ(DiscardedCheckpointFile("runs/a", 12), "runs/a/checkpoints/discarded/ckpt-12.h5");
}

TEST(RunDir, ACheckpointKnowsItsRunDirectory) {
  EXPECT_EQ(RunDirOfCheckpoint("runs/a/checkpoints/ckpt-3.h5").value(), "runs/a");
  EXPECT_EQ(RunDirOfCheckpoint("/x/y/checkpoints/ckpt-3.h5").value(), "/x/y");
  EXPECT_EQ(RunDirOfCheckpoint("checkpoints/ckpt-3.h5").value(), ".");
  EXPECT_FALSE(RunDirOfCheckpoint("/tmp/ckpt-3.h5").has_value());
  EXPECT_FALSE(RunDirOfCheckpoint("ckpt-3.h5").has_value());
}

}  // namespace
}  // namespace lpt::run
