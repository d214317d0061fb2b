#include "envsim/task_config.h"

namespace lpt::envsim {
namespace {

std::vector<TaskField> BuildFields() {
  using K = FieldKind;
  std::vector<TaskField> f;
  f.push_back(MakeField<TaskConfig>(
      "map.num_agents", "agents per env", K::kInt, 1, 1024,
      [](auto& c) -> auto& { return c.num_agents; }));
  f.push_back(MakeField<TaskConfig>(
      "map.num_instances", "rooms per env (agents are spread over them)", K::kInt, 1, 64,
      [](auto& c) -> auto& { return c.num_instances; }));
  f.push_back(MakeField<TaskConfig>(
      "map.instance_size", "side of each square room, in cells", K::kInt, 3, 250,
      [](auto& c) -> auto& { return c.instance_size; }));
  f.push_back(MakeField<TaskConfig>(
      "map.border_width", "wall thickness around and between rooms", K::kInt, 1, 16,
      [](auto& c) -> auto& { return c.border_width; }));
  f.push_back(MakeField<TaskConfig>(
      "map.walls", "wall cells placed at random per room", K::kInt, 0, 60000,
      [](auto& c) -> auto& { return c.walls; }));
  f.push_back(MakeField<TaskConfig>(
      "map.blocks", "block cells placed at random per room", K::kInt, 0, 60000,
      [](auto& c) -> auto& { return c.blocks; }));
  for (int k = 0; k < kNumConverterKinds; ++k) {
    const std::string n(ConverterName(static_cast<ConverterKind>(k)));
    f.push_back(MakeField<TaskConfig>(
        n + ".count", n + "s placed at random per room", K::kInt, 0,
        60000, [k](auto& c) -> auto& { return c.converters[k].count; }));
    f.push_back(MakeField<TaskConfig>(
        n + ".conversion_ticks", "ticks from inputs to outputs", K::kInt, 1,
        10000, [k](auto& c) -> auto& { return c.converters[k].conversion_ticks; }));
    f.push_back(MakeField<TaskConfig>(
        n + ".cooldown", "ticks after producing before converting again", K::kInt, 0,
        10000, [k](auto& c) -> auto& { return c.converters[k].cooldown; }));
    f.push_back(MakeField<TaskConfig>(
        n + ".max_output", "no conversion while holding this many outputs", K::kInt, 1,
        255, [k](auto& c) -> auto& { return c.converters[k].max_output; }));
    f.push_back(MakeField<TaskConfig>(
        n + ".initial_resource_count", "outputs held at episode start", K::kInt, 0,
        255, [k](auto& c) -> auto& { return c.converters[k].initial_resource_count; }));
    for (int i = 0; i < kNumItems; ++i) {
      const std::string item(ItemName(static_cast<Item>(i)));
      f.push_back(MakeField<TaskConfig>(
          n + ".input." + item, item + " consumed per conversion", K::kInt, 0, 255,
          [ k, i ](auto& c) -> auto& { return c.converters[k].input[i]; }));
      f.push_back(MakeField<TaskConfig>(
          n + ".output." + item, item + " produced per conversion", K::kInt, 0, 255,
          [ k, i ](auto& c) -> auto& { return c.converters[k].output[i]; }));
    }
  }
  for (int i = 0; i < kNumItems; ++i) {
    const std::string item(ItemName(static_cast<Item>(i)));
    f.push_back(MakeField<TaskConfig>(
        "rewards." + item, "reward per " + item + " held", K::kFloat, -100,
        100, [i](auto& c) -> auto& { return c.reward_weight[i]; }));
    f.push_back(MakeField<TaskConfig>(
        "rewards." + item + "_max", "cap on the reward from " + item, K::kFloat, 0,
        1e6, [i](auto& c) -> auto& { return c.reward_cap[i]; }));
    f.push_back(MakeField<TaskConfig>(
        "inventory.cap." + item, "most " + item + " an agent can hold", K::kInt, 0,
        255, [i](auto& c) -> auto& { return c.inventory_cap[i]; }));
    f.push_back(MakeField<TaskConfig>(
        "inventory.initial." + item, item + " each agent starts with", K::kInt, 0,
        255, [i](auto& c) -> auto& { return c.initial_inventory[i]; }));
  }
  f.push_back(MakeField<TaskConfig>(
      "attack.cost", "lasers used per attack (above the laser cap: no combat)", K::kInt, 0, 255,
      [](auto& c) -> auto& { return c.attack_cost; }));
  f.push_back(MakeField<TaskConfig>(
      "attack.freeze_duration", "steps an attacked agent stays frozen", K::kInt, 0, 255,
      [](auto& c) -> auto& { return c.freeze_duration; }));
  f.push_back(MakeField<TaskConfig>(
      "max_steps", "episode length (reaching it truncates)", K::kInt, 1, 1000000,
      [](auto& c) -> auto& { return c.max_steps; }));
  f.push_back(MakeField<TaskConfig>(
      "desync_episodes", "shorten each env's first episode to a random length (flagged)", K::kBool,
      0, 1, [](auto& c) -> auto& { return c.desync_episodes; }));
  return f;
}

}  // namespace

int TaskConfig::InstanceColumns() const {
  int cols = 1;
  while (cols * cols < num_instances) ++cols;
  return cols;
}
int TaskConfig::InstanceRows() const {
  const int cols = InstanceColumns();
  return (num_instances + cols - 1) / cols;
}
int TaskConfig::MapHeight() const {
  return InstanceRows() * instance_size + (InstanceRows() + 1) * border_width;
}
int TaskConfig::MapWidth() const {
  return InstanceColumns() * instance_size + (InstanceColumns() + 1) * border_width;
}
int TaskConfig::ConvertersPerEnv() const {
  int per_instance = 0;
  for (const ConverterConfig& c : converters) per_instance += c.count;
  return per_instance * num_instances;
}
int TaskConfig::AgentsPerInstance() const {
  return (num_agents + num_instances - 1) / num_instances;
}

Status TaskConfig::Validate() const {
  LPT_RETURN_IF_ERROR(ValidateFields(TaskFields(), *this));
  for (int i = 0; i < kNumItems; ++i) {
    if (initial_inventory[i] > inventory_cap[i]) {
      const std::string item(ItemName(static_cast<Item>(i)));
      return Status::InvalidArgument(
          "inventory.initial." + item + ": " + std::to_string(initial_inventory[i]) +
          " exceeds inventory.cap." + item + " (" + std::to_string(inventory_cap[i]) + ")");
    }
  }
  for (int k = 0; k < kNumConverterKinds; ++k) {
    const ConverterConfig& c = converters[k];
    for (int i = 0; i < kNumItems; ++i) {
      if (c.initial_resource_count * c.output[i] > 255) {
        const std::string n(ConverterName(static_cast<ConverterKind>(k)));
        return Status::InvalidArgument(
            n + ".initial_resource_count: " + std::to_string(c.initial_resource_count) + " x " + n +
            ".output." + std::string(ItemName(static_cast<Item>(i))) + " (" +
            std::to_string(c.output[i]) + ") exceeds the 255 a converter can hold");
      }
    }
    if (c.initial_resource_count > c.max_output) {
      const std::string n(ConverterName(static_cast<ConverterKind>(k)));
      return Status::InvalidArgument(
          n + ".initial_resource_count: " + std::to_string(c.initial_resource_count) + " exceeds " +
          n + ".max_output (" + std::to_string(c.max_output) + ")");
    }
  }
  // Everything placed in a room needs a cell of its own; keep a quarter of the room free so
  // random placement always finds room quickly and agents can move.
  const long long cells = static_cast<long long>(instance_size) * instance_size;
  long long placed = static_cast<long long>(walls) + blocks + AgentsPerInstance();
  for (const ConverterConfig& c : converters) placed += c.count;
  if (placed * 4 > cells * 3) {
    return Status::InvalidArgument(
        "map.instance_size: a " + std::to_string(instance_size) + "x" +
        std::to_string(instance_size) + " room cannot hold " + std::to_string(placed) +
        " objects and agents (at most 3/4 of its " + std::to_string(cells) + " cells)");
  }
  if (num_agents > 0 && num_instances > num_agents) {
    return Status::InvalidArgument("map.num_instances: " + std::to_string(num_instances) +
                                   " rooms for " + std::to_string(num_agents) +
                                   " agents leaves a room empty");
  }
  return Status::Ok();
}

TaskConfig ArenaRecipe() {
  TaskConfig c;
  auto item = [](Item i) { return static_cast<int>(i); };
  ConverterConfig& mine = c.converter(ConverterKind::kMine);
  mine.count = 10;
  mine.output[item(Item::kOreRed)] = 1;
  mine.cooldown = 50;
  ConverterConfig& generator = c.converter(ConverterKind::kGenerator);
  generator.count = 5;
  generator.input[item(Item::kOreRed)] = 1;
  generator.output[item(Item::kBatteryRed)] = 1;
  generator.cooldown = 25;
  ConverterConfig& altar = c.converter(ConverterKind::kAltar);
  altar.count = 5;
  altar.input[item(Item::kBatteryRed)] = 3;
  altar.output[item(Item::kHeart)] = 1;
  altar.cooldown = 10;
  ConverterConfig& lasery = c.converter(ConverterKind::kLasery);
  lasery.count = 1;
  lasery.input[item(Item::kBatteryRed)] = 1;
  lasery.input[item(Item::kOreRed)] = 2;
  lasery.output[item(Item::kLaser)] = 1;
  lasery.cooldown = 10;
  ConverterConfig& armory = c.converter(ConverterKind::kArmory);
  armory.count = 1;
  armory.input[item(Item::kOreRed)] = 3;
  armory.output[item(Item::kArmor)] = 1;
  armory.cooldown = 10;

  c.inventory_cap.fill(50);
  c.inventory_cap[item(Item::kHeart)] = 255;
  // Shaped rewards.
  c.reward_weight[item(Item::kHeart)] = 1.0f;
  c.reward_cap[item(Item::kHeart)] = 100.0f;
  c.reward_weight[item(Item::kOreRed)] = 0.1f;
  c.reward_cap[item(Item::kOreRed)] = 1.0f;
  c.reward_weight[item(Item::kBatteryRed)] = 0.8f;
  c.reward_cap[item(Item::kBatteryRed)] = 1.0f;
  c.reward_weight[item(Item::kLaser)] = 0.5f;
  c.reward_cap[item(Item::kLaser)] = 1.0f;
  c.reward_weight[item(Item::kArmor)] = 0.5f;
  c.reward_cap[item(Item::kArmor)] = 1.0f;
  return c;
}

TaskConfig ArenaBasicEasyShapedRecipe() {
  TaskConfig c = ArenaRecipe();
  c.walls = 20;
  c.blocks = 20;
  c.converter(ConverterKind::kLasery).count = 0;
  c.converter(ConverterKind::kArmory).count = 0;
  c.converter(ConverterKind::kAltar).input[static_cast<int>(Item::kBatteryRed)] = 1;
  c.attack_cost = 100;
  return c;
}

TaskConfig HeartsRecipe() {
  TaskConfig c;
  auto item = [](Item i) { return static_cast<int>(i); };
  c.num_instances = 4;
  c.instance_size = 11;
  c.border_width = 1;
  c.walls = 4;
  ConverterConfig& mine = c.converter(ConverterKind::kMine);
  mine.count = 2;
  mine.output[item(Item::kOreRed)] = 1;
  mine.cooldown = 10;
  ConverterConfig& generator = c.converter(ConverterKind::kGenerator);
  generator.count = 1;
  generator.input[item(Item::kOreRed)] = 1;
  generator.output[item(Item::kBatteryRed)] = 1;
  generator.cooldown = 5;
  generator.max_output = 6;
  ConverterConfig& altar = c.converter(ConverterKind::kAltar);
  altar.count = 1;
  altar.input[item(Item::kBatteryRed)] = 1;
  altar.output[item(Item::kHeart)] = 1;
  altar.cooldown = 5;
  altar.max_output = 6;
  // One of each item at a time: get_items takes one, so a stock is shared by the room's agents
  // and a heart is one agent's success.
  c.inventory_cap.fill(1);
  c.reward_weight[item(Item::kHeart)] = 1.0f;
  c.reward_cap[item(Item::kHeart)] = 1.0f;
  c.attack_cost = 100;
  c.max_steps = 128;
  return c;
}

StatusOr<TaskConfig> RecipeByName(std::string_view name) {
  if (name == "hearts") return HeartsRecipe();
  if (name == "arena") return ArenaRecipe();
  if (name == "arena_basic_easy_shaped") return ArenaBasicEasyShapedRecipe();
  std::string known;
  for (const std::string& n : RecipeNames()) known += (known.empty() ? "" : ", ") + n;
  return Status::NotFound("unknown recipe '" + std::string(name) + "' (known: " + known + ")");
}

std::vector<std::string> RecipeNames() { return {"hearts", "arena", "arena_basic_easy_shaped"}; }

const std::vector<TaskField>& TaskFields() {
  static const std::vector<TaskField> fields = BuildFields();
  return fields;
}

const TaskField* FindTaskField(std::string_view name) { return FindField(TaskFields(), name); }

Status SetTaskField(TaskConfig* config, std::string_view name, double value) {
  return SetField(TaskFields(), config, name, value);
}

}  // namespace lpt::envsim
