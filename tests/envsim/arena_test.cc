// Hand-built maps, one rule of docs/design.md §3 per test.
#include "envsim/arena.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/envsim/scenario.h"

namespace lpt::envsim {
namespace {

using testing::Scenario;
using testing::SmallConfig;

constexpr int kOre = static_cast<int>(Item::kOreRed);
constexpr int kBattery = static_cast<int>(Item::kBatteryRed);

TEST(ArenaMove, AgentBlockedByWallStaysInPlaceButTurns) {
  Scenario s({"###", "#A#", "#.#", "###"}, SmallConfig(1));
  s.Act(0, Action::kMoveUp);
  EXPECT_FALSE(s.LastOk(0));
  EXPECT_EQ(s.batch().AgentRow(0, 0), 1);
  EXPECT_EQ(s.batch().Facing(0, 0), Orientation::kUp);
  s.Act(0, Action::kMoveLeft);
  EXPECT_FALSE(s.LastOk(0));
  EXPECT_EQ(s.batch().Facing(0, 0), Orientation::kLeft);
  s.Act(0, Action::kMoveDown);
  EXPECT_TRUE(s.LastOk(0));
  EXPECT_EQ(s.batch().AgentRow(0, 0), 2);
  EXPECT_EQ(s.batch().CellAt(0, 1, 1), Cell::kEmpty);
  EXPECT_EQ(s.batch().CellAt(0, 2, 1), Cell::kAgent);
}

TEST(ArenaMove, AgentsBlocksAndConvertersBlockMoves) {
  Scenario s({"#####", "#BAo#", "#.m.#", "#####"}, SmallConfig(2));
  s.Act(0, Action::kMoveLeft);  // into agent B
  EXPECT_FALSE(s.LastOk(0));
  s.Act(0, Action::kMoveRight);  // into a block
  EXPECT_FALSE(s.LastOk(0));
  s.Act(0, Action::kMoveDown);  // into a mine
  EXPECT_FALSE(s.LastOk(0));
  EXPECT_EQ(s.batch().AgentCol(0, 0), 2);
  EXPECT_EQ(s.batch().AgentRow(0, 0), 1);
}

TEST(ArenaConverter, MineGivesOreOnlyAfterItsCooldown) {
  TaskConfig cfg = SmallConfig(1);
  const ConverterConfig& mine = cfg.converter(ConverterKind::kMine);
  Scenario s({"###", "#m#", "#A#", "###"}, cfg);
  // The mine starts cooling down; its first conversion completes in the converter phase of
  // step cooldown + conversion_ticks - 1, so the first get that works is at that step + 1.
  const int first_ok = mine.cooldown + mine.conversion_ticks;
  for (int t = 0; t < first_ok; ++t) {
    s.Act(0, Action::kGetItems);
    ASSERT_FALSE(s.LastOk(0)) << "step " << t;
    ASSERT_EQ(s.Inv(0, Item::kOreRed), 0);
  }
  s.Act(0, Action::kGetItems);
  EXPECT_TRUE(s.LastOk(0));
  EXPECT_EQ(s.Inv(0, Item::kOreRed), 1);
  EXPECT_EQ(s.batch().CurrentEpisode(0).collected[kOre], 1);
}

TEST(ArenaConverter, GeneratorConvertsAfterConversionTicksThenCoolsDown) {
  TaskConfig cfg = SmallConfig(1);
  ConverterConfig& gen = cfg.converter(ConverterKind::kGenerator);
  gen.conversion_ticks = 3;
  gen.cooldown = 5;
  Scenario s({"###", "#g#", "#A#", "###"}, cfg);
  s.batch().SetInventory(0, 0, Item::kOreRed, 2);
  const int g = s.ConverterAt(1, 1);
  ASSERT_GE(g, 0);
  EXPECT_EQ(s.batch().StateOf(0, g), ConverterState::kCoolingDown);
  s.Wait(gen.cooldown);
  EXPECT_EQ(s.batch().StateOf(0, g), ConverterState::kIdle);

  s.Act(0, Action::kPutItems);  // consumes the ore; the put step is conversion tick 1
  EXPECT_TRUE(s.LastOk(0));
  EXPECT_EQ(s.Inv(0, Item::kOreRed), 1);
  EXPECT_EQ(s.batch().StateOf(0, g), ConverterState::kConverting);
  for (int t = 1; t < gen.conversion_ticks; ++t) {
    s.Act(0, Action::kGetItems);
    EXPECT_FALSE(s.LastOk(0)) << "tick " << t;
  }
  EXPECT_EQ(s.batch().StateOf(0, g), ConverterState::kCoolingDown);
  s.Act(0, Action::kGetItems);
  EXPECT_TRUE(s.LastOk(0));
  EXPECT_EQ(s.Inv(0, Item::kBatteryRed), 1);

  // A second ore deposited during the cooldown waits: no conversion until the cooldown ends.
  s.Act(0, Action::kPutItems);
  EXPECT_TRUE(s.LastOk(0));
  EXPECT_EQ(s.batch().InputOf(0, g, Item::kOreRed), 1);
  EXPECT_EQ(s.batch().StateOf(0, g), ConverterState::kCoolingDown);
  // The cooldown started in the converter phase of the step that produced the battery, and
  // one get and one put step have passed since.
  s.Wait(gen.cooldown - 3);
  EXPECT_EQ(s.batch().StateOf(0, g), ConverterState::kCoolingDown);
  s.Wait(1);
  EXPECT_EQ(s.batch().StateOf(0, g), ConverterState::kConverting);  // retried by itself
  EXPECT_EQ(s.batch().InputOf(0, g, Item::kOreRed), 0);
}

TEST(ArenaConverter, AltarNeedsThreeBatteries) {
  TaskConfig cfg = SmallConfig(1);
  cfg.converter(ConverterKind::kAltar).cooldown = 0;
  Scenario s({"###", "#_#", "#A#", "###"}, cfg);
  const int altar = s.ConverterAt(1, 1);
  s.batch().SetInventory(0, 0, Item::kBatteryRed, 2);
  s.Act(0, Action::kPutItems);
  EXPECT_TRUE(s.LastOk(0));
  EXPECT_EQ(s.batch().InputOf(0, altar, Item::kBatteryRed), 2);
  EXPECT_EQ(s.batch().StateOf(0, altar), ConverterState::kIdle);
  s.Wait(5);
  EXPECT_EQ(s.batch().OutputOf(0, altar, Item::kHeart), 0);

  s.batch().SetInventory(0, 0, Item::kBatteryRed, 1);
  s.Act(0, Action::kPutItems);
  EXPECT_EQ(s.batch().InputOf(0, altar, Item::kBatteryRed), 0);
  s.Act(0, Action::kGetItems);
  EXPECT_TRUE(s.LastOk(0));
  EXPECT_EQ(s.Inv(0, Item::kHeart), 1);
  EXPECT_EQ(s.batch().CurrentEpisode(0).HeartsMade(0), 1);
  EXPECT_FLOAT_EQ(s.Reward(0), 1.0f);  // heart weight 1
}

TEST(ArenaConverter, ProductionStopsAtMaxOutputAndResumesWhenTaken) {
  TaskConfig cfg = SmallConfig(1);
  ConverterConfig& mine = cfg.converter(ConverterKind::kMine);
  mine.cooldown = 0;
  mine.max_output = 3;
  Scenario s({"###", "#m#", "#A#", "###"}, cfg);
  const int m = s.ConverterAt(1, 1);
  s.Wait(20);
  EXPECT_EQ(s.batch().OutputOf(0, m, Item::kOreRed), 3);
  EXPECT_EQ(s.batch().StateOf(0, m), ConverterState::kIdle);
  EXPECT_EQ(s.batch().CurrentEpisode(0).produced[kOre], 3);
  s.Act(0, Action::kGetItems);
  EXPECT_EQ(s.Inv(0, Item::kOreRed), 3);
  EXPECT_EQ(s.batch().StateOf(0, m), ConverterState::kConverting);
}

TEST(ArenaConverter, InitialResourceCountIsHeldFromTheStart) {
  TaskConfig cfg = SmallConfig(1);
  cfg.converter(ConverterKind::kAltar).initial_resource_count = 2;
  Scenario s({"###", "#_#", "#A#", "###"}, cfg);
  s.Act(0, Action::kGetItems);
  EXPECT_TRUE(s.LastOk(0));
  EXPECT_EQ(s.Inv(0, Item::kHeart), 2);
}

TEST(ArenaConverter, GetStopsAtTheInventoryCap) {
  TaskConfig cfg = SmallConfig(1);
  cfg.converter(ConverterKind::kAltar).initial_resource_count = 5;
  cfg.inventory_cap[static_cast<int>(Item::kHeart)] = 3;
  Scenario s({"###", "#_#", "#A#", "###"}, cfg);
  s.Act(0, Action::kGetItems);
  EXPECT_EQ(s.Inv(0, Item::kHeart), 3);
  EXPECT_EQ(s.batch().OutputOf(0, s.ConverterAt(1, 1), Item::kHeart), 2);
  s.Act(0, Action::kGetItems);
  EXPECT_FALSE(s.LastOk(0));
}

// A at (1,1) facing down at B (2,1).
std::vector<std::string> DuelMap() { return {"###", "#A#", "#B#", "#.#", "###"}; }

TEST(ArenaAttack, AttackFreezesTargetAndStealsItsItems) {
  TaskConfig cfg = SmallConfig(2);
  Scenario s(DuelMap(), cfg);
  s.batch().SetFacing(0, 0, Orientation::kDown);
  s.batch().SetInventory(0, 0, Item::kLaser, 1);
  s.batch().SetInventory(0, 1, Item::kOreRed, 3);
  s.batch().SetInventory(0, 1, Item::kBatteryRed, 1);
  s.Act(0, Action::kAttack0);
  EXPECT_TRUE(s.LastOk(0));
  EXPECT_EQ(s.batch().Frozen(0, 1), cfg.freeze_duration);
  EXPECT_EQ(s.Inv(0, Item::kLaser), 0);
  EXPECT_EQ(s.Inv(0, Item::kOreRed), 3);
  EXPECT_EQ(s.Inv(0, Item::kBatteryRed), 1);
  EXPECT_EQ(s.Inv(1, Item::kOreRed), 0);
  const EpisodeStats& st = s.batch().CurrentEpisode(0);
  EXPECT_EQ(st.times_frozen[1], 1);
  EXPECT_EQ(st.attack_spent[static_cast<int>(Item::kLaser)], 1);
  EXPECT_EQ(st.stolen[kNumItems + kOre], 3);
  EXPECT_EQ(st.robbed[kOre], 3);
  EXPECT_EQ(st.Gained(0, Item::kBatteryRed), 1);
  EXPECT_EQ(st.Spent(1, Item::kBatteryRed), 1);
  // The thief's reward rises by what it took, the victim's falls: 3 ore (0.3) + 1 battery (0.8)
  // minus the laser spent (0.5).
  EXPECT_NEAR(s.Reward(0), 0.3f + 0.8f - 0.5f, 1e-6);
  EXPECT_NEAR(s.Reward(1), -(0.3f + 0.8f), 1e-6);
}

TEST(ArenaAttack, StealingStopsAtTheAttackersCapAndTheRestStays) {
  TaskConfig cfg = SmallConfig(2);
  cfg.inventory_cap[kOre] = 10;
  Scenario s(DuelMap(), cfg);
  s.batch().SetFacing(0, 0, Orientation::kDown);
  s.batch().SetInventory(0, 0, Item::kLaser, 1);
  s.batch().SetInventory(0, 0, Item::kOreRed, 8);
  s.batch().SetInventory(0, 1, Item::kOreRed, 5);
  s.Act(0, Action::kAttack0);
  EXPECT_EQ(s.Inv(0, Item::kOreRed), 10);
  EXPECT_EQ(s.Inv(1, Item::kOreRed), 3);
  EXPECT_EQ(s.batch().CurrentEpisode(0).stolen[kNumItems + kOre], 2);
}

TEST(ArenaAttack, FrozenAgentCannotActUntilTheFreezeEnds) {
  TaskConfig cfg = SmallConfig(2);
  cfg.freeze_duration = 4;
  Scenario s(DuelMap(), cfg);
  s.batch().SetFacing(0, 0, Orientation::kDown);
  s.batch().SetInventory(0, 0, Item::kLaser, 1);
  s.Act(0, Action::kAttack0);
  ASSERT_EQ(s.batch().Frozen(0, 1), 4);
  auto frozen_seen_by_a = [&] {  // B is one cell below A
    return s.buffers()
        .obs[(static_cast<int>(Feature::kAgentFrozen) * kObsSize + kObsRadius + 1) * kObsSize +
             kObsRadius];
  };
  auto frozen_global_of_b = [&] {
    return s.buffers().globals[kNumGlobals + static_cast<int>(Global::kFrozen)];
  };
  EXPECT_EQ(frozen_seen_by_a(), 4);
  EXPECT_EQ(frozen_global_of_b(), 4.0f);
  for (int t = 0; t < 4; ++t) {
    s.Act(1, Action::kMoveDown);
    EXPECT_FALSE(s.LastOk(1)) << "frozen step " << t;
    EXPECT_EQ(s.batch().AgentRow(0, 1), 2);
    EXPECT_EQ(frozen_seen_by_a(), 3 - t);
    EXPECT_EQ(frozen_global_of_b(), static_cast<float>(3 - t));
  }
  EXPECT_EQ(s.batch().Frozen(0, 1), 0);
  s.Act(1, Action::kMoveDown);
  EXPECT_TRUE(s.LastOk(1));
  EXPECT_EQ(s.batch().AgentRow(0, 1), 3);
  const EpisodeStats& st = s.batch().CurrentEpisode(0);
  EXPECT_EQ(st.action_failed[kNumActions + static_cast<int>(Action::kMoveDown)], 4);
  EXPECT_EQ(st.action_count[kNumActions + static_cast<int>(Action::kMoveDown)], 5);
}

TEST(ArenaAttack, ArmorBlocksTheAttackAndIsConsumed) {
  TaskConfig cfg = SmallConfig(2);
  Scenario s(DuelMap(), cfg);
  s.batch().SetFacing(0, 0, Orientation::kDown);
  s.batch().SetInventory(0, 0, Item::kLaser, 2);
  s.batch().SetInventory(0, 1, Item::kArmor, 1);
  s.batch().SetInventory(0, 1, Item::kOreRed, 2);
  s.Act(0, Action::kAttack0);
  EXPECT_EQ(s.Inv(1, Item::kArmor), 0);
  EXPECT_EQ(s.batch().Frozen(0, 1), 0);
  EXPECT_EQ(s.Inv(1, Item::kOreRed), 2);
  EXPECT_EQ(s.Inv(0, Item::kLaser), 1);
  s.Act(0, Action::kAttack0);  // no armor left
  EXPECT_EQ(s.batch().Frozen(0, 1), cfg.freeze_duration);
  EXPECT_EQ(s.Inv(0, Item::kOreRed), 2);
}

TEST(ArenaAttack, AttackCostAboveTheLaserCapNeverFires) {
  TaskConfig cfg = SmallConfig(2);
  cfg.attack_cost = 100;
  Scenario s(DuelMap(), cfg);
  s.batch().SetFacing(0, 0, Orientation::kDown);
  s.batch().SetInventory(0, 0, Item::kLaser, cfg.inventory_cap[static_cast<int>(Item::kLaser)]);
  for (int k = 0; k < kNumAttackArgs; ++k) {
    s.Act(0, static_cast<Action>(static_cast<int>(Action::kAttack0) + k));
    EXPECT_FALSE(s.LastOk(0));
  }
  EXPECT_EQ(s.batch().Frozen(0, 1), 0);
  EXPECT_EQ(s.Inv(0, Item::kLaser), 50);
}

TEST(ArenaAttack, ArgumentPicksTheKthAgentInScanOrder) {
  // A faces down. Scan order: distance 1 (centre, left, right), distance 2, ... Facing down,
  // "left" is the agent's right-hand side mirrored: column +1 is its left.
  TaskConfig cfg = SmallConfig(3);
  Scenario s({"#####", "#.A.#", "#...#", "#.BC#", "#####"}, cfg);
  s.batch().SetFacing(0, 0, Orientation::kDown);
  s.batch().SetInventory(0, 0, Item::kLaser, 3);
  s.Act(0, static_cast<Action>(static_cast<int>(Action::kAttack0) + 2));  // no third agent
  EXPECT_FALSE(s.LastOk(0));
  EXPECT_EQ(s.Inv(0, Item::kLaser), 2);  // the laser is used on firing, hit or miss
  s.Act(0, static_cast<Action>(static_cast<int>(Action::kAttack0) + 1));
  EXPECT_TRUE(s.LastOk(0));
  // Distance 2 scans centre (B at column 2), then left (column 3 when facing down: C).
  EXPECT_EQ(s.batch().Frozen(0, 1), 0);
  EXPECT_EQ(s.batch().Frozen(0, 2), cfg.freeze_duration);
  s.Act(0, Action::kAttack0);  // C is frozen now, so the first unfrozen is B
  EXPECT_EQ(s.batch().Frozen(0, 1), cfg.freeze_duration);
}

TEST(ArenaAttack, ScanGoesCentreLeftRightByDistanceSkipsFrozenAndStopsAtThree) {
  // A (4,2) faces up. Distance 1: centre empty, left B, right C. Distance 2: centre D.
  // Distance 3: left E.
  TaskConfig cfg = SmallConfig(5);
  Scenario s({"#####", "#E..#", "#.D.#", "#B.C#", "#.A.#", "#####"}, cfg);
  s.batch().SetInventory(0, 0, Item::kLaser, 10);
  const auto attack = [&](int k) {
    s.Act(0, static_cast<Action>(static_cast<int>(Action::kAttack0) + k));
  };
  attack(0);  // B (left of distance 1) comes before C (right)
  EXPECT_EQ(s.batch().Frozen(0, 1), cfg.freeze_duration);
  EXPECT_EQ(s.batch().Frozen(0, 2), 0);
  attack(0);  // B is frozen now and skipped: C
  EXPECT_EQ(s.batch().Frozen(0, 2), cfg.freeze_duration);
  attack(1);  // unfrozen in order: D, E -> the second is E (distance 3, lateral -1)
  EXPECT_EQ(s.batch().Frozen(0, 4), cfg.freeze_duration);
  EXPECT_EQ(s.batch().Frozen(0, 3), 0);
}

TEST(ArenaAttack, AgentsBeyondDistanceThreeAreOutOfReach) {
  TaskConfig cfg = SmallConfig(2);
  Scenario s({"###", "#B#", "#.#", "#.#", "#.#", "#A#", "###"}, cfg);
  s.batch().SetInventory(0, 0, Item::kLaser, 1);
  s.Act(0, Action::kAttack0);
  EXPECT_FALSE(s.LastOk(0));
  EXPECT_EQ(s.batch().Frozen(0, 1), 0);
}

TEST(ArenaStep, AgentOrderIsShuffledBySeedAndReproducible) {
  // A and B both move into the one free cell between them; whoever acts first gets it.
  const std::vector<std::string> map = {"#####", "#A.B#", "#####"};
  auto winner = [&](uint64_t seed) {
    BatchOptions opts;
    opts.config = SmallConfig(2);
    opts.seed = seed;
    auto batch = ArenaBatch::Create(opts).value();
    EXPECT_TRUE(batch->LoadMap(0, map).ok());
    testing::Buffers buf(*batch);
    const std::vector<int32_t> actions = {static_cast<int32_t>(Action::kMoveRight),
                                          static_cast<int32_t>(Action::kMoveLeft)};
    batch->Step({0, 1}, actions, buf.View());
    return batch->AgentCol(0, 0) == 2 ? 0 : 1;
  };
  int a_wins = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    a_wins += winner(seed) == 0;
    EXPECT_EQ(winner(seed), winner(seed)) << "seed " << seed;
  }
  EXPECT_GT(a_wins, 5);
  EXPECT_LT(a_wins, 35);
}

TEST(ArenaReward, SpendingItemsLowersReward) {
  TaskConfig cfg = SmallConfig(1);
  cfg.converter(ConverterKind::kGenerator).cooldown = 0;
  Scenario s({"###", "#g#", "#A#", "###"}, cfg);
  s.batch().SetInventory(0, 0, Item::kOreRed, 1);
  s.Act(0, Action::kPutItems);
  EXPECT_TRUE(s.LastOk(0));
  EXPECT_NEAR(s.Reward(0), -0.1f, 1e-6);
  s.Act(0, Action::kGetItems);
  EXPECT_NEAR(s.Reward(0), 0.8f, 1e-6);
  EXPECT_EQ(s.batch().CurrentEpisode(0).deposited[kOre], 1);
  EXPECT_EQ(s.batch().CurrentEpisode(0).collected[kBattery], 1);
}

TEST(ArenaReward, RewardStopsAtTheItemsCap) {
  TaskConfig cfg = SmallConfig(1);
  cfg.converter(ConverterKind::kMine).initial_resource_count = 5;
  cfg.converter(ConverterKind::kMine).max_output = 20;
  cfg.reward_cap[kOre] = 0.25f;
  Scenario s({"###", "#m#", "#A#", "###"}, cfg);
  s.Act(0, Action::kGetItems);
  EXPECT_EQ(s.Inv(0, Item::kOreRed), 5);
  EXPECT_NEAR(s.Reward(0), 0.25f, 1e-6);
}

TEST(ArenaEpisode, TruncatesAtMaxStepsAndReportsTheEpisode) {
  TaskConfig cfg = SmallConfig(1);
  cfg.max_steps = 5;
  Scenario s({"###", "#A#", "###"}, cfg);
  for (int t = 1; t <= 5; ++t) {
    s.Act(0, Action::kMoveUp);
    EXPECT_EQ(s.buffers().terminated[0], 0);
    EXPECT_EQ(s.buffers().truncated[0], t == 5 ? 1 : 0) << "step " << t;
    EXPECT_EQ(s.buffers().episode_end[0], t == 5 ? 1 : 0);
  }
  const EpisodeStats& last = s.batch().LastEpisode(0);
  EXPECT_EQ(last.length, 5);
  EXPECT_EQ(last.episode, 0);
  EXPECT_FALSE(last.desync_shortened);
  EXPECT_EQ(last.action_count[static_cast<int>(Action::kMoveUp)], 5);
  EXPECT_EQ(last.action_failed[static_cast<int>(Action::kMoveUp)], 5);
  // Auto-reset: a new random episode of the config's map.
  EXPECT_EQ(s.batch().episode(0), 1);
  EXPECT_EQ(s.batch().step(0), 0);
  EXPECT_EQ(s.batch().CurrentEpisode(0).action_count[static_cast<int>(Action::kMoveUp)], 0);
}

TEST(ArenaEpisode, FinalObservationIsTheEndOfTheEpisodeNotTheReset) {
  TaskConfig cfg = SmallConfig(1);
  cfg.max_steps = 2;
  Scenario s({"####", "#A.#", "####"}, cfg);
  s.Act(0, Action::kMoveRight);
  s.Act(0, Action::kNoop);  // ends the episode
  ASSERT_EQ(s.buffers().episode_end[0], 1);
  // In the final observation the agent sees a wall to its left (col 0) at distance 2 and an
  // empty cell at distance 1 (where it started).
  auto at = [&](const std::vector<uint8_t>& obs, int dr, int dc) {
    return obs[(kObsRadius + dr) * kObsSize + (kObsRadius + dc)];
  };
  EXPECT_EQ(at(s.buffers().final_obs, 0, -1), static_cast<uint8_t>(Cell::kEmpty));
  EXPECT_EQ(at(s.buffers().final_obs, 0, -2), static_cast<uint8_t>(Cell::kWall));
  EXPECT_EQ(s.buffers().final_globals[static_cast<int>(Global::kProgress)], 1.0f);
  EXPECT_EQ(s.buffers().globals[static_cast<int>(Global::kProgress)], 0.0f);
}

TEST(ArenaEpisode, DesyncShortensOnlyTheFirstEpisodeAndFlagsIt) {
  TaskConfig cfg = ArenaRecipe();
  cfg.max_steps = 40;
  cfg.desync_episodes = true;
  BatchOptions opts;
  opts.num_envs = 16;
  opts.seed = 7;
  opts.config = cfg;
  auto batch = ArenaBatch::Create(opts).value();
  testing::Buffers buf(*batch);
  std::vector<int32_t> noop(buf.total, 0);
  std::vector<int> ends(opts.num_envs, 0);
  std::vector<int> first_length(opts.num_envs, 0);
  int shortened = 0;
  for (int t = 0; t < 3 * cfg.max_steps; ++t) {
    batch->Step({0, opts.num_envs}, noop, buf.View());
    for (int e = 0; e < opts.num_envs; ++e) {
      if (!buf.episode_end[e]) continue;
      const EpisodeStats& last = batch->LastEpisode(e);
      if (ends[e]++ == 0) {
        first_length[e] = last.length;
        EXPECT_EQ(last.episode, 0);
        EXPECT_LE(last.length, cfg.max_steps);
        EXPECT_EQ(last.desync_shortened, last.length < cfg.max_steps);
        shortened += last.desync_shortened ? 1 : 0;
      } else {
        EXPECT_EQ(last.length, cfg.max_steps) << "env " << e << " episode " << last.episode;
        EXPECT_FALSE(last.desync_shortened);
      }
    }
  }
  EXPECT_GE(shortened, opts.num_envs / 2);  // P(length = max_steps) is 1/40 per env
  std::set<int> first_lengths;
  for (int e = 0; e < opts.num_envs; ++e) first_lengths.insert(first_length[e]);
  EXPECT_GE(first_lengths.size(), 4u) << "envs must not all reset together";
  for (int e = 0; e < opts.num_envs; ++e) EXPECT_GE(ends[e], 2);
}

TEST(ArenaEpisode, ConfigChangeWaitsForTheNextReset) {
  TaskConfig cfg = SmallConfig(1);
  cfg.max_steps = 10;
  cfg.converter(ConverterKind::kMine).initial_resource_count = 1;
  cfg.converter(ConverterKind::kMine).count = 1;
  Scenario s({"###", "#m#", "#A#", "###"}, cfg);
  TaskConfig next = cfg;
  next.max_steps = 7;
  next.reward_weight[kOre] = 0.5f;
  s.Wait(3);
  ASSERT_TRUE(s.batch().SetPendingConfig(0, next).ok());
  EXPECT_EQ(s.batch().config(0).max_steps, 10);
  s.Act(0, Action::kGetItems);
  EXPECT_NEAR(s.Reward(0), 0.1f, 1e-6);  // still the old weight
  s.Wait(6);
  ASSERT_EQ(s.buffers().episode_end[0], 1);
  EXPECT_EQ(s.batch().LastEpisode(0).length, 10);
  EXPECT_EQ(s.batch().config(0).max_steps, 7);
  EXPECT_EQ(s.batch().episode_length(0), 7);
  EXPECT_FLOAT_EQ(s.batch().config(0).reward_weight[kOre], 0.5f);
}

TEST(ArenaEpisode, PendingConfigThatDoesNotFitIsRejectedWithTheFieldName) {
  TaskConfig cfg = SmallConfig(1);
  Scenario s({"###", "#A#", "###"}, cfg);
  TaskConfig bad = cfg;
  bad.num_agents = 2;
  Status st = s.batch().SetPendingConfig(0, bad);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("map.num_agents"), std::string::npos) << st.message();
  bad = cfg;
  bad.instance_size = 40;
  st = s.batch().SetPendingConfig(0, bad);
  EXPECT_NE(st.message().find("capacity"), std::string::npos) << st.message();
}

