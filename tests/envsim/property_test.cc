// Invariants under random actions, over many seeds: inventories within caps, one thing per
// cell, items conserved (what exists = initial + produced - consumed), returns = score change.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/rng.h"
#include "envsim/arena.h"
#include "tests/envsim/scenario.h"

namespace lpt::envsim {
namespace {

TaskConfig BusyConfig() {
  // Small crowded rooms with fast converters and stocked agents, so every rule fires often.
  TaskConfig c = ArenaRecipe();
  c.num_agents = 8;
  c.num_instances = 2;
  c.instance_size = 9;
  c.border_width = 1;
  c.walls = 4;
  c.blocks = 2;
  for (ConverterConfig& conv : c.converters) {
    conv.count = 2;
    conv.cooldown = 2;
    conv.max_output = 3;
  }
  c.converter(ConverterKind::kAltar).input[static_cast<int>(Item::kBatteryRed)] = 1;
  c.converter(ConverterKind::kMine).initial_resource_count = 2;
  c.converter(ConverterKind::kAltar).initial_resource_count = 1;
  c.initial_inventory = {5, 2, 0, 4, 1};
  c.inventory_cap = {8, 6, 20, 6, 3};
  c.max_steps = 120;
  return c;
}

float ScoreOf(const ArenaBatch& b, int env, int agent) {
  const TaskConfig& cfg = b.config(env);
  float s = 0;
  for (int i = 0; i < kNumItems; ++i) {
    s += std::min(
        static_cast<float>(b.Inventory(env, agent, static_cast<Item>(i))) * cfg.reward_weight[i],
        cfg.reward_cap[i]);
  }
  return s;
}

void CheckInvariants(const ArenaBatch& b, int env, const std::vector<float>& initial_score) {
  const TaskConfig& cfg = b.config(env);
  const EpisodeStats& st = b.CurrentEpisode(env);
  std::set<std::pair<int, int>> agent_cells;
  std::array<int64_t, kNumItems> held{};
  for (int a = 0; a < b.num_agents(); ++a) {
    const int r = b.AgentRow(env, a);
    const int c = b.AgentCol(env, a);
    ASSERT_TRUE(agent_cells.insert({r, c}).second) << "two agents at " << r << "," << c;
    ASSERT_EQ(b.CellAt(env, r, c), Cell::kAgent);
    ASSERT_LE(b.Frozen(env, a), cfg.freeze_duration);
    for (int i = 0; i < kNumItems; ++i) {
      const int v = b.Inventory(env, a, static_cast<Item>(i));
      ASSERT_LE(v, cfg.inventory_cap[i]) << ItemName(static_cast<Item>(i));
      held[i] += v;
    }
    ASSERT_NEAR(st.returns[a], ScoreOf(b, env, a) - initial_score[a], 1e-4) << "agent " << a;
  }
  int agent_cell_count = 0;
  int converter_cells = 0;
  for (int r = 0; r < b.map_height(env); ++r) {
    for (int c = 0; c < b.map_width(env); ++c) {
      const Cell cell = b.CellAt(env, r, c);
      agent_cell_count += cell == Cell::kAgent;
      const int conv = b.ConverterAt(env, r, c);
      ASSERT_EQ(conv >= 0, IsConverter(cell)) << r << "," << c;
      if (conv >= 0) {
        ++converter_cells;
        ASSERT_EQ(CellOf(b.KindOf(env, conv)), cell);
      }
    }
  }
  ASSERT_EQ(agent_cell_count, b.num_agents());
  ASSERT_EQ(converter_cells, b.num_converters(env));
  for (int c = 0; c < b.num_converters(env); ++c) {
    for (int i = 0; i < kNumItems; ++i) {
      held[i] += b.InputOf(env, c, static_cast<Item>(i)) + b.OutputOf(env, c, static_cast<Item>(i));
    }
  }
  for (int i = 0; i < kNumItems; ++i) {
    const int64_t initial = static_cast<int64_t>(cfg.initial_inventory[i]) * b.num_agents();
    ASSERT_EQ(held[i], initial + st.produced[i] - st.consumed[i]) << ItemName(static_cast<Item>(i));
  }
}

TEST(ArenaProperty, RandomActionsKeepEveryInvariantOverManySeeds) {
  constexpr int kEnvs = 2;
  int64_t attacks_landed = 0;
  int64_t hearts = 0;
  for (uint64_t seed = 0; seed < 24; ++seed) {
    BatchOptions opts;
    opts.num_envs = kEnvs;
    opts.seed = seed;
    opts.config = BusyConfig();
    auto batch = ArenaBatch::Create(opts).value();
    testing::Buffers buf(*batch);
    std::vector<int32_t> actions(buf.total);
    CounterRng rng(seed, 1234);
    std::vector<std::vector<float>> initial(kEnvs);
    auto remember_scores = [&](int env) {
      initial[env].resize(batch->num_agents());
      for (int a = 0; a < batch->num_agents(); ++a) initial[env][a] = ScoreOf(*batch, env, a);
    };
    for (int e = 0; e < kEnvs; ++e) remember_scores(e);
    for (int t = 0; t < 300; ++t) {
      for (int32_t& a : actions) a = static_cast<int32_t>(rng.Below(kNumActions));
      batch->Step({0, kEnvs}, actions, buf.View());
      for (int e = 0; e < kEnvs; ++e) {
        if (buf.episode_end[e]) {
          const EpisodeStats& last = batch->LastEpisode(e);
          for (int a = 0; a < batch->num_agents(); ++a) {
            attacks_landed += last.times_frozen[a];
            hearts += last.HeartsMade(a);
          }
          remember_scores(e);
        }
        CheckInvariants(*batch, e, initial[e]);
        if (::testing::Test::HasFatalFailure()) {
          FAIL() << "seed " << seed << " step " << t << " env " << e;
        }
      }
    }
  }
  // The property test is only worth something if the rules actually fired.
  EXPECT_GT(attacks_landed, 0);
  EXPECT_GT(hearts, 0);
}

}  // namespace
}  // namespace lpt::envsim
