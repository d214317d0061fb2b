// ArenaBatch: N arena environments in struct-of-arrays form, stepped in env ranges into
// caller-owned buffers. No threads inside: a caller may step disjoint env ranges from
// different threads at the same time. Stepping never allocates.
//
// Rules (docs/design.md §3):
//  - Each step: agents act one at a time in a seeded random order; then converters advance
//    one tick; then every agent's reward is the change in sum_i min(inventory_i * weight_i,
//    cap_i); then the episode ends (truncation) when it reaches its length.
//  - move_d: turn to face d; move one cell if that cell is empty (fails otherwise).
//  - get_items: take the faced converter's outputs, up to the inventory caps.
//  - put_items: deposit the faced converter's recipe inputs (up to what the recipe still
//    lacks).
//  - attack_k: needs attack_cost lasers (used on firing). Scans distances 1..3 ahead, lateral
//    offsets 0, -1 (left), +1 (right), and targets the k-th unfrozen agent found. A target with
//    armor loses 1 armor and is unharmed; otherwise it is frozen for freeze_duration steps and
//    its items move to the attacker (up to the attacker's caps; the rest stays).
//  - An agent frozen for D steps has its actions fail in the D steps after the attack (the
//    countdown runs at the start of each step, so the agent order does not matter).
//  - Converters: idle -> (inputs held, outputs < max_output) consume inputs, convert for
//    conversion_ticks -> add outputs, cool down for cooldown ticks -> idle. An idle converter
//    retries whenever its inventory changes. Every converter starts an episode cooling down,
//    so a mine's first ore appears only after its cooldown; initial_resource_count outputs are
//    held from the start. A conversion started by put_items gets its first tick that step.
//  - Episodes end by truncation at max_steps (never termination: PPO bootstraps). With
//    desync_episodes the first episode of each env has a random length in [1, max_steps] and
//    is flagged desync_shortened when it is shorter (a cut-short episode is no measurement of
//    the task). Ended envs reset in the same step (the new episode's observation is returned;
//    the final one is written to final_obs when that buffer is given); a pending config
//    (SetPendingConfig) is applied at that reset, never mid-episode.
//  - Randomness (map layout, desync length, agent order) comes from a CounterRng keyed by
//    (seed, first_env_id + env, episode): results do not depend on threads or rank layout.
#ifndef LPTRAIN_ENVSIM_ARENA_H_
#define LPTRAIN_ENVSIM_ARENA_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/array_bundle.h"
#include "common/span.h"
#include "common/status.h"
#include "envsim/task_config.h"
#include "envsim/types.h"

namespace lpt::envsim {

struct BatchOptions {
  int num_envs = 1;
  uint64_t seed = 0;
  int64_t first_env_id = 0;  // global index of env 0 (e.g. rank * num_envs): keys the RNG
  TaskConfig config;         // every env's config until SetPendingConfig changes it ...
  std::vector<TaskConfig> env_configs;  // ... unless given here, one per env
  // Capacity for configs set later: 0 means "as needed by config".
  int max_height = 0;
  int max_width = 0;
  int max_converters = 0;
};

// Caller-owned output buffers covering the whole batch; Step(range) writes only the range's
// slices. Agent-major within an env: index (env * num_agents + agent).
struct StepBuffers {
  Span<uint8_t> obs;          // [num_envs * num_agents, kNumFeatures, 11, 11]
  Span<float> globals;        // [num_envs * num_agents, kNumGlobals]
  Span<float> rewards;        // [num_envs * num_agents]
  Span<uint8_t> terminated;   // [num_envs * num_agents], always 0 in the arena
  Span<uint8_t> truncated;    // [num_envs * num_agents], 1 on an episode's last step
  Span<uint8_t> episode_end;  // [num_envs], 1 when the env's episode ended this step
  // Optional (leave empty to skip): observation at an episode's end, before the reset.
  Span<uint8_t> final_obs;    // like obs
  Span<float> final_globals;  // like globals
};

// Nanoseconds spent per phase (summed over calls); pass to Step to measure.
struct StepProfile {
  uint64_t actions_ns = 0;
  uint64_t converters_ns = 0;
  uint64_t rewards_ns = 0;
  uint64_t observations_ns = 0;
  uint64_t resets_ns = 0;
  uint64_t agent_steps = 0;
};

// One env's per-episode statistics, per agent: the numbers to check when agents "don't learn".
struct EpisodeStats {
  int64_t episode = -1;  // index of the episode within its env (-1: none finished yet)
  int32_t length = 0;    // steps
  bool desync_shortened = false;
  std::vector<float> returns;          // [A] summed rewards
  std::vector<int32_t> collected;      // [A, kNumItems] taken from converters (get_items)
  std::vector<int32_t> deposited;      // [A, kNumItems] put into converters (put_items)
  std::vector<int32_t> attack_spent;   // [A, kNumItems] lasers used firing, armor used blocking
  std::vector<int32_t> robbed;         // [A, kNumItems] taken from attacked agents
  std::vector<int32_t> stolen;         // [A, kNumItems] lost to attackers
  std::vector<int32_t> action_count;   // [A, kNumActions]
  std::vector<int32_t> action_failed;  // [A, kNumActions]
  std::vector<int32_t> times_frozen;   // [A]
  std::array<int64_t, kNumItems> produced{};  // env total made by converters
  std::array<int64_t, kNumItems> consumed{};  // env total used up by converters and attacks

