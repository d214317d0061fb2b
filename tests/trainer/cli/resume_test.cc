// The resume policy on fake run directories: checkpoint files that hold only what the policy
// reads (the saved config and the iteration), and a checker that says which ones fit.
#include "trainer/cli/resume.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>

#include "common/files.h"
#include "trainer/run/run_dir.h"

namespace lpt::cli {
namespace {

class ResumePolicy : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/lptrain_resume_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    run_dir_ = root_ + "/run";
  }
  void TearDown() override { ASSERT_TRUE(RemoveTree(root_).ok()); }

  // A checkpoint of iteration `it` saved with `settings` on top of the defaults.
  std::string WriteFakeCheckpoint(int64_t it, const std::vector<std::string>& settings = {}) {
    run::ConfigBuilder b;
    for (const std::string& kv : settings) EXPECT_TRUE(b.SetArgument(kv).ok()) << kv;
    io::CheckpointData d;
    d.text_attrs["config"] = run::ToYaml(b.Resolve().value());
    d.int_attrs["iteration"] = it;
    d.groups["trainer"].i64["iteration"] = {it};
    EXPECT_TRUE(MakeDirs(run::CheckpointDir(run_dir_)).ok());
    const std::string path = run::CheckpointFile(run_dir_, it);
    EXPECT_TRUE(io::WriteCheckpoint(path, d).ok());
    return path;
  }

  ResumeRequest Request(const std::string& mode, std::vector<std::string> settings = {}) {
    ResumeRequest r;
    r.mode = mode;
    r.run_dir = run_dir_;
    r.user_settings = [settings](run::ConfigBuilder* b) -> Status {
      for (const std::string& kv : settings) LPT_RETURN_IF_ERROR(b->SetArgument(kv));
      return Status::Ok();
    };
    r.check = [this](const io::CheckpointData& d, const run::RunConfig&) -> Status {
      const int64_t it = d.int_attrs.at("iteration");
      if (unfit_.count(it))
        return Status::FailedPrecondition("/model/fc.weight: shape [1] in the checkpoint");
      return Status::Ok();
    };
    return r;
  }

  std::string root_, run_dir_;
  std::set<int64_t> unfit_;  // iterations whose checkpoints the checker refuses
};

TEST_F(ResumePolicy, AutoWithNothingThereStartsAFreshRunWithTheUsersSettings) {
  const StatusOr<ResumePlan> plan = PlanResume(Request("auto", {"env.num_envs=3"}));
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->checkpoint, nullptr);
  EXPECT_EQ(plan->iteration, 0);
  EXPECT_NE(plan->config_yaml.find("env.num_envs: 3"), std::string::npos);
}

TEST_F(ResumePolicy, AutoWithOnlyAConfigStartsThatRunAgain) {
  ASSERT_TRUE(MakeDirs(run_dir_).ok());
  ASSERT_TRUE(WriteFileAtomically(run::ConfigFile(run_dir_), "env.num_envs: 5\n").ok());
  const StatusOr<ResumePlan> plan = PlanResume(Request("auto"));
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->checkpoint, nullptr);
  EXPECT_NE(plan->config_yaml.find("env.num_envs: 5"), std::string::npos);
  ASSERT_EQ(plan->notes.size(), 1u);
  EXPECT_NE(plan->notes[0].find("starting its run again from config.yaml"), std::string::npos);
}

TEST_F(ResumePolicy, AutoTakesTheNewestCheckpointThatFitsAndSkipsTheOthersWithAWarning) {
  WriteFakeCheckpoint(2, {"env.num_envs=4"});
  WriteFakeCheckpoint(5, {"env.num_envs=4"});
  const std::string damaged = run::CheckpointFile(run_dir_, 9);
  ASSERT_TRUE(WriteFileAtomically(damaged, "not a checkpoint").ok());
  unfit_ = {5};
  const StatusOr<ResumePlan> plan = PlanResume(Request("auto", {"trainer.learning_rate=0.001"}));
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->iteration, 2);
  EXPECT_EQ(plan->path, run::CheckpointFile(run_dir_, 2));
  // The saved config, then the user's settings.
  EXPECT_NE(plan->config_yaml.find("env.num_envs: 4"), std::string::npos);
  EXPECT_NE(plan->config_yaml.find("trainer.learning_rate: 0.001"), std::string::npos);
  ASSERT_EQ(plan->notes.size(), 2u);
  EXPECT_NE(plan->notes[0].find("skipping checkpoint " + damaged), std::string::npos)
      << plan->notes[0];
  EXPECT_NE(plan->notes[1].find("/model/fc.weight"), std::string::npos) << plan->notes[1];
}

