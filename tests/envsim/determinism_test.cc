// Same inputs, same outputs: across runs, across env-range splits and threads, and across rank
// layouts (first_env_id).
#include <gtest/gtest.h>

#include <thread>

#include "common/rng.h"
#include "envsim/arena.h"
#include "tests/envsim/scenario.h"

namespace lpt::envsim {
namespace {

using testing::Buffers;

BatchOptions Options(int num_envs, uint64_t seed, int64_t first_env_id = 0) {
  BatchOptions opts;
  opts.num_envs = num_envs;
  opts.seed = seed;
  opts.first_env_id = first_env_id;
  opts.config = ArenaRecipe();
  opts.config.max_steps = 150;  // several episodes, desync included
  // Combat on and stocked, so attacks and steals happen under random actions.
  opts.config.initial_inventory[static_cast<int>(Item::kLaser)] = 3;
  opts.config.initial_inventory[static_cast<int>(Item::kOreRed)] = 2;
  return opts;
}

uint64_t HashBytes(uint64_t h, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

uint64_t HashStep(uint64_t h, const Buffers& b) {
  h = HashBytes(h, b.obs.data(), b.obs.size());
  h = HashBytes(h, b.globals.data(), b.globals.size() * sizeof(float));
  h = HashBytes(h, b.rewards.data(), b.rewards.size() * sizeof(float));
  h = HashBytes(h, b.truncated.data(), b.truncated.size());
  return HashBytes(h, b.episode_end.data(), b.episode_end.size());
}

// Random actions for step t, a pure function of (t, seed).
void Actions(uint64_t seed, int t, std::vector<int32_t>* actions) {
  CounterRng rng(seed, 99, static_cast<uint64_t>(t));
  for (int32_t& a : *actions) a = static_cast<int32_t>(rng.Below(kNumActions));
}

uint64_t TrajectoryHash(const BatchOptions& opts, int steps) {
  auto batch = ArenaBatch::Create(opts).value();
  Buffers buf(*batch);
  std::vector<int32_t> actions(buf.total);
  uint64_t h = 0xcbf29ce484222325ULL;
  for (int t = 0; t < steps; ++t) {
    Actions(opts.seed, t, &actions);
    batch->Step({0, batch->num_envs()}, actions, buf.View());
    h = HashStep(h, buf);
  }
  return h;
}

TEST(ArenaDeterminism, SameSeedGivesTheSameTrajectoryHash) {
  const uint64_t a = TrajectoryHash(Options(4, 123), 400);
  const uint64_t b = TrajectoryHash(Options(4, 123), 400);
  const uint64_t c = TrajectoryHash(Options(4, 124), 400);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(ArenaDeterminism, SteppingAllEnvsEqualsSteppingTwoHalves) {
  const BatchOptions opts = Options(6, 5);
  auto whole = ArenaBatch::Create(opts).value();
  auto halves = ArenaBatch::Create(opts).value();
  Buffers bw(*whole);
  Buffers bh(*halves);
  std::vector<int32_t> actions(bw.total);
  for (int t = 0; t < 400; ++t) {
    Actions(opts.seed, t, &actions);
    whole->Step({0, 6}, actions, bw.View(true));
    halves->Step({0, 3}, actions, bh.View(true));
    halves->Step({3, 6}, actions, bh.View(true));
    ASSERT_EQ(bw.obs, bh.obs) << "step " << t;
    ASSERT_EQ(bw.rewards, bh.rewards) << "step " << t;
    ASSERT_EQ(bw.globals, bh.globals) << "step " << t;
    ASSERT_EQ(bw.episode_end, bh.episode_end) << "step " << t;
  }
  EXPECT_EQ(bw.final_obs, bh.final_obs);
}

TEST(ArenaDeterminism, TwoThreadsOnDisjointRangesMatchOneThread) {
  const BatchOptions opts = Options(8, 9);
  auto serial = ArenaBatch::Create(opts).value();
  auto parallel = ArenaBatch::Create(opts).value();
  Buffers bs(*serial);
  Buffers bp(*parallel);
  std::vector<int32_t> actions(bs.total);
  for (int t = 0; t < 300; ++t) {
    Actions(opts.seed, t, &actions);
    serial->Step({0, 8}, actions, bs.View());
    std::thread other([&] { parallel->Step({0, 3}, actions, bp.View()); });
    parallel->Step({3, 8}, actions, bp.View());
    other.join();
  }
  EXPECT_EQ(bs.obs, bp.obs);
  EXPECT_EQ(bs.rewards, bp.rewards);
  for (int e = 0; e < 8; ++e) {
    EXPECT_EQ(serial->LastEpisode(e).returns, parallel->LastEpisode(e).returns) << "env " << e;
  }
}

TEST(ArenaDeterminism, AnEnvDependsOnItsGlobalIdNotItsPlaceInTheBatch) {
  // Env 3 of a batch starting at id 0 is the same env as env 0 of a batch starting at id 3
  // (e.g. the same env on a different rank layout).
  const BatchOptions big = Options(4, 77, 0);
  const BatchOptions one = Options(1, 77, 3);
  auto b4 = ArenaBatch::Create(big).value();
  auto b1 = ArenaBatch::Create(one).value();
  Buffers buf4(*b4);
  Buffers buf1(*b1);
  std::vector<int32_t> a4(buf4.total, 0);
  std::vector<int32_t> a1(buf1.total, 0);
  const size_t agents = b4->num_agents();
  for (int t = 0; t < 300; ++t) {
    Actions(1, t, &a1);
    std::copy(a1.begin(), a1.end(), a4.begin() + static_cast<ptrdiff_t>(3 * agents));
    b4->Step({0, 4}, a4, buf4.View());
    b1->Step({0, 1}, a1, buf1.View());
    ASSERT_TRUE(std::equal(buf1.obs.begin(), buf1.obs.end(),
                           buf4.obs.begin() + static_cast<ptrdiff_t>(3 * agents * kObsPerAgent)))
        << "step " << t;
  }
}

}  // namespace
}  // namespace lpt::envsim
