#include "envsim/arena.h"

#include <algorithm>
#include <cstring>

#include "common/clock.h"
#include "common/rng.h"

namespace lpt::envsim {
namespace {

// Observation row copy width (>= kObsSize) and the slack kept after the planes for it.
constexpr size_t kRowCopy = 16;

constexpr int kItemHeart = static_cast<int>(Item::kHeart);
constexpr int kItemLaser = static_cast<int>(Item::kLaser);
constexpr int kItemArmor = static_cast<int>(Item::kArmor);

struct Offset {
  int dr;
  int dc;
};
// Indexed by Orientation: up, down, left, right.
constexpr std::array<Offset, 4> kForward = {{{-1, 0}, {1, 0}, {0, -1}, {0, 1}}};
// The agent's right-hand side for each orientation.
constexpr std::array<Offset, 4> kRight = {{{0, 1}, {0, -1}, {-1, 0}, {1, 0}}};

uint8_t Saturate(int v) { return static_cast<uint8_t>(std::clamp(v, 0, 255)); }

void ResizeStats(EpisodeStats* s, int num_agents) {
  s->returns.assign(num_agents, 0.0f);
  s->collected.assign(static_cast<size_t>(num_agents) * kNumItems, 0);
  s->deposited.assign(static_cast<size_t>(num_agents) * kNumItems, 0);
  s->attack_spent.assign(static_cast<size_t>(num_agents) * kNumItems, 0);
  s->robbed.assign(static_cast<size_t>(num_agents) * kNumItems, 0);
  s->stolen.assign(static_cast<size_t>(num_agents) * kNumItems, 0);
  s->action_count.assign(static_cast<size_t>(num_agents) * kNumActions, 0);
  s->action_failed.assign(static_cast<size_t>(num_agents) * kNumActions, 0);
  s->times_frozen.assign(num_agents, 0);
}

// Zeroes in place (no allocation: sizes are kept).
void ClearStats(EpisodeStats* s) {
  std::fill(s->returns.begin(), s->returns.end(), 0.0f);
  for (std::vector<int32_t>* v :
       {&s->collected, &s->deposited, &s->attack_spent, &s->robbed, &s->stolen, &s->action_count,
        &s->action_failed, &s->times_frozen}) {
    std::fill(v->begin(), v->end(), 0);
  }
  s->produced.fill(0);
  s->consumed.fill(0);
  s->length = 0;
  s->desync_shortened = false;
}

char LegendCell(char ch, Cell* cell) {
  switch (ch) {
    case '.':
      *cell = Cell::kEmpty;
      return 1;
    case '#':
      *cell = Cell::kWall;
      return 1;
    case 'o':
      *cell = Cell::kBlock;
      return 1;
    case 'm':
      *cell = Cell::kMine;
      return 1;
    case 'g':
      *cell = Cell::kGenerator;
      return 1;
    case '_':
      *cell = Cell::kAltar;
      return 1;
    case 'l':
      *cell = Cell::kLasery;
      return 1;
    case 'r':
      *cell = Cell::kArmory;
      return 1;
    default:
      return 0;
  }
}

}  // namespace

int32_t EpisodeStats::Gained(int agent, Item item) const {
  const size_t i = static_cast<size_t>(agent) * kNumItems + static_cast<int>(item);
  return collected[i] + robbed[i];
}
int32_t EpisodeStats::Spent(int agent, Item item) const {
  const size_t i = static_cast<size_t>(agent) * kNumItems + static_cast<int>(item);
  return deposited[i] + attack_spent[i] + stolen[i];
}
int32_t EpisodeStats::HeartsMade(int agent) const {
  return collected[static_cast<size_t>(agent) * kNumItems + kItemHeart];
}

StatusOr<std::unique_ptr<ArenaBatch>> ArenaBatch::Create(const BatchOptions& options) {
  if (options.num_envs < 1) {
    return Status::InvalidArgument("num_envs: " + std::to_string(options.num_envs) +
                                   " must be at least 1");
  }
  LPT_RETURN_IF_ERROR(options.config.Validate());
  if (options.max_height < 0 || options.max_width < 0 || options.max_converters < 0) {
    return Status::InvalidArgument("batch capacity must not be negative");
  }
  if (!options.env_configs.empty() &&
      static_cast<int>(options.env_configs.size()) != options.num_envs) {
    return Status::InvalidArgument("env_configs: " + std::to_string(options.env_configs.size()) +
                                   " configs for " + std::to_string(options.num_envs) + " envs");
  }
  BatchOptions sized = options;
  for (const TaskConfig& c : options.env_configs) {
    sized.max_height = std::max(sized.max_height, c.MapHeight());
    sized.max_width = std::max(sized.max_width, c.MapWidth());
    sized.max_converters = std::max(sized.max_converters, c.ConvertersPerEnv());
  }
  std::unique_ptr<ArenaBatch> batch(new ArenaBatch(sized));
  LPT_RETURN_IF_ERROR(batch->CheckFits(options.config));
  for (size_t env = 0; env < options.env_configs.size(); ++env) {
    LPT_RETURN_IF_ERROR(
        batch->CheckFits(options.env_configs[env]).WithPrefix("env " + std::to_string(env)));
    batch->config_[env] = options.env_configs[env];
  }
  for (int env = 0; env < batch->num_envs_; ++env) batch->ResetEnv(env, 0);
  return batch;
}

ArenaBatch::ArenaBatch(const BatchOptions& o)
    : num_envs_(o.num_envs),
      num_agents_(o.config.num_agents),
      cap_h_(std::max(o.max_height, o.config.MapHeight())),
      cap_w_(std::max(o.max_width, o.config.MapWidth())),
      cap_conv_(std::max({o.max_converters, o.config.ConvertersPerEnv(), 1})),
      pad_h_(cap_h_ + 2 * kObsRadius),
      pad_w_(cap_w_ + 2 * kObsRadius),
      plane_size_(static_cast<size_t>(pad_h_) * pad_w_),
      seed_(o.seed),
      first_env_id_(o.first_env_id) {
  const size_t n = num_envs_;
  const size_t na = n * num_agents_;
  const size_t nc = n * cap_conv_;
  config_.assign(n, o.config);
  pending_.assign(n, o.config);
  has_pending_.assign(n, 0);
  height_.assign(n, 0);
  width_.assign(n, 0);
  step_.assign(n, 0);
  episode_len_.assign(n, 0);
  num_conv_.assign(n, 0);
  episode_.assign(n, 0);
  rng_key_.assign(n, 0);
  rng_counter_.assign(n, 0);
  stats_.resize(n);
  last_stats_.resize(n);
  for (size_t e = 0; e < n; ++e) {
    ResizeStats(&stats_[e], num_agents_);
    ResizeStats(&last_stats_[e], num_agents_);
  }
  order_.assign(na, 0);
  blocked_.assign(na, 0);
  planes_.assign(n * kNumFeatures * plane_size_ + kRowCopy, 0);
  occupant_.assign(n * cap_h_ * cap_w_, -1);
  agent_row_.assign(na, 0);
  agent_col_.assign(na, 0);
  facing_.assign(na, 0);
  frozen_.assign(na, 0);
  inventory_.assign(na * kNumItems, 0);
  score_.assign(na, 0.0f);
  last_action_.assign(na, 0);
  last_ok_.assign(na, 0);
  last_reward_.assign(na, 0.0f);
  conv_kind_.assign(nc, 0);
  conv_state_.assign(nc, 0);
  conv_row_.assign(nc, 0);
  conv_col_.assign(nc, 0);
  conv_timer_.assign(nc, 0);
  conv_input_.assign(nc * kNumItems, 0);
  conv_output_.assign(nc * kNumItems, 0);
}

ArenaBatch::~ArenaBatch() = default;

Status ArenaBatch::CheckFits(const TaskConfig& config) const {
  LPT_RETURN_IF_ERROR(config.Validate());
  if (config.num_agents != num_agents_) {
    return Status::InvalidArgument("map.num_agents: " + std::to_string(config.num_agents) +
                                   " differs from the batch's " + std::to_string(num_agents_) +
                                   " agents per env");
  }
  if (config.MapHeight() > cap_h_ || config.MapWidth() > cap_w_) {
    return Status::InvalidArgument("map.instance_size: a " + std::to_string(config.MapHeight()) +
                                   "x" + std::to_string(config.MapWidth()) +
                                   " map exceeds the batch capacity " + std::to_string(cap_h_) +
                                   "x" + std::to_string(cap_w_));
  }
  if (config.ConvertersPerEnv() > cap_conv_) {
    return Status::InvalidArgument(
        "converter counts: " + std::to_string(config.ConvertersPerEnv()) +
        " converters per env exceed the batch capacity " + std::to_string(cap_conv_));
  }
  return Status::Ok();
}

Status ArenaBatch::SetPendingConfig(int env, const TaskConfig& config) {
  LPT_CHECK(env >= 0 && env < num_envs_) << "env " << env;
  LPT_RETURN_IF_ERROR(CheckFits(config));
  pending_[env] = config;
  has_pending_[env] = 1;
  return Status::Ok();
}

// --- map construction ---

void ArenaBatch::ClearMap(int env, int height, int width) {
  height_[env] = height;
  width_[env] = width;
  num_conv_[env] = 0;
  uint8_t* env_planes = planes_.data() + static_cast<size_t>(env) * kNumFeatures * plane_size_;
  std::memset(env_planes, 0, kNumFeatures * plane_size_);
  // Wall everywhere (padding and unused capacity included); callers carve the map.
  std::memset(env_planes, static_cast<int>(Cell::kWall), plane_size_);
  std::fill(occupant_.begin() + static_cast<ptrdiff_t>(env) * cap_h_ * cap_w_,
            occupant_.begin() + static_cast<ptrdiff_t>(env + 1) * cap_h_ * cap_w_, -1);
}

void ArenaBatch::PlaceAgent(int env, int agent, int row, int col, Orientation facing) {
  const size_t a = Agent(env, agent);
  agent_row_[a] = static_cast<int16_t>(row);
  agent_col_[a] = static_cast<int16_t>(col);
  facing_[a] = static_cast<uint8_t>(facing);
  frozen_[a] = 0;
  const TaskConfig& cfg = config_[env];
  for (int i = 0; i < kNumItems; ++i) {
    inventory_[a * kNumItems + i] = static_cast<uint8_t>(cfg.initial_inventory[i]);
  }
  score_[a] = Score(env, agent);
  last_action_[a] = 0;
  last_ok_[a] = 0;
  last_reward_[a] = 0.0f;
  PlaneOrigin(env, Feature::kType)[static_cast<size_t>(row) * pad_w_ + col] =
      static_cast<uint8_t>(Cell::kAgent);
  OccupantRow(env, row)[col] = agent;
  RefreshAgentPlanes(env, agent);
}

void ArenaBatch::PlaceConverter(int env, ConverterKind kind, int row, int col) {
  const int c = num_conv_[env]++;
  LPT_CHECK(c < cap_conv_) << "converter capacity " << cap_conv_;
  const size_t ci = Conv(env, c);
  const ConverterConfig& cc = config_[env].converter(kind);
  conv_kind_[ci] = static_cast<uint8_t>(kind);
  conv_row_[ci] = static_cast<int16_t>(row);
  conv_col_[ci] = static_cast<int16_t>(col);
  for (int i = 0; i < kNumItems; ++i) {
    conv_input_[ci * kNumItems + i] = 0;
    // initial_resource_count counts whole recipe outputs.
    conv_output_[ci * kNumItems + i] =
        static_cast<uint8_t>(cc.initial_resource_count * cc.output[i]);
  }
  PlaneOrigin(env, Feature::kType)[static_cast<size_t>(row) * pad_w_ + col] =
      static_cast<uint8_t>(CellOf(kind));
  OccupantRow(env, row)[col] = num_agents_ + c;
  if (cc.cooldown > 0) {
    conv_state_[ci] = static_cast<uint8_t>(ConverterState::kCoolingDown);
    conv_timer_[ci] = cc.cooldown;
  } else {
    conv_state_[ci] = static_cast<uint8_t>(ConverterState::kIdle);
    conv_timer_[ci] = 0;
  }
  RefreshConverterPlanes(env, c);
}

void ArenaBatch::BeginEpisode(int env, int length, bool desync_shortened) {
  step_[env] = 0;
  episode_len_[env] = length;
  ClearStats(&stats_[env]);
  stats_[env].episode = episode_[env];
  stats_[env].desync_shortened = desync_shortened;
  for (int c = 0; c < num_conv_[env]; ++c) {
    // Outputs held from the start (initial_resource_count) count as produced.
    for (int i = 0; i < kNumItems; ++i)
      stats_[env].produced[i] += conv_output_[Conv(env, c) * kNumItems + i];
    TryStartConversion(env, c);
  }
}

void ArenaBatch::ResetEnv(int env, int64_t episode) {
  if (has_pending_[env]) {
    config_[env] = pending_[env];
    has_pending_[env] = 0;
  }
  const TaskConfig& cfg = config_[env];
  episode_[env] = episode;
  CounterRng rng(seed_, static_cast<uint64_t>(first_env_id_ + env), static_cast<uint64_t>(episode));
  ClearMap(env, cfg.MapHeight(), cfg.MapWidth());

  const int cols = cfg.InstanceColumns();
  const int size = cfg.instance_size;
  const uint8_t* type = PlaneOrigin(env, Feature::kType);
  for (int inst = 0; inst < cfg.num_instances; ++inst) {
    const int top = cfg.border_width + (inst / cols) * (size + cfg.border_width);
    const int left = cfg.border_width + (inst % cols) * (size + cfg.border_width);
    for (int r = top; r < top + size; ++r) {
      std::memset(PlaneOrigin(env, Feature::kType) + static_cast<size_t>(r) * pad_w_ + left, 0,
                  size);
    }
    // A random empty cell of this room (Validate keeps a quarter of each room free).
    auto empty_cell = [&](int* row, int* col) {
      do {
        *row = top + static_cast<int>(rng.Below(size));
        *col = left + static_cast<int>(rng.Below(size));
      } while (type[static_cast<size_t>(*row) * pad_w_ + *col] !=
               static_cast<uint8_t>(Cell::kEmpty));
    };
    int r = 0;
    int c = 0;
    auto place_static = [&](int count, Cell cell) {
      for (int i = 0; i < count; ++i) {
        empty_cell(&r, &c);
        PlaneOrigin(env, Feature::kType)[static_cast<size_t>(r) * pad_w_ + c] =
            static_cast<uint8_t>(cell);
      }
    };
    place_static(cfg.walls, Cell::kWall);
    place_static(cfg.blocks, Cell::kBlock);
    for (int k = 0; k < kNumConverterKinds; ++k) {
      for (int i = 0; i < cfg.converters[k].count; ++i) {
        empty_cell(&r, &c);
        PlaceConverter(env, static_cast<ConverterKind>(k), r, c);
      }
    }
    // Agents are dealt to rooms round-robin: agent a goes to room a % num_instances.
    for (int a = inst; a < num_agents_; a += cfg.num_instances) {
      empty_cell(&r, &c);
      PlaceAgent(env, a, r, c, static_cast<Orientation>(rng.Below(4)));
    }
  }

  int length = cfg.max_steps;
  if (cfg.desync_episodes && episode == 0) {
    length = 1 + static_cast<int>(rng.Below(static_cast<uint32_t>(cfg.max_steps)));
  }
  rng_key_[env] = rng.key();
  rng_counter_[env] = rng.counter();
  BeginEpisode(env, length, length < cfg.max_steps);
}

Status ArenaBatch::LoadMap(int env, const std::vector<std::string>& rows) {
  LPT_CHECK(env >= 0 && env < num_envs_) << "env " << env;
  const int height = static_cast<int>(rows.size());
  const int width = height == 0 ? 0 : static_cast<int>(rows[0].size());
  if (height == 0 || width == 0) return Status::InvalidArgument("map: empty");
  if (height > cap_h_ || width > cap_w_) {
    return Status::InvalidArgument("map: " + std::to_string(height) + "x" + std::to_string(width) +
                                   " exceeds the batch capacity " + std::to_string(cap_h_) + "x" +
                                   std::to_string(cap_w_));
  }
  std::vector<int> agent_rc(static_cast<size_t>(num_agents_) * 2, -1);
  int converters = 0;
  for (int r = 0; r < height; ++r) {
    if (static_cast<int>(rows[r].size()) != width) {
      return Status::InvalidArgument("map: row " + std::to_string(r) + " has " +
                                     std::to_string(rows[r].size()) + " cells, expected " +
                                     std::to_string(width));
    }
    for (int c = 0; c < width; ++c) {
      const char ch = rows[r][c];
      Cell cell;
      if (ch >= 'A' && ch <= 'Z') {
        const int a = ch - 'A';
        if (a >= num_agents_ || agent_rc[2 * a] >= 0) {
          return Status::InvalidArgument(std::string("map: agent '") + ch +
                                         "' is repeated or beyond the " +
                                         std::to_string(num_agents_) + " agents per env");
        }
        agent_rc[2 * a] = r;
        agent_rc[2 * a + 1] = c;
      } else if (!LegendCell(ch, &cell)) {
        return Status::InvalidArgument(std::string("map: unknown cell '") + ch + "' at row " +
                                       std::to_string(r) + ", column " + std::to_string(c));
      } else if (IsConverter(cell)) {
        ++converters;
      }
    }
  }
  for (int a = 0; a < num_agents_; ++a) {
    if (agent_rc[2 * a] < 0) {
      return Status::InvalidArgument(std::string("map: agent '") + static_cast<char>('A' + a) +
                                     "' is missing");
    }
  }
  if (converters > cap_conv_) {
    return Status::InvalidArgument("map: " + std::to_string(converters) +
                                   " converters exceed the batch capacity " +
                                   std::to_string(cap_conv_));
  }

  // Checked: a new episode starts here, so a pending config takes effect now.
  if (has_pending_[env]) {
    config_[env] = pending_[env];
    has_pending_[env] = 0;
  }
  ClearMap(env, height, width);
  uint8_t* type = PlaneOrigin(env, Feature::kType);
  for (int r = 0; r < height; ++r) {
    for (int c = 0; c < width; ++c) {
      Cell cell;
      if (!LegendCell(rows[r][c], &cell)) continue;  // agents below
      if (IsConverter(cell)) {
        PlaceConverter(env, ConverterOf(cell), r, c);
      } else {
        type[static_cast<size_t>(r) * pad_w_ + c] = static_cast<uint8_t>(cell);
      }
    }
  }
  for (int a = 0; a < num_agents_; ++a) {
    PlaceAgent(env, a, agent_rc[2 * a], agent_rc[2 * a + 1], Orientation::kUp);
  }
  CounterRng rng(seed_, static_cast<uint64_t>(first_env_id_ + env),
                 static_cast<uint64_t>(episode_[env]));
  rng_key_[env] = rng.key();
  rng_counter_[env] = rng.counter();
  BeginEpisode(env, config_[env].max_steps, false);
  return Status::Ok();
}

void ArenaBatch::SetInventory(int env, int agent, Item item, int amount) {
  const size_t a = Agent(env, agent);
  inventory_[a * kNumItems + static_cast<int>(item)] = Saturate(amount);
  score_[a] = Score(env, agent);  // a set-up change is not a reward
  RefreshAgentPlanes(env, agent);
}

void ArenaBatch::SetFacing(int env, int agent, Orientation facing) {
  facing_[Agent(env, agent)] = static_cast<uint8_t>(facing);
  RefreshAgentPlanes(env, agent);
}

// --- planes ---

void ArenaBatch::RefreshAgentPlanes(int env, int agent) {
  const size_t a = Agent(env, agent);
  const size_t cell = static_cast<size_t>(agent_row_[a]) * pad_w_ + agent_col_[a];
  PlaneOrigin(env, Feature::kAgentFacing)[cell] = facing_[a];
  PlaneOrigin(env, Feature::kAgentFrozen)[cell] = frozen_[a];
  PlaneOrigin(env, Feature::kAgentArmor)[cell] = inventory_[a * kNumItems + kItemArmor];
}

void ArenaBatch::RefreshConverterPlanes(int env, int c) {
  const size_t ci = Conv(env, c);
  const size_t cell = static_cast<size_t>(conv_row_[ci]) * pad_w_ + conv_col_[ci];
  int inputs = 0;
  int outputs = 0;
  for (int i = 0; i < kNumItems; ++i) {
    inputs += conv_input_[ci * kNumItems + i];
    outputs += conv_output_[ci * kNumItems + i];
  }
  const auto state = static_cast<ConverterState>(conv_state_[ci]);
  PlaneOrigin(env, Feature::kConverterOutput)[cell] = Saturate(outputs);
  PlaneOrigin(env, Feature::kConverterInput)[cell] = Saturate(inputs);
  PlaneOrigin(env, Feature::kConverterCooldown)[cell] =
      state == ConverterState::kCoolingDown ? Saturate(conv_timer_[ci]) : 0;
  PlaneOrigin(env, Feature::kConverterConverting)[cell] =
      state == ConverterState::kConverting ? Saturate(conv_timer_[ci]) : 0;
}

// --- converters ---

void ArenaBatch::TryStartConversion(int env, int c) {
  const size_t ci = Conv(env, c);
  if (conv_state_[ci] != static_cast<uint8_t>(ConverterState::kIdle)) return;
  const ConverterConfig& cc = config_[env].converters[conv_kind_[ci]];
  int outputs = 0;
  for (int i = 0; i < kNumItems; ++i) {
    if (conv_input_[ci * kNumItems + i] < cc.input[i]) return;
    outputs += conv_output_[ci * kNumItems + i];
  }
  if (outputs >= cc.max_output) return;
  EpisodeStats& st = stats_[env];
  for (int i = 0; i < kNumItems; ++i) {
    conv_input_[ci * kNumItems + i] =
        static_cast<uint8_t>(conv_input_[ci * kNumItems + i] - cc.input[i]);
    st.consumed[i] += cc.input[i];
  }
  conv_state_[ci] = static_cast<uint8_t>(ConverterState::kConverting);
  conv_timer_[ci] = cc.conversion_ticks;
  RefreshConverterPlanes(env, c);
}

void ArenaBatch::TickConverters(int env) {
  const int n = num_conv_[env];
  EpisodeStats& st = stats_[env];
  for (int c = 0; c < n; ++c) {
    const size_t ci = Conv(env, c);
    if (conv_state_[ci] == static_cast<uint8_t>(ConverterState::kIdle)) continue;
    if (--conv_timer_[ci] > 0) {
      const Feature timer = conv_state_[ci] == static_cast<uint8_t>(ConverterState::kCoolingDown)
                                ? Feature::kConverterCooldown
                                : Feature::kConverterConverting;
      PlaneOrigin(env, timer)[static_cast<size_t>(conv_row_[ci]) * pad_w_ + conv_col_[ci]] =
          Saturate(conv_timer_[ci]);
      continue;
    }
    const ConverterConfig& cc = config_[env].converters[conv_kind_[ci]];
    if (conv_state_[ci] == static_cast<uint8_t>(ConverterState::kConverting)) {
      for (int i = 0; i < kNumItems; ++i) {
        if (cc.output[i] == 0) continue;
        const int held = conv_output_[ci * kNumItems + i];
        const int made = std::min(cc.output[i], 255 - held);
        conv_output_[ci * kNumItems + i] = static_cast<uint8_t>(held + made);
        st.produced[i] += made;
      }
      if (cc.cooldown > 0) {
        conv_state_[ci] = static_cast<uint8_t>(ConverterState::kCoolingDown);
        conv_timer_[ci] = cc.cooldown;
        RefreshConverterPlanes(env, c);
        continue;
      }
    }
    conv_state_[ci] = static_cast<uint8_t>(ConverterState::kIdle);
    conv_timer_[ci] = 0;
    TryStartConversion(env, c);  // a new conversion gets its first tick next step
    RefreshConverterPlanes(env, c);
  }
}

// --- actions ---

int ArenaBatch::FacedConverter(int env, int agent) const {
  const size_t a = Agent(env, agent);
  const Offset f = kForward[facing_[a]];
  const int r = agent_row_[a] + f.dr;
  const int c = agent_col_[a] + f.dc;
  if (r < 0 || c < 0 || r >= height_[env] || c >= width_[env]) return -1;
  const int id = occupant_[(static_cast<size_t>(env) * cap_h_ + r) * cap_w_ + c];
  return id >= num_agents_ ? id - num_agents_ : -1;
}

bool ArenaBatch::Move(int env, int agent, Orientation dir) {
  const size_t a = Agent(env, agent);
  facing_[a] = static_cast<uint8_t>(dir);
  const int r0 = agent_row_[a];
  const int c0 = agent_col_[a];
  const int r = r0 + kForward[static_cast<int>(dir)].dr;
  const int c = c0 + kForward[static_cast<int>(dir)].dc;
  uint8_t* type = PlaneOrigin(env, Feature::kType);
  const size_t to = static_cast<size_t>(r) * pad_w_ + c;
  // Cells beyond the map read as wall (padding), so no bounds check is needed.
  if (type[to] != static_cast<uint8_t>(Cell::kEmpty)) {
    PlaneOrigin(env, Feature::kAgentFacing)[static_cast<size_t>(r0) * pad_w_ + c0] = facing_[a];
    return false;
  }
  const size_t from = static_cast<size_t>(r0) * pad_w_ + c0;
  type[from] = static_cast<uint8_t>(Cell::kEmpty);
  type[to] = static_cast<uint8_t>(Cell::kAgent);
  for (Feature f : {Feature::kAgentFacing, Feature::kAgentFrozen, Feature::kAgentArmor}) {
    PlaneOrigin(env, f)[from] = 0;
  }
  OccupantRow(env, r0)[c0] = -1;
  OccupantRow(env, r)[c] = agent;
  agent_row_[a] = static_cast<int16_t>(r);
  agent_col_[a] = static_cast<int16_t>(c);
  RefreshAgentPlanes(env, agent);
  return true;
}

bool ArenaBatch::GetItems(int env, int agent) {
  const int c = FacedConverter(env, agent);
  if (c < 0) return false;
  const size_t a = Agent(env, agent);
  const size_t ci = Conv(env, c);
  const TaskConfig& cfg = config_[env];
  EpisodeStats& st = stats_[env];
  bool took = false;
  for (int i = 0; i < kNumItems; ++i) {
    const int held = conv_output_[ci * kNumItems + i];
    if (held == 0) continue;
    const int have = inventory_[a * kNumItems + i];
    const int take = std::min(held, cfg.inventory_cap[i] - have);
    if (take <= 0) continue;
    conv_output_[ci * kNumItems + i] = static_cast<uint8_t>(held - take);
    inventory_[a * kNumItems + i] = static_cast<uint8_t>(have + take);
    st.collected[static_cast<size_t>(agent) * kNumItems + i] += take;
    took = true;
  }
  if (!took) return false;
  RefreshAgentPlanes(env, agent);
  TryStartConversion(env, c);  // room for outputs again
  RefreshConverterPlanes(env, c);
  return true;
}

bool ArenaBatch::PutItems(int env, int agent) {
  const int c = FacedConverter(env, agent);
  if (c < 0) return false;
  const size_t a = Agent(env, agent);
  const size_t ci = Conv(env, c);
  const ConverterConfig& cc = config_[env].converters[conv_kind_[ci]];
  EpisodeStats& st = stats_[env];
  bool gave = false;
  for (int i = 0; i < kNumItems; ++i) {
    const int lacking = cc.input[i] - conv_input_[ci * kNumItems + i];
    const int have = inventory_[a * kNumItems + i];
    const int give = std::min(lacking, have);
    if (give <= 0) continue;
    inventory_[a * kNumItems + i] = static_cast<uint8_t>(have - give);
    conv_input_[ci * kNumItems + i] = static_cast<uint8_t>(conv_input_[ci * kNumItems + i] + give);
    st.deposited[static_cast<size_t>(agent) * kNumItems + i] += give;
    gave = true;
  }
  if (!gave) return false;
  RefreshAgentPlanes(env, agent);
  TryStartConversion(env, c);
  RefreshConverterPlanes(env, c);
  return true;
}

bool ArenaBatch::Attack(int env, int agent, int arg) {
  const TaskConfig& cfg = config_[env];
  const size_t a = Agent(env, agent);
  uint8_t* inv = &inventory_[a * kNumItems];
  if (inv[kItemLaser] < cfg.attack_cost) return false;
  EpisodeStats& st = stats_[env];
  inv[kItemLaser] = static_cast<uint8_t>(inv[kItemLaser] - cfg.attack_cost);
  st.attack_spent[static_cast<size_t>(agent) * kNumItems + kItemLaser] += cfg.attack_cost;
  st.consumed[kItemLaser] += cfg.attack_cost;

  const Offset fwd = kForward[facing_[a]];
  const Offset right = kRight[facing_[a]];
  int target = -1;
  int found = 0;
  for (int d = 1; d <= 3 && target < 0; ++d) {
    for (int lateral : {0, -1, 1}) {
      const int r = agent_row_[a] + d * fwd.dr + lateral * right.dr;
      const int c = agent_col_[a] + d * fwd.dc + lateral * right.dc;
      if (r < 0 || c < 0 || r >= height_[env] || c >= width_[env]) continue;
      const int id = occupant_[(static_cast<size_t>(env) * cap_h_ + r) * cap_w_ + c];
      if (id < 0 || id >= num_agents_ || frozen_[Agent(env, id)] > 0) continue;
      if (found++ == arg) {
        target = id;
        break;
      }
    }
  }
  if (target < 0) return false;

  const size_t t = Agent(env, target);
  uint8_t* tinv = &inventory_[t * kNumItems];
  if (tinv[kItemArmor] > 0) {
    --tinv[kItemArmor];
    st.attack_spent[static_cast<size_t>(target) * kNumItems + kItemArmor] += 1;
    st.consumed[kItemArmor] += 1;
  } else {
    frozen_[t] = static_cast<uint8_t>(cfg.freeze_duration);
    if (cfg.freeze_duration > 0) st.times_frozen[target] += 1;
    for (int i = 0; i < kNumItems; ++i) {
      const int take = std::min<int>(tinv[i], cfg.inventory_cap[i] - inv[i]);
      if (take <= 0) continue;
      tinv[i] = static_cast<uint8_t>(tinv[i] - take);
      inv[i] = static_cast<uint8_t>(inv[i] + take);
      st.robbed[static_cast<size_t>(agent) * kNumItems + i] += take;
      st.stolen[static_cast<size_t>(target) * kNumItems + i] += take;
    }
  }
  RefreshAgentPlanes(env, target);
  RefreshAgentPlanes(env, agent);
  return true;
}

// --- step ---

float ArenaBatch::Score(int env, int agent) const {
  const TaskConfig& cfg = config_[env];
  const uint8_t* inv = &inventory_[Agent(env, agent) * kNumItems];
  float score = 0.0f;
  for (int i = 0; i < kNumItems; ++i) {
    score += std::min(static_cast<float>(inv[i]) * cfg.reward_weight[i], cfg.reward_cap[i]);
  }
  return score;
}

void ArenaBatch::Step(EnvRange range, Span<const int32_t> actions, const StepBuffers& out,
                      StepProfile* profile) {
  LPT_CHECK(range.begin >= 0 && range.begin <= range.end && range.end <= num_envs_)
      << "env range [" << range.begin << ", " << range.end << ") of " << num_envs_;
  const size_t total = static_cast<size_t>(num_envs_) * num_agents_;
  LPT_CHECK(actions.size() == total) << "actions " << actions.size() << ", expected " << total;
  LPT_CHECK(out.obs.size() == total * kObsPerAgent && out.globals.size() == total * kNumGlobals &&
            out.rewards.size() == total && out.terminated.size() == total &&
            out.truncated.size() == total &&
            out.episode_end.size() == static_cast<size_t>(num_envs_))
      << "step buffers are not sized for " << num_envs_ << " envs x " << num_agents_ << " agents";
  LPT_CHECK(out.final_obs.empty() || out.final_obs.size() == out.obs.size());
  LPT_CHECK(out.final_globals.empty() ||
            (!out.final_obs.empty() && out.final_globals.size() == out.globals.size()))
      << "final_globals needs final_obs, sized like globals";
  for (int env = range.begin; env < range.end; ++env) {
    StepEnv(env, actions.data() + static_cast<size_t>(env) * num_agents_, out, profile);
  }
}

void ArenaBatch::StepEnv(int env, const int32_t* actions, const StepBuffers& out,
                         StepProfile* profile) {
  const uint64_t t0 = profile != nullptr ? SteadyNanos() : 0;
  const int n = num_agents_;
  const size_t base = Agent(env, 0);
  EpisodeStats& st = stats_[env];
  CounterRng rng = CounterRng::FromState(rng_key_[env], rng_counter_[env]);

  // --- frozen countdown: agents frozen when the step starts sit it out, whatever the order ---
  uint8_t* blocked = &blocked_[base];
  for (int agent = 0; agent < n; ++agent) {
    const size_t a = base + agent;
    blocked[agent] = frozen_[a] > 0 ? 1 : 0;
    if (blocked[agent]) {
      --frozen_[a];
      PlaneOrigin(
          env, Feature::kAgentFrozen)[static_cast<size_t>(agent_row_[a]) * pad_w_ + agent_col_[a]] =
          frozen_[a];
    }
  }

  // --- actions, in a seeded random order ---
  uint16_t* order = &order_[base];
  for (int i = 0; i < n; ++i) order[i] = static_cast<uint16_t>(i);
  for (int i = n - 1; i > 0; --i)
    std::swap(order[i], order[rng.Below(static_cast<uint32_t>(i + 1))]);
  for (int i = 0; i < n; ++i) {
    const int agent = order[i];
    const size_t a = base + agent;
    const int action = actions[agent];
    LPT_CHECK(action >= 0 && action < kNumActions) << "action " << action << " of agent " << agent;
    bool ok = false;
    if (blocked[agent]) {
      // A frozen agent's action fails.
    } else if (action == static_cast<int>(Action::kNoop)) {
      ok = true;
    } else if (action <= static_cast<int>(Action::kMoveRight)) {
      ok = Move(env, agent, static_cast<Orientation>(action - static_cast<int>(Action::kMoveUp)));
    } else if (action == static_cast<int>(Action::kGetItems)) {
      ok = GetItems(env, agent);
    } else if (action == static_cast<int>(Action::kPutItems)) {
      ok = PutItems(env, agent);
    } else {
      ok = Attack(env, agent, action - static_cast<int>(Action::kAttack0));
    }
    last_action_[a] = static_cast<uint8_t>(action);
    last_ok_[a] = ok ? 1 : 0;
    st.action_count[static_cast<size_t>(agent) * kNumActions + action] += 1;
    if (!ok) st.action_failed[static_cast<size_t>(agent) * kNumActions + action] += 1;
  }
  rng_counter_[env] = rng.counter();
  const uint64_t t1 = profile != nullptr ? SteadyNanos() : 0;

  // --- converters ---
  TickConverters(env);
  const uint64_t t2 = profile != nullptr ? SteadyNanos() : 0;

  // --- rewards and episode end ---
  const bool done = ++step_[env] >= episode_len_[env];
  for (int agent = 0; agent < n; ++agent) {
    const size_t a = base + agent;
    const float score = Score(env, agent);
    const float reward = score - score_[a];
    score_[a] = score;
    last_reward_[a] = reward;
    st.returns[agent] += reward;
    out.rewards[a] = reward;
    out.terminated[a] = 0;
    out.truncated[a] = done ? 1 : 0;
  }
  out.episode_end[env] = done ? 1 : 0;
  const uint64_t t3 = profile != nullptr ? SteadyNanos() : 0;

  uint64_t reset_ns = 0;
  if (done) {
    st.length = step_[env];
    if (!out.final_obs.empty()) {
      WriteObservation(
          env, out.final_obs.data() + base * kObsPerAgent,
          out.final_globals.empty() ? nullptr : out.final_globals.data() + base * kNumGlobals);
    }
    std::swap(stats_[env], last_stats_[env]);
    ResetEnv(env, episode_[env] + 1);
    reset_ns = profile != nullptr ? SteadyNanos() - t3 : 0;
  }

  // --- observations ---
  const uint64_t t4 = profile != nullptr ? SteadyNanos() : 0;
  WriteObservation(env, out.obs.data() + base * kObsPerAgent,
                   out.globals.data() + base * kNumGlobals);
  if (profile != nullptr) {
    const uint64_t t5 = SteadyNanos();
    profile->actions_ns += t1 - t0;
    profile->converters_ns += t2 - t1;
    profile->rewards_ns += t3 - t2;
    profile->resets_ns += reset_ns;
    profile->observations_ns += t5 - t4;
    profile->agent_steps += static_cast<uint64_t>(n);
  }
}

void ArenaBatch::WriteObservation(int env, uint8_t* obs, float* globals) const {
  const TaskConfig& cfg = config_[env];
  const float progress = static_cast<float>(step_[env]) / static_cast<float>(cfg.max_steps);
  for (int agent = 0; agent < num_agents_; ++agent) {
    const size_t a = Agent(env, agent);
    // The window's top-left corner is world cell (row - r, col - r): in padded coordinates
    // that is exactly (row, col).
    const size_t corner = static_cast<size_t>(agent_row_[a]) * pad_w_ + agent_col_[a];
    const uint8_t* src =
        planes_.data() + static_cast<size_t>(env) * kNumFeatures * plane_size_ + corner;
    uint8_t* dst = obs + static_cast<size_t>(agent) * kObsPerAgent;
    // Rows are copied 16 bytes at a time (one vector move instead of an 8 + 3 byte pair); the
    // 5 extra bytes land on the next row, which is written right after, and the source may
    // read into the planes' tail slack. The agent's last row is copied exactly.
    for (int f = 0; f < kNumFeatures; ++f) {
      const uint8_t* row = src + f * plane_size_;
      for (int dr = 0; dr < kObsSize - 1; ++dr, row += pad_w_, dst += kObsSize) {
        std::memcpy(dst, row, kRowCopy);
      }
      if (f + 1 < kNumFeatures) {
        std::memcpy(dst, row, kRowCopy);
      } else {
        std::memcpy(dst, row, kObsSize);
      }
      dst += kObsSize;
    }
    if (globals == nullptr) continue;
    float* g = globals + static_cast<size_t>(agent) * kNumGlobals;
    for (int i = 0; i < kNumItems; ++i) g[i] = inventory_[a * kNumItems + i];
    g[static_cast<int>(Global::kProgress)] = progress;
    g[static_cast<int>(Global::kLastAction)] = last_action_[a];
    g[static_cast<int>(Global::kLastActionOk)] = last_ok_[a];
    g[static_cast<int>(Global::kLastReward)] = last_reward_[a];
    g[static_cast<int>(Global::kFrozen)] = frozen_[a];
    g[static_cast<int>(Global::kFacing)] = facing_[a];
    g[static_cast<int>(Global::kCanAttack)] =
        inventory_[a * kNumItems + kItemLaser] >= cfg.attack_cost ? 1.0f : 0.0f;
  }
}

void ArenaBatch::Observe(EnvRange range, const StepBuffers& out) const {
  const size_t total = static_cast<size_t>(num_envs_) * num_agents_;
  LPT_CHECK(out.obs.size() == total * kObsPerAgent && out.globals.size() == total * kNumGlobals)
      << "observation buffers are not sized for " << num_envs_ << " envs x " << num_agents_
      << " agents";
  LPT_CHECK(range.begin >= 0 && range.begin <= range.end && range.end <= num_envs_)
      << "env range [" << range.begin << ", " << range.end << ") of " << num_envs_;
  for (int env = range.begin; env < range.end; ++env) {
    const size_t base = Agent(env, 0);
    WriteObservation(env, out.obs.data() + base * kObsPerAgent,
                     out.globals.data() + base * kNumGlobals);
  }
}

// --- inspection ---

Cell ArenaBatch::CellAt(int env, int row, int col) const {
  return static_cast<Cell>(PlaneAt(env, Feature::kType, row, col));
}

uint8_t ArenaBatch::PlaneAt(int env, Feature f, int row, int col) const {
  LPT_CHECK(row >= -kObsRadius && col >= -kObsRadius && row < cap_h_ + kObsRadius &&
            col < cap_w_ + kObsRadius)
      << "cell (" << row << ", " << col << ") outside the padded map";
  const uint8_t* origin = PlaneOrigin(env, f);
  return origin[static_cast<ptrdiff_t>(row) * pad_w_ + col];
}

int ArenaBatch::ConverterAt(int env, int row, int col) const {
  if (row < 0 || col < 0 || row >= height_[env] || col >= width_[env]) return -1;
  const int id = occupant_[(static_cast<size_t>(env) * cap_h_ + row) * cap_w_ + col];
  return id >= num_agents_ ? id - num_agents_ : -1;
}

}  // namespace lpt::envsim
