// ArenaBatch state export/import: a batch restored from another's state steps on exactly as
// the original does (mid-episode, with pending configs and running statistics); bad states are
// refused naming the array and leave the batch untouched.
#include <gtest/gtest.h>

#include "common/rng.h"
#include "envsim/arena.h"
#include "tests/envsim/scenario.h"

namespace lpt::envsim {
namespace {

using testing::Buffers;

BatchOptions Options() {
  BatchOptions opts;
  opts.num_envs = 3;
  opts.seed = 11;
  opts.first_env_id = 6;
  opts.config = ArenaRecipe();
  opts.config.max_steps = 40;
  opts.config.initial_inventory[static_cast<int>(Item::kLaser)] = 3;
  opts.max_converters = opts.config.ConvertersPerEnv() + 4;
  return opts;
}

void RandomActions(uint64_t t, std::vector<int32_t>* actions) {
  CounterRng rng(5, 77, t);
  for (int32_t& a : *actions) a = static_cast<int32_t>(rng.Below(kNumActions));
}

TEST(ArenaState, RestoredBatchStepsOnExactlyLikeTheOriginal) {
  auto a = ArenaBatch::Create(Options()).value();
  Buffers buf_a(*a);
  std::vector<int32_t> actions(buf_a.total);
  for (uint64_t t = 0; t < 57; ++t) {
    RandomActions(t, &actions);
    a->Step({0, 3}, actions, buf_a.View());
  }
  // Another config pending for env 1: applied at its next reset, after the export.
  TaskConfig other = Options().config;
  other.reward_weight[static_cast<int>(Item::kOreRed)] = 0.7f;
  ASSERT_TRUE(a->SetPendingConfig(1, other).ok());
  const ArrayBundle state = a->ExportState();
  auto b = ArenaBatch::Create(Options()).value();
  ASSERT_TRUE(b->ImportState(state).ok());
  EXPECT_TRUE(b->ExportState() == state);
  Buffers buf_b(*b);
  Buffers observed(*b);
  b->Observe({0, 3}, observed.View());
  EXPECT_EQ(observed.obs, buf_a.obs);  // the observation the last step wrote
  EXPECT_EQ(observed.globals, buf_a.globals);
  for (uint64_t t = 57; t < 150; ++t) {
    RandomActions(t, &actions);
    a->Step({0, 3}, actions, buf_a.View());
    b->Step({0, 3}, actions, buf_b.View());
    ASSERT_EQ(buf_a.obs, buf_b.obs) << "step " << t;
    ASSERT_EQ(buf_a.rewards, buf_b.rewards) << "step " << t;
    ASSERT_EQ(buf_a.episode_end, buf_b.episode_end) << "step " << t;
  }
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(a->LastEpisode(e).returns, b->LastEpisode(e).returns);
    EXPECT_EQ(a->LastEpisode(e).action_count, b->LastEpisode(e).action_count);
    EXPECT_EQ(a->config(e).reward_weight, b->config(e).reward_weight);
  }
  EXPECT_FLOAT_EQ(b->config(1).reward_weight[static_cast<int>(Item::kOreRed)], 0.7f);
}

TEST(ArenaState, BadStatesAreRefusedNamingTheArrayAndChangeNothing) {
  auto a = ArenaBatch::Create(Options()).value();
  const ArrayBundle fresh = a->ExportState();
  auto b = ArenaBatch::Create(Options()).value();
  Buffers buf(*b);
  std::vector<int32_t> actions(buf.total, 0);
  b->Step({0, 3}, actions, buf.View());
  const ArrayBundle before = b->ExportState();

  ArrayBundle s = fresh;
  s.u8.at("agent.inventory").pop_back();
  Status st = b->ImportState(s);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("agent.inventory"), std::string::npos) << st.message();

  s = fresh;
  s.i64.at("agent.row")[0] = 70000;  // does not fit int16
  st = b->ImportState(s);
  EXPECT_NE(st.message().find("agent.row[0]"), std::string::npos) << st.message();

  s = fresh;
  s.i64.at("agent.row")[5] = 500;  // fits int16, but not the map
  st = b->ImportState(s);
  EXPECT_NE(st.message().find("agent.row[5]: 500 is outside"), std::string::npos) << st.message();

  s = fresh;
  s.i64.at("world.occupant")[3] = 9999;
  st = b->ImportState(s);
  EXPECT_NE(st.message().find("world.occupant[3]"), std::string::npos) << st.message();

  s = fresh;
  s.u8.at("converter.kind")[0] = 200;
  st = b->ImportState(s);
  EXPECT_NE(st.message().find("converter.kind[0]"), std::string::npos) << st.message();

  s = fresh;
  s.f64.at("config.max_steps")[2] = 0;
  st = b->ImportState(s);
  EXPECT_NE(st.message().find("config of env 2"), std::string::npos) << st.message();

  s = fresh;
  s.f32.erase("agent.score");
  st = b->ImportState(s);
  EXPECT_NE(st.message().find("agent.score: missing float32 array"), std::string::npos)
      << st.message();
  EXPECT_TRUE(b->ExportState() == before);

  BatchOptions bigger = Options();
  bigger.num_envs = 4;
  auto c = ArenaBatch::Create(bigger).value();
  st = c->ImportState(fresh);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("saved for 3 envs"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace lpt::envsim
