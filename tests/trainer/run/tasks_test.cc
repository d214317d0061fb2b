#include "trainer/run/tasks.h"

#include <gtest/gtest.h>

namespace lpt::run {
namespace {

RunConfig Resolved(const std::vector<std::string>& settings) {
  ConfigBuilder b;
  for (const std::string& kv : settings) EXPECT_TRUE(b.SetArgument(kv).ok()) << kv;
  return b.Resolve().value();
}

TEST(TaskFeatures, TheSetsVariedParamsScaledToTheirRange) {
  const RunConfig c = Resolved({"env.recipe=hearts"});
  const TaskFeatures f = TaskFeatures::Create(c).value();
  ASSERT_EQ(f.size(), 7);
  std::vector<float> out(f.size());
  envsim::TaskConfig t = c.task;
  t.instance_size = 13;
  t.converter(envsim::ConverterKind::kAltar).input[static_cast<int>(envsim::Item::kBatteryRed)] = 2;
  t.initial_inventory[static_cast<int>(envsim::Item::kBatteryRed)] = 1;
  f.Compute(t, out.data());
  for (int i = 0; i < f.size(); ++i) {
    if (f.keys()[i] == "map.instance_size") {
      EXPECT_FLOAT_EQ(out[i], 1.0f);  // 9..13 (11 is the base)
    } else if (f.keys()[i] == "altar.input.battery_red") {
      EXPECT_FLOAT_EQ(out[i], 1.0f);  // 1..2
    } else if (f.keys()[i] == "inventory.initial.battery_red") {
      EXPECT_FLOAT_EQ(out[i], 1.0f);  // 0..1
    } else if (f.keys()[i] == "altar.count") {
      EXPECT_FLOAT_EQ(out[i], 1.0f);  // 0..1
    }
    EXPECT_GE(out[i], 0.0f);
    EXPECT_LE(out[i], 1.0f);
  }
}

TEST(TaskFeatures, NoneWhenNothingVariesOrWhenOff) {
  EXPECT_EQ(TaskFeatures::Create(Resolved({"curriculum.task_set=single"})).value().size(), 0);
  EXPECT_EQ(TaskFeatures::Create(Resolved({"env.task_features=off"})).value().size(), 0);
}

TEST(PresetAuto, ASampledPoolIsSizedToTheRunsResults) {
  // arena: 6 agents per room x 1000 steps; 3M agent-steps bring 500 results: a pool of 16.
  EXPECT_EQ(
      Resolved({"env.recipe=arena", "trainer.total_timesteps=3000000"}).curriculum.num_active_tasks,
      16);
  EXPECT_EQ(
      Resolved({"env.recipe=arena", "trainer.total_timesteps=3e8"}).curriculum.num_active_tasks,
      1000);
  EXPECT_EQ(
      Resolved({"env.recipe=arena", "trainer.total_timesteps=3e7"}).curriculum.num_active_tasks,
      100);
  // An explicit size and the original presets are kept.
  EXPECT_EQ(
      Resolved({"env.recipe=arena", "curriculum.num_active_tasks=77"}).curriculum.num_active_tasks,
      77);
  EXPECT_EQ(Resolved({"env.recipe=arena", "curriculum.preset=small_pool_100"})
                .curriculum.num_active_tasks,
            100);
}

TEST(ScoreConfig, ReturnScoresNeedAnAttainableReturn) {
  ConfigBuilder b;
  ASSERT_TRUE(b.SetArgument("curriculum.score=return").ok());
  EXPECT_NE(b.Resolve().status().message().find("curriculum.score_max"), std::string::npos);
  ASSERT_TRUE(b.SetArgument("curriculum.score_max=2").ok());
  EXPECT_TRUE(b.Resolve().ok());
}

}  // namespace
}  // namespace lpt::run