  // Derived per-agent totals.
  int32_t Gained(int agent, Item item) const;  // collected + robbed
  int32_t Spent(int agent, Item item) const;   // deposited + attack_spent + stolen
  int32_t HeartsMade(int agent) const;         // hearts collected from altars
  int num_agents() const { return static_cast<int>(returns.size()); }
};

enum class ConverterState : uint8_t { kIdle = 0, kConverting, kCoolingDown };

struct EnvRange {
  int begin;
  int end;  // exclusive
};

class ArenaBatch {
 public:
  // Validates options and builds every env's first episode.
  static StatusOr<std::unique_ptr<ArenaBatch>> Create(const BatchOptions& options);

  ArenaBatch(const ArenaBatch&) = delete;
  ArenaBatch& operator=(const ArenaBatch&) = delete;
  ~ArenaBatch();

  int num_envs() const { return num_envs_; }
  int num_agents() const { return num_agents_; }  // per env
  int capacity_height() const { return cap_h_; }
  int capacity_width() const { return cap_w_; }
  int capacity_converters() const { return cap_conv_; }

  // Steps envs [range.begin, range.end). actions: [num_envs * num_agents] action indices
  // (the range's part is read). REQUIRES: buffers sized for the whole batch; actions valid.
  // Thread-safe for disjoint ranges.
  void Step(EnvRange range, Span<const int32_t> actions, const StepBuffers& out,
            StepProfile* profile = nullptr);

  // Writes the current observations (obs, globals) of the range, e.g. after Create.
  void Observe(EnvRange range, const StepBuffers& out) const;

  // The config the env's next episode will use. Validated here (and against the capacity);
  // applied at the env's next reset.
  Status SetPendingConfig(int env, const TaskConfig& config);
  // Checks that config is valid and fits this batch (agents, map size, converters).
  Status CheckFits(const TaskConfig& config) const;

  // Statistics of the env's last finished episode.
  const EpisodeStats& LastEpisode(int env) const { return last_stats_[env]; }
  // Statistics of the env's episode in progress.
  const EpisodeStats& CurrentEpisode(int env) const { return stats_[env]; }

  // --- state (checkpoints) ---
  // Everything the batch is, as named arrays: every env's config and pending config, map
  // planes and occupants, agents, converters, step and episode counters, RNG positions and the
  // running episodes' statistics. Stepping an imported batch continues exactly as the
  // exported one would have. (The last finished episodes' statistics are not state: they are
  // read in the step that ends an episode.)
  ArrayBundle ExportState() const;
  // Needs a batch created with the same envs, agents per env and capacities; checks every
  // array's name and size, every value's range and every config, and names what differs.
  Status ImportState(const ArrayBundle& state);

  // --- scenario set-up (tests, demos) ---
  // Replaces env's map with a hand-drawn one and restarts its episode at step 0 (full
  // length, no desync). Legend as in render.h: '#' wall, 'o' block, 'm' mine, 'g' generator,
  // '_' altar, 'l' lasery, 'r' armory, '.' empty, 'A'.. agents (each of the env's agents
  // exactly once). Agents face up and hold the config's initial inventory.
  Status LoadMap(int env, const std::vector<std::string>& rows);
  void SetInventory(int env, int agent, Item item, int amount);
  void SetFacing(int env, int agent, Orientation facing);

  // --- inspection ---
  const TaskConfig& config(int env) const { return config_[env]; }
  int map_height(int env) const { return height_[env]; }
  int map_width(int env) const { return width_[env]; }
  int step(int env) const { return step_[env]; }
  int episode_length(int env) const { return episode_len_[env]; }
  int64_t episode(int env) const { return episode_[env]; }
  Cell CellAt(int env, int row, int col) const;
  int AgentRow(int env, int agent) const { return agent_row_[Agent(env, agent)]; }
  int AgentCol(int env, int agent) const { return agent_col_[Agent(env, agent)]; }
  Orientation Facing(int env, int agent) const {
    return static_cast<Orientation>(facing_[Agent(env, agent)]);
  }
  int Frozen(int env, int agent) const { return frozen_[Agent(env, agent)]; }
  int Inventory(int env, int agent, Item item) const {
    return inventory_[Agent(env, agent) * kNumItems + static_cast<int>(item)];
  }
  // Converter at (row, col), or -1. Index valid for the converter accessors below.
  int ConverterAt(int env, int row, int col) const;
  int num_converters(int env) const { return num_conv_[env]; }
  ConverterKind KindOf(int env, int converter) const {
    return static_cast<ConverterKind>(conv_kind_[Conv(env, converter)]);
  }
  ConverterState StateOf(int env, int converter) const {
    return static_cast<ConverterState>(conv_state_[Conv(env, converter)]);
  }
  int TimerOf(int env, int converter) const { return conv_timer_[Conv(env, converter)]; }
  int OutputOf(int env, int converter, Item item) const {
    return conv_output_[Conv(env, converter) * kNumItems + static_cast<int>(item)];
  }
  int InputOf(int env, int converter, Item item) const {
    return conv_input_[Conv(env, converter) * kNumItems + static_cast<int>(item)];
  }
  // Value of observation plane f at world cell (row, col) (rows/cols may be up to
  // kObsRadius outside the map).
  uint8_t PlaneAt(int env, Feature f, int row, int col) const;

