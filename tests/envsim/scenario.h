// Test helper: one env built from a hand-drawn map, with its step buffers.
#ifndef LPTRAIN_TESTS_ENVSIM_SCENARIO_H_
#define LPTRAIN_TESTS_ENVSIM_SCENARIO_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "envsim/arena.h"
#include "envsim/step_storage.h"

namespace lpt::envsim::testing {

// The arena recipe shrunk to a one-room map with nothing placed at random (hand-drawn maps
// replace it), no desync.
inline TaskConfig SmallConfig(int num_agents) {
  TaskConfig c = ArenaRecipe();
  c.num_agents = num_agents;
  c.num_instances = 1;
  c.instance_size = 6;
  c.border_width = 1;
  c.walls = 0;
  c.blocks = 0;
  for (ConverterConfig& conv : c.converters) conv.count = 0;
  c.desync_episodes = false;
  return c;
}

// Buffers for a whole batch.
using Buffers = StepStorage;

inline int CountAgents(const std::vector<std::string>& map) {
  int n = 0;
  for (const std::string& row : map) {
    for (char ch : row) n += (ch >= 'A' && ch <= 'Z') ? 1 : 0;
  }
  return n;
}

class Scenario {
 public:
  // config.num_agents is set from the map.
  Scenario(const std::vector<std::string>& map, TaskConfig config) {
    config.num_agents = CountAgents(map);
    BatchOptions opts;
    opts.config = config;
    opts.max_height = static_cast<int>(map.size());
    opts.max_width = static_cast<int>(map[0].size());
    opts.max_converters = static_cast<int>(map.size() * map[0].size());
    auto created = ArenaBatch::Create(opts);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    batch_ = std::move(created).value();
    const Status loaded = batch_->LoadMap(0, map);
    EXPECT_TRUE(loaded.ok()) << loaded.ToString();
    buffers_ = std::make_unique<Buffers>(*batch_);
  }

  ArenaBatch& batch() { return *batch_; }
  Buffers& buffers() { return *buffers_; }

  // One step with the given action per agent.
  void Step(const std::vector<int32_t>& actions) {
    batch_->Step({0, 1}, actions, buffers_->View(true));
  }
  // One step where `agent` takes `action` and everyone else does nothing.
  void Act(int agent, Action action) {
    std::vector<int32_t> actions(batch_->num_agents(), static_cast<int32_t>(Action::kNoop));
    actions[agent] = static_cast<int32_t>(action);
    Step(actions);
  }
  void Wait(int steps) {
    for (int i = 0; i < steps; ++i) Act(0, Action::kNoop);
  }
  // Whether `agent`'s last action succeeded, from its global observation vector.
  bool LastOk(int agent) const {
    return buffers_->globals[static_cast<size_t>(agent) * kNumGlobals +
                             static_cast<int>(Global::kLastActionOk)] != 0.0f;
  }
  float Reward(int agent) const { return buffers_->rewards[agent]; }
  int Inv(int agent, Item item) const { return batch_->Inventory(0, agent, item); }
  int ConverterAt(int row, int col) const { return batch_->ConverterAt(0, row, col); }

 private:
  std::unique_ptr<ArenaBatch> batch_;
  std::unique_ptr<Buffers> buffers_;
};

}  // namespace lpt::envsim::testing

#endif  // LPTRAIN_TESTS_ENVSIM_SCENARIO_H_
