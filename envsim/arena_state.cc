// ArenaBatch state export and import (checkpoints).
#include <algorithm>
#include <functional>
#include <limits>
#include <memory>
#include <type_traits>

#include "envsim/arena.h"

namespace lpt::envsim {
namespace {

// Integers of any width are stored as int64 (uint64 and uint8 as themselves), floats as float32.
template <typename T>
void Put(ArrayBundle* b, const std::string& name, const std::vector<T>& v) {
  if constexpr (std::is_same_v<T, uint8_t>) {
    b->u8[name] = v;
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    b->u64[name] = v;
  } else if constexpr (std::is_same_v<T, float>) {
    b->f32[name] = v;
  } else {
    b->i64[name].assign(v.begin(), v.end());
  }
}

template <typename T>
Status Take(const ArrayBundle& b, const std::string& name, std::vector<T>* v) {
  const int64_t n = static_cast<int64_t>(v->size());
  if constexpr (std::is_same_v<T, uint8_t>) {
    LPT_ASSIGN_OR_RETURN(const std::vector<uint8_t>* src, b.GetU8(name, n));
    *v = *src;
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* src, b.GetU64(name, n));
    *v = *src;
  } else if constexpr (std::is_same_v<T, float>) {
    LPT_ASSIGN_OR_RETURN(const std::vector<float>* src, b.GetF32(name, n));
    *v = *src;
  } else {
    LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* src, b.GetI64(name, n));
    for (size_t i = 0; i < src->size(); ++i) {
      const int64_t x = (*src)[i];
      if (x < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          x > static_cast<int64_t>(std::numeric_limits<T>::max())) {
        return Status::Corruption(name + "[" + std::to_string(i) + "]: " + std::to_string(x) +
                                  " is out of range");
      }
      (*v)[i] = static_cast<T>(x);
    }
  }
  return Status::Ok();
}

// The running episodes' statistics, one flat array per field over all envs.
struct FlatStats {
  std::vector<int64_t> episode, length;
  std::vector<uint8_t> desync_shortened;
  std::vector<float> returns;
  std::vector<int32_t> collected, deposited, attack_spent, robbed, stolen, action_count,
      action_failed, times_frozen;
  std::vector<int64_t> produced, consumed;

  template <typename Fn>
  void ForEach(Fn&& fn) {
    fn("episode_stats.episode", episode);
    fn("episode_stats.length", length);
    fn("episode_stats.desync_shortened", desync_shortened);
    fn("episode_stats.produced", produced);
    fn("episode_stats.consumed", consumed);
    fn("episode_stats.returns", returns);
    fn("episode_stats.collected", collected);
    fn("episode_stats.deposited", deposited);
    fn("episode_stats.attack_spent", attack_spent);
    fn("episode_stats.robbed", robbed);
    fn("episode_stats.stolen", stolen);
    fn("episode_stats.action_count", action_count);
    fn("episode_stats.action_failed", action_failed);
    fn("episode_stats.times_frozen", times_frozen);
  }

  // fn(flat array, the env's array) for every per-agent array of one env's statistics.
  template <typename Stats, typename Fn>
  void PerAgent(Stats& s, Fn&& fn) {
    fn(returns, s.returns);
    fn(collected, s.collected);
    fn(deposited, s.deposited);
    fn(attack_spent, s.attack_spent);
    fn(robbed, s.robbed);
    fn(stolen, s.stolen);
    fn(action_count, s.action_count);
    fn(action_failed, s.action_failed);
    fn(times_frozen, s.times_frozen);
  }
};