 private:
  explicit ArenaBatch(const BatchOptions& options);

  size_t Agent(int env, int agent) const { return static_cast<size_t>(env) * num_agents_ + agent; }
  size_t Conv(int env, int c) const { return static_cast<size_t>(env) * cap_conv_ + c; }
  // Pointer to world cell (0, 0) of plane f of env (inside the padding).
  uint8_t* PlaneOrigin(int env, Feature f) {
    return planes_.data() +
           (static_cast<size_t>(env) * kNumFeatures + static_cast<int>(f)) * plane_size_ +
           static_cast<size_t>(kObsRadius) * pad_w_ + kObsRadius;
  }
  const uint8_t* PlaneOrigin(int env, Feature f) const {
    return const_cast<ArenaBatch*>(this)->PlaneOrigin(env, f);
  }
  int32_t* OccupantRow(int env, int row) {
    return occupant_.data() + (static_cast<size_t>(env) * cap_h_ + row) * cap_w_;
  }

  // Calls fn(name, vector&) for every state array (ExportState/ImportState).
  template <typename Fn>
  void ForEachStateArray(Fn&& fn);
  Status CheckRanges(const ArrayBundle& state) const;

  void ResetEnv(int env, int64_t episode);
  void ClearMap(int env, int height, int width);
  void BeginEpisode(int env, int length, bool desync_shortened);
  void PlaceAgent(int env, int agent, int row, int col, Orientation facing);
  void PlaceConverter(int env, ConverterKind kind, int row, int col);
  void StepEnv(int env, const int32_t* actions, const StepBuffers& out, StepProfile* profile);
  bool Move(int env, int agent, Orientation dir);
  bool GetItems(int env, int agent);
  bool PutItems(int env, int agent);
  bool Attack(int env, int agent, int arg);
  int FacedConverter(int env, int agent) const;
  void TryStartConversion(int env, int c);
  void TickConverters(int env);
  void RefreshConverterPlanes(int env, int c);
  void RefreshAgentPlanes(int env, int agent);
  float Score(int env, int agent) const;
  void WriteObservation(int env, uint8_t* obs, float* globals) const;

  const int num_envs_;
  const int num_agents_;
  const int cap_h_, cap_w_, cap_conv_;
  const int pad_h_, pad_w_;
  const size_t plane_size_;
  const uint64_t seed_;
  const int64_t first_env_id_;

  // Per env.
  std::vector<TaskConfig> config_;
  std::vector<TaskConfig> pending_;
  std::vector<uint8_t> has_pending_;
  std::vector<int32_t> height_, width_, step_, episode_len_, num_conv_;
  std::vector<int64_t> episode_;
  std::vector<uint64_t> rng_key_, rng_counter_;
  std::vector<EpisodeStats> stats_, last_stats_;
  std::vector<uint16_t> order_;   // [N, A] scratch: the shuffled agent order
  std::vector<uint8_t> blocked_;  // [N, A] scratch: frozen when the step started

  // World: padded planes [N, F, cap_h + 2r, cap_w + 2r] and occupant ids [N, cap_h, cap_w]
  // (-1 none, [0, A) agent, A + c converter c).
  std::vector<uint8_t> planes_;
  std::vector<int32_t> occupant_;

  // Agents [N * A].
  std::vector<int16_t> agent_row_, agent_col_;
  std::vector<uint8_t> facing_, frozen_;
  std::vector<uint8_t> inventory_;  // [N * A, kNumItems]
  std::vector<float> score_;        // sum_i min(inventory_i * weight_i, cap_i)
  std::vector<uint8_t> last_action_, last_ok_;
  std::vector<float> last_reward_;

  // Converters [N * cap_conv].
  std::vector<uint8_t> conv_kind_, conv_state_;
  std::vector<int16_t> conv_row_, conv_col_;
  std::vector<int32_t> conv_timer_;
  std::vector<uint8_t> conv_input_, conv_output_;  // [N * cap_conv, kNumItems]
};

}  // namespace lpt::envsim

#endif  // LPTRAIN_ENVSIM_ARENA_H_
