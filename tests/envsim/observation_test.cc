// Egocentric observations: cropping the padded world planes must put every feature exactly
// where the world has it.
#include <gtest/gtest.h>

#include "envsim/arena.h"
#include "envsim/render.h"
#include "tests/envsim/scenario.h"

namespace lpt::envsim {
namespace {

using testing::Scenario;
using testing::SmallConfig;

// Feature f at offset (dr, dc) from the observing agent.
uint8_t ObsAt(const std::vector<uint8_t>& obs, int agent, Feature f, int dr, int dc) {
  return obs[static_cast<size_t>(agent) * kObsPerAgent +
             (static_cast<int>(f) * kObsSize + kObsRadius + dr) * kObsSize + kObsRadius + dc];
}

std::vector<std::string> OffsetMap() {
  return {"#########", "#.......#", "#....g..#", "#.......#",
          "#..A....#", "#.......#", "#......B#", "#########"};
}

TEST(ArenaObservation, ObjectAtAKnownOffsetAppearsAtThatPlace) {
  Scenario s(OffsetMap(), SmallConfig(2));
  s.Wait(1);
  const auto& obs = s.buffers().obs;
  // A is at (4,3): the generator at (2,5) is 2 up and 2 right; B at (6,7) is 2 down, 4 right.
  EXPECT_EQ(ObsAt(obs, 0, Feature::kType, 0, 0), static_cast<uint8_t>(Cell::kAgent));
  EXPECT_EQ(ObsAt(obs, 0, Feature::kType, -2, 2), static_cast<uint8_t>(Cell::kGenerator));
  EXPECT_EQ(ObsAt(obs, 0, Feature::kType, 2, 4), static_cast<uint8_t>(Cell::kAgent));
  EXPECT_EQ(ObsAt(obs, 0, Feature::kType, -1, 2), static_cast<uint8_t>(Cell::kEmpty));
  // B sees A 2 up and 4 left, and the generator 4 up and 2 left.
  EXPECT_EQ(ObsAt(obs, 1, Feature::kType, -2, -4), static_cast<uint8_t>(Cell::kAgent));
  EXPECT_EQ(ObsAt(obs, 1, Feature::kType, -4, -2), static_cast<uint8_t>(Cell::kGenerator));
  // Count: exactly one generator and two agents in A's window.
  int generators = 0;
  int agents = 0;
  for (int dr = -kObsRadius; dr <= kObsRadius; ++dr) {
    for (int dc = -kObsRadius; dc <= kObsRadius; ++dc) {
      generators += ObsAt(obs, 0, Feature::kType, dr, dc) == static_cast<uint8_t>(Cell::kGenerator);
      agents += ObsAt(obs, 0, Feature::kType, dr, dc) == static_cast<uint8_t>(Cell::kAgent);
    }
  }
  EXPECT_EQ(generators, 1);
  EXPECT_EQ(agents, 2);
}

TEST(ArenaObservation, CellsBeyondTheMapReadAsWall) {
  Scenario s(OffsetMap(), SmallConfig(2));
  s.Wait(1);
  const auto& obs = s.buffers().obs;
  // A at (4,3): row -1 of the world is 5 up; column -2 is 5 left.
  EXPECT_EQ(ObsAt(obs, 0, Feature::kType, -5, 0), static_cast<uint8_t>(Cell::kWall));
  EXPECT_EQ(ObsAt(obs, 0, Feature::kType, 0, -5), static_cast<uint8_t>(Cell::kWall));
  EXPECT_EQ(ObsAt(obs, 0, Feature::kType, 5, 5), static_cast<uint8_t>(Cell::kWall));
}

TEST(ArenaObservation, AgentAndConverterFeaturesFollowTheWorld) {
  TaskConfig cfg = SmallConfig(2);
  cfg.converter(ConverterKind::kGenerator).cooldown = 7;
  Scenario s(OffsetMap(), cfg);
  s.batch().SetInventory(0, 1, Item::kArmor, 2);
  s.Act(1, Action::kMoveLeft);  // B turns left and moves to (6,6)
  const auto& obs = s.buffers().obs;
  EXPECT_EQ(ObsAt(obs, 0, Feature::kType, 2, 3), static_cast<uint8_t>(Cell::kAgent));
  EXPECT_EQ(ObsAt(obs, 0, Feature::kAgentFacing, 2, 3), static_cast<uint8_t>(Orientation::kLeft));
  EXPECT_EQ(ObsAt(obs, 0, Feature::kAgentArmor, 2, 3), 2);
  EXPECT_EQ(ObsAt(obs, 0, Feature::kAgentArmor, 2, 4), 0);  // B's old cell is clean
  // The generator cooled down for one tick.
  EXPECT_EQ(ObsAt(obs, 0, Feature::kConverterCooldown, -2, 2), 6);
  EXPECT_EQ(ObsAt(obs, 0, Feature::kConverterConverting, -2, 2), 0);
  // Own global vector.
  const float* g = &s.buffers().globals[kNumGlobals];
  EXPECT_EQ(g[static_cast<int>(Item::kArmor)], 2.0f);
  EXPECT_EQ(g[static_cast<int>(Global::kLastAction)], static_cast<float>(Action::kMoveLeft));
  EXPECT_EQ(g[static_cast<int>(Global::kLastActionOk)], 1.0f);
  EXPECT_EQ(g[static_cast<int>(Global::kFacing)], static_cast<float>(Orientation::kLeft));
  EXPECT_FLOAT_EQ(g[static_cast<int>(Global::kProgress)], 1.0f / cfg.max_steps);
}

// kCanAttack is 1 exactly when the agent holds the lasers an attack costs.
TEST(ArenaObservation, CanAttackFollowsTheLasersAgainstTheAttackCost) {
  TaskConfig cfg = SmallConfig(2);
  cfg.attack_cost = 2;
  Scenario s(OffsetMap(), cfg);
  const auto can_attack = [&](int agent) {
    return s.buffers()
        .globals[static_cast<size_t>(agent) * kNumGlobals + static_cast<int>(Global::kCanAttack)];
  };
  s.batch().SetInventory(0, 0, Item::kLaser, 1);
  s.batch().SetInventory(0, 1, Item::kLaser, 2);
  s.Act(0, Action::kNoop);
  EXPECT_EQ(can_attack(0), 0.0f);
  EXPECT_EQ(can_attack(1), 1.0f);
}

TEST(ArenaObservation, ConverterOutputAndInputPlanesCountItems) {
  TaskConfig cfg = SmallConfig(1);
  cfg.converter(ConverterKind::kAltar).initial_resource_count = 2;
  Scenario s({"###", "#_#", "#A#", "###"}, cfg);
  s.batch().SetInventory(0, 0, Item::kBatteryRed, 2);
  s.Act(0, Action::kPutItems);
  const auto& obs = s.buffers().obs;
  EXPECT_EQ(ObsAt(obs, 0, Feature::kConverterOutput, -1, 0), 2);
  EXPECT_EQ(ObsAt(obs, 0, Feature::kConverterInput, -1, 0), 2);
}

TEST(ArenaRender, RenderedMapReadsBackAsTheSameMap) {
  const std::vector<std::string> map = {"#######", "#A.m.g#", "#o_.lr#", "#..B..#", "#######"};
  Scenario s(map, SmallConfig(2));
  std::string expected;
  for (const std::string& row : map) expected += row + "\n";
  EXPECT_EQ(RenderMap(s.batch(), 0), expected);
  EXPECT_NE(RenderAgents(s.batch(), 0).find("ore_red"), std::string::npos);
}

}  // namespace
}  // namespace lpt::envsim
