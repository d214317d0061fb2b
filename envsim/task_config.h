// TaskConfig: everything a curriculum may vary about an arena episode (map, objects, recipes,
// rewards, inventories, combat, episode length), as one plain struct. Every field is also
// reachable by a dotted name ("rewards.ore_red", "altar.input.battery_red") through the field
// table below, which carries the field's doc and allowed range; Validate() checks every field
// against that table and the cross-field rules, and names the bad field.
#ifndef LPTRAIN_ENVSIM_TASK_CONFIG_H_
#define LPTRAIN_ENVSIM_TASK_CONFIG_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/fields.h"
#include "common/status.h"
#include "envsim/types.h"

namespace lpt::envsim {

struct ConverterConfig {
  int count = 0;                        // objects of this kind per instance
  std::array<int, kNumItems> input{};   // recipe inputs consumed per conversion
  std::array<int, kNumItems> output{};  // recipe outputs produced per conversion
  int conversion_ticks = 1;             // ticks from consuming inputs to producing outputs
  int cooldown = 10;                    // ticks after producing before the next conversion
  int max_output = 5;                   // no conversion starts while holding this many outputs
  int initial_resource_count = 0;       // outputs held at the start of an episode
};

struct TaskConfig {
  // Map: num_instances square rooms of instance_size x instance_size cells, laid out on a
  // grid and separated from each other and the outside by border_width cells of wall.
  int num_agents = 24;
  int num_instances = 4;
  int instance_size = 25;
  int border_width = 4;
  int walls = 10;  // per instance
  int blocks = 0;  // per instance (obstacles like walls, a separate cell type)
  std::array<ConverterConfig, kNumConverterKinds> converters{};

  // Reward: each step, the change in sum_i min(inventory_i * reward_weight_i, reward_cap_i).
  std::array<float, kNumItems> reward_weight{};
  std::array<float, kNumItems> reward_cap{};
  std::array<int, kNumItems> inventory_cap{};
  std::array<int, kNumItems> initial_inventory{};

  int attack_cost = 1;       // lasers used per attack; more than the laser cap disables combat
  int freeze_duration = 10;  // steps an attacked agent is frozen

  int max_steps = 1000;         // episode length; reaching it is a truncation
  bool desync_episodes = true;  // shorten each env's first episode at random (flagged)

  ConverterConfig& converter(ConverterKind k) { return converters[static_cast<int>(k)]; }
  const ConverterConfig& converter(ConverterKind k) const {
    return converters[static_cast<int>(k)];
  }

  // Derived sizes.
  int InstanceColumns() const;
  int InstanceRows() const;
  int MapHeight() const;
  int MapWidth() const;
  int ConvertersPerEnv() const;   // sum of converter counts x num_instances
  int AgentsPerInstance() const;  // the most agents any instance gets

  // OK, or InvalidArgument naming the first bad field: "max_steps: 0 is out of range [1, ...]".
  Status Validate() const;
};

// Named recipes.
// "arena": the original arena (docs/design.md §3): 24 agents in 4 instances of 25x25; per instance
// 10
//   walls, 10 mines, 5 generators, 5 altars (3 batteries -> heart), 1 lasery, 1 armory; shaped
//   rewards; combat on (attack cost 1 laser).
// "arena_basic_easy_shaped": 20 walls, 20 blocks, no lasery or armory, the altar needs 1
//   battery, shaped rewards, combat off (attack cost 100).
// "hearts": the CPU-scale task the mixed-difficulty task set varies: 24 agents in 4 rooms of
//   11x11 (a 25x25 map), per room 4 walls, 2 mines, 1 generator (ore -> battery), 1 altar
//   (1 battery -> heart); inventories hold one of each item; the reward is success alone (1 for
//   the first heart, nothing else); no combat; 128-step episodes.
TaskConfig ArenaRecipe();
TaskConfig ArenaBasicEasyShapedRecipe();
TaskConfig HeartsRecipe();
StatusOr<TaskConfig> RecipeByName(std::string_view name);
std::vector<std::string> RecipeNames();

// One named, documented, range-checked field of TaskConfig ("rewards.ore_red").
using TaskField = Field<TaskConfig>;

// Every field, in a stable documented order.
const std::vector<TaskField>& TaskFields();
// The field called name, or nullptr.
const TaskField* FindTaskField(std::string_view name);
// Sets one field by name after checking its kind and range (not cross-field rules: call
// Validate() once all fields are set). NotFound for an unknown name.
Status SetTaskField(TaskConfig* config, std::string_view name, double value);

}  // namespace lpt::envsim

#endif  // LPTRAIN_ENVSIM_TASK_CONFIG_H_