// values[i] in [lo, hi] for every i, or an error naming the array and the element.
Status InRange(const std::vector<int64_t>& values, size_t i, int64_t lo, int64_t hi,
               const char* name) {
  if (values[i] < lo || values[i] > hi) {
    return Status::Corruption(std::string(name) + "[" + std::to_string(i) +
                              "]: " + std::to_string(values[i]) + " is outside [" +
                              std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return Status::Ok();
}

}  // namespace

// The values the simulator uses as indices, checked (all sizes are, by then).
Status ArenaBatch::CheckRanges(const ArrayBundle& b) const {
  const auto& i64 = b.i64;
  const auto& height = i64.at("env.height");
  const auto& width = i64.at("env.width");
  const auto& num_conv = i64.at("env.num_converters");
  const auto& length = i64.at("env.episode_length");
  const auto& step = i64.at("env.step");
  const auto& row = i64.at("agent.row");
  const auto& col = i64.at("agent.col");
  const auto& occupant = i64.at("world.occupant");
  const auto& conv_row = i64.at("converter.row");
  const auto& conv_col = i64.at("converter.col");
  for (size_t e = 0; e < static_cast<size_t>(num_envs_); ++e) {
    LPT_RETURN_IF_ERROR(InRange(height, e, 1, cap_h_, "env.height"));
    LPT_RETURN_IF_ERROR(InRange(width, e, 1, cap_w_, "env.width"));
    LPT_RETURN_IF_ERROR(InRange(num_conv, e, 0, cap_conv_, "env.num_converters"));
    LPT_RETURN_IF_ERROR(InRange(length, e, 1, 1 << 30, "env.episode_length"));
    LPT_RETURN_IF_ERROR(InRange(step, e, 0, length[e], "env.step"));
    for (size_t a = e * num_agents_; a < (e + 1) * num_agents_; ++a) {
      LPT_RETURN_IF_ERROR(InRange(row, a, 0, height[e] - 1, "agent.row"));
      LPT_RETURN_IF_ERROR(InRange(col, a, 0, width[e] - 1, "agent.col"));
    }
    for (size_t c = e * cap_conv_; c < e * cap_conv_ + static_cast<size_t>(num_conv[e]); ++c) {
      LPT_RETURN_IF_ERROR(InRange(conv_row, c, 0, height[e] - 1, "converter.row"));
      LPT_RETURN_IF_ERROR(InRange(conv_col, c, 0, width[e] - 1, "converter.col"));
    }
  }
  for (size_t i = 0; i < occupant.size(); ++i) {
    LPT_RETURN_IF_ERROR(InRange(occupant, i, -1, num_agents_ + cap_conv_ - 1, "world.occupant"));
  }
  const auto bytes_below = [&](const char* name, int limit) -> Status {
    const std::vector<uint8_t>& v = b.u8.at(name);
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] >= limit) {
        return Status::Corruption(std::string(name) + "[" + std::to_string(i) + "]: " +
                                  std::to_string(v[i]) + " is not below " + std::to_string(limit));
      }
    }
    return Status::Ok();
  };
  LPT_RETURN_IF_ERROR(bytes_below("agent.facing", 4));
  LPT_RETURN_IF_ERROR(bytes_below("agent.last_action", kNumActions));
  LPT_RETURN_IF_ERROR(bytes_below("converter.kind", kNumConverterKinds));
  return bytes_below("converter.state", 3);
}

template <typename Fn>
void ArenaBatch::ForEachStateArray(Fn&& fn) {
  fn("env.height", height_);
  fn("env.width", width_);
  fn("env.step", step_);
  fn("env.episode_length", episode_len_);
  fn("env.num_converters", num_conv_);
  fn("env.episode", episode_);
  fn("env.rng_key", rng_key_);
  fn("env.rng_counter", rng_counter_);
  fn("env.has_pending", has_pending_);
  fn("world.planes", planes_);
  fn("world.occupant", occupant_);
  fn("agent.row", agent_row_);
  fn("agent.col", agent_col_);
  fn("agent.facing", facing_);
  fn("agent.frozen", frozen_);
  fn("agent.inventory", inventory_);
  fn("agent.score", score_);
  fn("agent.last_action", last_action_);
  fn("agent.last_ok", last_ok_);
  fn("agent.last_reward", last_reward_);
  fn("converter.kind", conv_kind_);
  fn("converter.state", conv_state_);
  fn("converter.row", conv_row_);
  fn("converter.col", conv_col_);
  fn("converter.timer", conv_timer_);
  fn("converter.input", conv_input_);
  fn("converter.output", conv_output_);
}

ArrayBundle ArenaBatch::ExportState() const {
  ArrayBundle b;
  b.i64["layout"] = {num_envs_, num_agents_, cap_h_, cap_w_, cap_conv_, first_env_id_};
  b.u64["seed"] = {seed_};
  const_cast<ArenaBatch*>(this)->ForEachStateArray(
      [&](const char* name, const auto& v) { Put(&b, name, v); });
  for (const TaskField& f : TaskFields()) {
    std::vector<double>& now = b.f64["config." + f.name];
    std::vector<double>& next = b.f64["pending." + f.name];
    for (int e = 0; e < num_envs_; ++e) {
      now.push_back(f.get(config_[e]));
      next.push_back(f.get(pending_[e]));
    }
  }
  FlatStats flat;
  for (const EpisodeStats& s : stats_) {
    flat.episode.push_back(s.episode);
    flat.length.push_back(s.length);
    flat.desync_shortened.push_back(s.desync_shortened ? 1 : 0);
    flat.produced.insert(flat.produced.end(), s.produced.begin(), s.produced.end());
    flat.consumed.insert(flat.consumed.end(), s.consumed.begin(), s.consumed.end());
    flat.PerAgent(s, [](auto& all, const auto& v) { all.insert(all.end(), v.begin(), v.end()); });
  }
  flat.ForEach([&](const char* name, const auto& v) { Put(&b, name, v); });
  return b;
}

