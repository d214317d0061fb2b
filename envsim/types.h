// The arena's vocabulary: items, cell types, actions, observation features. Plain enums with
// fixed values: they are part of the observation format and of checkpoints.
#ifndef LPTRAIN_ENVSIM_TYPES_H_
#define LPTRAIN_ENVSIM_TYPES_H_

#include <cstdint>
#include <string_view>

namespace lpt::envsim {

// Items held in inventories. Room for more colours: append, never renumber.
enum class Item : uint8_t { kOreRed = 0, kBatteryRed, kHeart, kLaser, kArmor };
inline constexpr int kNumItems = 5;
std::string_view ItemName(Item item);  // "ore_red", "battery_red", "heart", "laser", "armor"

// What occupies a cell; the value of observation plane kType.
enum class Cell : uint8_t {
  kEmpty = 0,
  kWall,
  kBlock,
  kAgent,
  kMine,
  kGenerator,
  kAltar,
  kLasery,
  kArmory,
};
inline constexpr int kNumCellTypes = 9;

// Converters: objects with a recipe (inputs -> outputs) and a production cycle.
enum class ConverterKind : uint8_t { kMine = 0, kGenerator, kAltar, kLasery, kArmory };
inline constexpr int kNumConverterKinds = 5;
std::string_view ConverterName(ConverterKind kind);  // "mine", "generator", "altar", ...
constexpr Cell CellOf(ConverterKind kind) {
  return static_cast<Cell>(static_cast<int>(Cell::kMine) + static_cast<int>(kind));
}
constexpr bool IsConverter(Cell cell) { return cell >= Cell::kMine && cell <= Cell::kArmory; }
constexpr ConverterKind ConverterOf(Cell cell) {
  return static_cast<ConverterKind>(static_cast<int>(cell) - static_cast<int>(Cell::kMine));
}

enum class Orientation : uint8_t { kUp = 0, kDown, kLeft, kRight };

// One discrete action space. Attack k (k = 0..8) fires at the k-th agent found when scanning
// distances 1..3 ahead, lateral offsets 0, -1, +1 (see arena.h).
enum class Action : uint8_t {
  kNoop = 0,
  kMoveUp,
  kMoveDown,
  kMoveLeft,
  kMoveRight,
  kGetItems,
  kPutItems,
  kAttack0,  // .. kAttack0 + 8
};
inline constexpr int kNumAttackArgs = 9;
inline constexpr int kNumActions = static_cast<int>(Action::kAttack0) + kNumAttackArgs;  // 16
std::string_view ActionName(int action);  // "noop", "move_up", ..., "attack_8"

// Observation planes, [kNumFeatures, kObsSize, kObsSize] uint8 per agent.
enum class Feature : uint8_t {
  kType = 0,             // Cell value
  kAgentFacing,          // Orientation of an agent (0 elsewhere)
  kAgentFrozen,          // remaining frozen steps of an agent
  kAgentArmor,           // armor held by an agent (how many attacks it can block)
  kConverterOutput,      // outputs waiting to be taken
  kConverterInput,       // recipe inputs deposited so far (all items summed)
  kConverterCooldown,    // remaining cooldown ticks (capped at 255)
  kConverterConverting,  // remaining conversion ticks
};
inline constexpr int kNumFeatures = 8;
std::string_view FeatureName(Feature feature);

inline constexpr int kObsRadius = 5;
inline constexpr int kObsSize = 2 * kObsRadius + 1;  // 11
inline constexpr int kObsPerAgent = kNumFeatures * kObsSize * kObsSize;

// The per-agent global vector, float32 [kNumGlobals].
enum class Global : uint8_t {
  kInventory0 = 0,        // .. kInventory0 + kNumItems - 1: own inventory counts
  kProgress = kNumItems,  // episode step / max_steps, in [0, 1]
  kLastAction,            // the action taken last step (index), 0 at reset
  kLastActionOk,          // 1 if it succeeded
  kLastReward,            // reward received last step
  kFrozen,                // own remaining frozen steps
  kFacing,                // own Orientation
  kCanAttack,             // 1 if the agent holds the lasers an attack costs (attack.cost)
};
inline constexpr int kNumGlobals = static_cast<int>(Global::kCanAttack) + 1;  // 12

}  // namespace lpt::envsim

#endif  // LPTRAIN_ENVSIM_TYPES_H_
