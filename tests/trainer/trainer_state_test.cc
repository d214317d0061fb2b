// The trainer's whole state round-trips through a checkpoint file: captured, written, read,
// checked and restored into a new trainer, it captures again to the same arrays, every group
// with its types and shapes; and a checkpoint that does not fit the config is refused.
#include "trainer/trainer_state.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "io/checkpoint_file.h"
#include "trainer/run/config.h"
#include "trainer/trainer.h"

namespace lpt::trainer {
namespace {

using run::ConfigBuilder;
using run::RunConfig;
using run::TrainerConfig;

RunConfig Tiny(bool lstm) {
  ConfigBuilder b;
  for (const std::string kv : {"env.recipe=arena",
                               "env.num_envs=2",
                               "env.map.num_agents=4",
                               "env.map.num_instances=1",
                               "env.map.instance_size=11",
                               "env.map.border_width=1",
                               "env.map.walls=2",
                               "env.mine.count=2",
                               "env.generator.count=1",
                               "env.altar.count=1",
                               "env.lasery.count=0",
                               "env.armory.count=0",
                               "env.max_steps=20",
                               "trainer.num_steps=16",
                               "trainer.bptt_horizon=8",
                               "trainer.num_minibatches=2",
                               "trainer.torch_threads=1",
                               "trainer.env_threads=1",
                               "curriculum.num_active_tasks=16",
                               "curriculum.perf_invalidation_batch_size=2"}) {
    EXPECT_TRUE(b.SetArgument(kv).ok()) << kv;
  }
  EXPECT_TRUE(b.Set("trainer.use_lstm", lstm ? "true" : "false").ok());
  return b.Resolve().value();
}

TEST(TrainerState, EveryGroupRoundTripsThroughAFile) {
  for (bool lstm : {false, true}) {
    SCOPED_TRACE(lstm);
    const RunConfig config = Tiny(lstm);
    TrainOptions opts;
    auto trainer = Trainer::Create(config, opts).value();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(trainer->RunIteration().ok());
    const io::CheckpointData saved = trainer->CaptureState().value();
    for (const char* group : {"model", "optimizer", "trainer", "curriculum", "ranks/0/env",
                              "ranks/0/tasks", "ranks/0/rollout"}) {
      EXPECT_EQ(saved.groups.count(group), 1u) << group;
    }
    EXPECT_EQ(saved.groups.at("ranks/0/rollout").f32.count("lstm_h"), lstm ? 1u : 0u);
    char dir[] = "/tmp/lptrain_state_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string path = std::string(dir) + "/ckpt-3.h5";
    ASSERT_TRUE(io::WriteCheckpoint(path, saved).ok());
    auto read = std::make_shared<io::CheckpointData>(io::ReadCheckpoint(path).value());
    for (const auto& [group, bundle] : saved.groups)
      EXPECT_TRUE(read->groups.at(group) == bundle) << group;
    ASSERT_TRUE(CheckCheckpoint(*read, config, 1).ok());
    TrainOptions resume = opts;
    resume.resume = true;
    resume.checkpoint = read;
    auto restored = Trainer::Create(config, resume).value();
    EXPECT_EQ(restored->iteration(), 3);
    const io::CheckpointData again = restored->CaptureState().value();
    for (const auto& [group, bundle] : saved.groups)
      EXPECT_TRUE(again.groups.at(group) == bundle) << group;
    EXPECT_EQ(again.int_attrs, saved.int_attrs);
    EXPECT_EQ(restored->ParameterChecksum(), trainer->ParameterChecksum());
    // The next iteration is the same on both.
    const run::MetricsRow a = trainer->RunIteration().value(), b = restored->RunIteration().value();
    EXPECT_EQ(a.Get("losses/value_loss"), b.Get("losses/value_loss"));
    EXPECT_EQ(trainer->ParameterChecksum(), restored->ParameterChecksum());
    std::system(("rm -rf " + std::string(dir)).c_str());
  }
}

TEST(TrainerState, CheckpointsThatDoNotFitTheConfigAreRefusedNamingTheObject) {
  const RunConfig config = Tiny(false);
  TrainOptions opts;
  auto trainer = Trainer::Create(config, opts).value();
  ASSERT_TRUE(trainer->RunIteration().ok());
  const io::CheckpointData saved = trainer->CaptureState().value();

  RunConfig wider = config;
  wider.trainer.hidden_size = 64;
  Status st = CheckCheckpoint(saved, wider, 1);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("/model/"), std::string::npos) << st.message();

  RunConfig bigger_pool = config;
  bigger_pool.curriculum.num_active_tasks = 32;
  st = CheckCheckpoint(saved, bigger_pool, 1);
  EXPECT_NE(st.message().find("/curriculum"), std::string::npos) << st.message();

  io::CheckpointData d = saved;
  d.groups.at("optimizer").f32.erase("exp_avg.fc.weight");
  st = CheckCheckpoint(d, config, 1);
  EXPECT_NE(st.message().find("/optimizer: exp_avg.fc.weight: missing float32 array"),
            std::string::npos)
      << st.message();

  d = saved;
  d.groups.at("ranks/0/rollout").u64.at("action_rng").pop_back();
  st = CheckCheckpoint(d, config, 1);
  EXPECT_NE(st.message().find("/ranks/0/rollout: action_rng"), std::string::npos) << st.message();

  d = saved;
  d.groups.at("model").f32["extra.weight"] = {1.0f};
  st = CheckCheckpoint(d, config, 1);
  EXPECT_NE(st.message().find("extra.weight"), std::string::npos) << st.message();

  // Another world size: only the shared groups need to fit (the envs start fresh).
  d = saved;
  d.groups.erase("ranks/0/env");
  EXPECT_TRUE(CheckCheckpoint(d, config, 2).ok());
  EXPECT_FALSE(CheckCheckpoint(d, config, 1).ok());
}

}  // namespace
}  // namespace lpt::trainer