TEST(ArenaMap, LoadMapRejectsUnknownCellsAndMissingAgents) {
  TaskConfig cfg = SmallConfig(2);
  Scenario s({"####", "#AB#", "####"}, cfg);
  Status st = s.batch().LoadMap(0, {"####", "#A?#", "####"});
  EXPECT_NE(st.message().find("unknown cell '?'"), std::string::npos) << st.message();
  st = s.batch().LoadMap(0, {"####", "#A.#", "####"});
  EXPECT_NE(st.message().find("agent 'B' is missing"), std::string::npos) << st.message();
  st = s.batch().LoadMap(0, {"####", "#AB#", "###"});
  EXPECT_NE(st.message().find("row 2"), std::string::npos) << st.message();
}

TEST(ArenaMap, RejectedMapLeavesTheEpisodeAndItsPendingConfigAlone) {
  TaskConfig cfg = SmallConfig(1);
  Scenario s({"###", "#A#", "###"}, cfg);
  TaskConfig next = cfg;
  next.max_steps = 7;
  ASSERT_TRUE(s.batch().SetPendingConfig(0, next).ok());
  s.Wait(2);
  EXPECT_FALSE(s.batch().LoadMap(0, {"###", "#?#", "###"}).ok());
  EXPECT_EQ(s.batch().config(0).max_steps, cfg.max_steps);
  EXPECT_EQ(s.batch().step(0), 2);
  ASSERT_TRUE(s.batch().LoadMap(0, {"###", "#A#", "###"}).ok());
  EXPECT_EQ(s.batch().config(0).max_steps, 7);  // a new episode: now it applies
  EXPECT_EQ(s.batch().episode_length(0), 7);
}