TEST_F(ResumePolicy, AutoWhereEveryCheckpointIsDamagedIsAnErrorAndChangesNothing) {
  WriteFakeCheckpoint(3);
  WriteFakeCheckpoint(4);
  unfit_ = {3, 4};
  const StatusOr<ResumePlan> plan = PlanResume(Request("auto"));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(plan.status().message().find("none of the 2 checkpoint(s)"), std::string::npos);
  EXPECT_EQ(io::ListCheckpoints(run::CheckpointDir(run_dir_)).size(), 2u);
}

TEST_F(ResumePolicy, AnExplicitCheckpointMustBeGood) {
  const std::string path = WriteFakeCheckpoint(3);
  unfit_ = {3};
  StatusOr<ResumePlan> plan = PlanResume(Request(path));
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("--resume " + path + ": /model/fc.weight"),
            std::string::npos);
  plan = PlanResume(Request(root_ + "/missing.h5"));
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("missing.h5"), std::string::npos);
}

TEST_F(ResumePolicy, ASettingThatChangesTheModelsShapeIsRefused) {
  WriteFakeCheckpoint(3);
  const StatusOr<ResumePlan> plan = PlanResume(Request("auto", {"trainer.hidden_size=64"}));
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("trainer.hidden_size=64 changes the model's shape"),
            std::string::npos)
      << plan.status().message();
}

TEST_F(ResumePolicy, ARunDirectoryIsNotTakenOver) {
  EXPECT_TRUE(CheckRunDirectory(run_dir_, "none").ok());  // nothing there yet
  ASSERT_TRUE(MakeDirs(run_dir_).ok());
  ASSERT_TRUE(WriteFileAtomically(run::MetricsFile(run_dir_), "").ok());
  EXPECT_NE(CheckRunDirectory(run_dir_, "none").message().find("already holds a run"),
            std::string::npos);
  EXPECT_TRUE(CheckRunDirectory(run_dir_, "auto").ok());
  const std::string own = WriteFakeCheckpoint(3);
  EXPECT_TRUE(CheckRunDirectory(run_dir_, own).ok());
  EXPECT_NE(CheckRunDirectory(run_dir_, root_ + "/other/checkpoints/ckpt-3.h5")
                .message()
                .find("holds another run"),
            std::string::npos);
}

TEST_F(ResumePolicy, PreparingMovesTheAbandonedContinuationAsideAndLosesNothing) {
  const std::string keep = WriteFakeCheckpoint(3);
  const std::string newer = WriteFakeCheckpoint(6);
  ASSERT_TRUE(WriteFileAtomically(
                  run::MetricsFile(run_dir_),
                  "{\"charts/iteration\":3}\n{\"charts/iteration\":4}\n{\"charts/iteration\":5}\n")
                  .ok());
  const StatusOr<ResumePlan> plan = PlanResume(Request(keep));
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const StatusOr<std::vector<std::string>> notes = PrepareRunDirectory(run_dir_, *plan);
  ASSERT_TRUE(notes.ok()) << notes.status().message();
  ASSERT_EQ(notes->size(), 2u);
  EXPECT_NE((*notes)[0].find("moved to " + run::DiscardedCheckpointFile(run_dir_, 6)),
            std::string::npos);
  EXPECT_NE((*notes)[1].find("2 metrics row(s) logged after iteration 3"), std::string::npos);
  EXPECT_TRUE(PathExists(keep));
  EXPECT_FALSE(PathExists(newer));
  EXPECT_TRUE(PathExists(run::DiscardedCheckpointFile(run_dir_, 6)));
  EXPECT_EQ(ReadFileText(run::MetricsFile(run_dir_)).value(), "{\"charts/iteration\":3}\n");
  EXPECT_EQ(ReadFileText(run::DiscardedMetricsFile(run_dir_)).value(),
            "{\"charts/iteration\":4}\n{\"charts/iteration\":5}\n");
  EXPECT_EQ(ReadFileText(run::ConfigFile(run_dir_)).value(), plan->config_yaml);
}

TEST(DefaultRunDir, TheCheckpointsRunThenTheRunNameThenATimeStamp) {
  EXPECT_EQ(DefaultRunDir("/data/runs/x/checkpoints/ckpt-4.h5", "name", "20260101-000000"),
            "/data/runs/x");
  EXPECT_EQ(DefaultRunDir("auto", "name", "20260101-000000"), "runs/name");
  EXPECT_EQ(DefaultRunDir("none", "", "20260101-000000"), "runs/20260101-000000");
  EXPECT_EQ(DefaultRunDir("/tmp/ckpt-4.h5", "", "t"), "runs/t");
}

}  // namespace
}  // namespace lpt::cli