Status ArenaBatch::ImportState(const ArrayBundle& b) {
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* layout, b.GetI64("layout", 6));
  const std::vector<int64_t> mine = {num_envs_, num_agents_, cap_h_,
                                     cap_w_,    cap_conv_,   first_env_id_};
  if (std::vector<int64_t>(layout->begin(), layout->begin() + 5) !=
      std::vector<int64_t>(mine.begin(), mine.begin() + 5)) {
    const auto show = [](const std::vector<int64_t>& l) {
      return std::to_string(l[0]) + " envs x " + std::to_string(l[1]) + " agents, map capacity " +
             std::to_string(l[2]) + "x" + std::to_string(l[3]) + ", " + std::to_string(l[4]) +
             " converters";
    };
    return Status::FailedPrecondition("env state: saved for " + show(*layout) +
                                      "; this batch has " + show(mine));
  }
  // Everything is decoded and checked first: a bad array leaves this batch untouched.
  std::vector<TaskConfig> configs = config_, pending = pending_;
  for (const TaskField& f : TaskFields()) {
    LPT_ASSIGN_OR_RETURN(const std::vector<double>* now, b.GetF64("config." + f.name, num_envs_));
    LPT_ASSIGN_OR_RETURN(const std::vector<double>* next, b.GetF64("pending." + f.name, num_envs_));
    for (int e = 0; e < num_envs_; ++e) {
      LPT_RETURN_IF_ERROR(SetTaskField(&configs[e], f.name, (*now)[e])
                              .WithPrefix("config of env " + std::to_string(e)));
      LPT_RETURN_IF_ERROR(SetTaskField(&pending[e], f.name, (*next)[e])
                              .WithPrefix("pending config of env " + std::to_string(e)));
    }
  }
  for (int e = 0; e < num_envs_; ++e) {
    LPT_RETURN_IF_ERROR(CheckFits(configs[e]).WithPrefix("config of env " + std::to_string(e)));
    LPT_RETURN_IF_ERROR(
        CheckFits(pending[e]).WithPrefix("pending config of env " + std::to_string(e)));
  }
  FlatStats flat;
  const size_t n = num_envs_;
  flat.episode.resize(n);
  flat.length.resize(n);
  flat.desync_shortened.resize(n);
  flat.produced.resize(n * kNumItems);
  flat.consumed.resize(n * kNumItems);
  flat.PerAgent(stats_[0], [n](auto& all, const auto& v) { all.resize(n * v.size()); });
  Status st = Status::Ok();
  flat.ForEach([&](const char* name, auto& v) {
    if (st.ok()) st = Take(b, name, &v);
  });
  LPT_RETURN_IF_ERROR(st);
  // The batch's own arrays, each decoded into a copy, swapped in once all are good.
  std::vector<std::function<void()>> commits;
  ForEachStateArray([&](const char* name, auto& member) {
    if (!st.ok()) return;
    auto copy = std::make_shared<std::decay_t<decltype(member)>>(member);
    st = Take(b, name, copy.get());
    if (st.ok()) commits.push_back([&member, copy] { member.swap(*copy); });
  });
  LPT_RETURN_IF_ERROR(st);
  LPT_RETURN_IF_ERROR(CheckRanges(b));
  for (auto& commit : commits) commit();
  config_ = std::move(configs);
  pending_ = std::move(pending);
  for (size_t e = 0; e < n; ++e) {
    EpisodeStats& s = stats_[e];
    s.episode = flat.episode[e];
    s.length = static_cast<int32_t>(flat.length[e]);
    s.desync_shortened = flat.desync_shortened[e] != 0;
    std::copy_n(flat.produced.begin() + e * kNumItems, kNumItems, s.produced.begin());
    std::copy_n(flat.consumed.begin() + e * kNumItems, kNumItems, s.consumed.begin());
    flat.PerAgent(s, [e](const auto& all, auto& v) {
      std::copy_n(all.begin() + e * v.size(), v.size(), v.begin());
    });
  }
  return Status::Ok();
}

}  // namespace lpt::envsim