TEST(ArenaMap, GeneratedMapHasTheConfiguredObjectsInsideABorder) {
  BatchOptions opts;
  opts.config = ArenaRecipe();
  opts.seed = 11;
  auto batch = ArenaBatch::Create(opts).value();
  const TaskConfig& cfg = opts.config;
  ASSERT_EQ(batch->map_height(0), 62);
  ASSERT_EQ(batch->map_width(0), 62);
  std::array<int, kNumCellTypes> counts{};
  for (int r = 0; r < 62; ++r) {
    for (int c = 0; c < 62; ++c) {
      const Cell cell = batch->CellAt(0, r, c);
      ++counts[static_cast<int>(cell)];
      if (r < cfg.border_width || c < cfg.border_width || r >= 62 - cfg.border_width ||
          c >= 62 - cfg.border_width) {
        EXPECT_EQ(cell, Cell::kWall) << r << "," << c;
      }
    }
  }
  EXPECT_EQ(counts[static_cast<int>(Cell::kAgent)], 24);
  EXPECT_EQ(counts[static_cast<int>(Cell::kMine)], 4 * 10);
  EXPECT_EQ(counts[static_cast<int>(Cell::kGenerator)], 4 * 5);
  EXPECT_EQ(counts[static_cast<int>(Cell::kAltar)], 4 * 5);
  EXPECT_EQ(counts[static_cast<int>(Cell::kLasery)], 4);
  EXPECT_EQ(counts[static_cast<int>(Cell::kArmory)], 4);
  EXPECT_EQ(counts[static_cast<int>(Cell::kBlock)], 0);
  const int border_cells = 62 * 62 - 4 * 25 * 25;
  EXPECT_EQ(counts[static_cast<int>(Cell::kWall)], border_cells + 4 * 10);
  // Agents are spread evenly: 6 per room.
  std::array<int, 4> per_room{};
  for (int a = 0; a < 24; ++a) {
    const int room = (batch->AgentRow(0, a) >= 31 ? 2 : 0) + (batch->AgentCol(0, a) >= 31 ? 1 : 0);
    ++per_room[room];
  }
  for (int n : per_room) EXPECT_EQ(n, 6);
}

}  // namespace
}  // namespace lpt::envsim
