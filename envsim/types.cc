#include "envsim/types.h"

#include <array>

namespace lpt::envsim {

std::string_view ItemName(Item item) {
  static constexpr std::array<std::string_view, kNumItems> kNames = {"ore_red", "battery_red",
                                                                     "heart", "laser", "armor"};
  return kNames[static_cast<int>(item)];
}

std::string_view ConverterName(ConverterKind kind) {
  static constexpr std::array<std::string_view, kNumConverterKinds> kNames = {
      "mine", "generator", "altar", "lasery", "armory"};
  return kNames[static_cast<int>(kind)];
}

std::string_view ActionName(int action) {
  static constexpr std::array<std::string_view, kNumActions> kNames = {
      "noop",      "move_up",  "move_down", "move_left", "move_right", "get_items",
      "put_items", "attack_0", "attack_1",  "attack_2",  "attack_3",   "attack_4",
      "attack_5",  "attack_6", "attack_7",  "attack_8"};
  if (action < 0 || action >= kNumActions) return "invalid";
  return kNames[action];
}

std::string_view FeatureName(Feature feature) {
  static constexpr std::array<std::string_view, kNumFeatures> kNames = {"type",
                                                                        "agent_facing",
                                                                        "agent_frozen",
                                                                        "agent_armor",
                                                                        "converter_output",
                                                                        "converter_input",
                                                                        "converter_cooldown",
                                                                        "converter_converting"};
  return kNames[static_cast<int>(feature)];
}

}  // namespace lpt::envsim
