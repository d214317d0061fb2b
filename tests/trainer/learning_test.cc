// Learning: on an easy task (4 agents, one small room of mines, ore rewarded) PPO must beat a
// random policy by a wide margin within 200k agent-steps, a CPU budget of under three minutes
// (about 100 CPU-seconds here).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "common/rng.h"
#include "envsim/arena.h"
#include "envsim/step_storage.h"
#include "trainer/run/config.h"
#include "trainer/trainer.h"

namespace lpt::trainer {
namespace {

using run::ConfigBuilder;
using run::RunConfig;
using run::TrainerConfig;

RunConfig EasyOreTask() {
  ConfigBuilder b;
  for (const std::string kv : {"seed=3",
                               "env.recipe=arena",
                               "env.num_envs=32",
                               "env.map.num_agents=4",
                               "env.map.num_instances=1",
                               "env.map.instance_size=9",
                               "env.map.border_width=1",
                               "env.map.walls=0",
                               "env.mine.count=6",
                               "env.mine.cooldown=5",
                               "env.generator.count=0",
                               "env.altar.count=0",
                               "env.lasery.count=0",
                               "env.armory.count=0",
                               "env.rewards.ore_red=0.2",
                               "env.rewards.ore_red_max=50",
                               "env.rewards.battery_red=0",
                               "env.rewards.heart=0",
                               "env.attack.cost=100",
                               "env.max_steps=64",
                               "env.desync_episodes=false",
                               "curriculum.task_set=single",
                               "trainer.num_steps=32",
                               "trainer.bptt_horizon=16",
                               "trainer.total_timesteps=200000",
                               "trainer.learning_rate=0.001",
                               "trainer.torch_threads=2",
                               "trainer.env_threads=1"}) {
    EXPECT_TRUE(b.SetArgument(kv).ok()) << kv;
  }
  return b.Resolve().value();
}

// Mean per-agent episode return of uniformly random actions on the same task.
double RandomPolicyReturn(const RunConfig& config) {
  envsim::BatchOptions bo;
  bo.num_envs = config.num_envs;
  bo.seed = 11;
  bo.config = config.task;
  auto batch = envsim::ArenaBatch::Create(bo).value();
  envsim::StepStorage storage(*batch);
  std::vector<int32_t> actions(storage.total);
  const envsim::StepBuffers out = storage.View();
  const std::vector<uint8_t>& end = storage.episode_end;
  CounterRng rng(5);
  double total = 0;
  int64_t agent_episodes = 0;
  for (int t = 0; t < 4 * config.task.max_steps; ++t) {
    for (int32_t& a : actions) a = static_cast<int32_t>(rng.Below(envsim::kNumActions));
    batch->Step({0, bo.num_envs}, actions, out);
    for (int e = 0; e < bo.num_envs; ++e) {
      if (!end[e]) continue;
      const auto& r = batch->LastEpisode(e).returns;
      total += std::accumulate(r.begin(), r.end(), 0.0);
      agent_episodes += static_cast<int64_t>(r.size());
    }
  }
  return total / static_cast<double>(agent_episodes);
}

TEST(Learning, PpoBeatsARandomPolicyOnAnEasyOreTaskWithinTheCpuBudget) {
  const RunConfig config = EasyOreTask();
  const double random_return = RandomPolicyReturn(config);
  std::vector<double> returns;
  TrainOptions opts;
  opts.max_seconds = 1200;  // a safety net only: the run is 200k agent-steps (~100 CPU-seconds)
  opts.on_iteration = [&](const run::MetricsRow& row) {
    const double r = row.Get("charts/episode_return", std::nan(""));
    if (!std::isnan(r)) returns.push_back(r);
  };
  auto trainer = Trainer::Create(config, opts).value();
  const TrainResult result = trainer->Run().value();
  ASSERT_GE(result.global_step, 200000) << "the run was cut short";
  ASSERT_GE(returns.size(), 5u);
  const double trained = std::accumulate(returns.end() - 5, returns.end(), 0.0) / 5;
  std::printf("random policy return %.3f, trained %.3f after %lld agent-steps\n", random_return,
              trained, static_cast<long long>(result.global_step));
  // Seen: random ~0.25, trained ~2 by 200k steps. Demand well above random, with margin.
  EXPECT_GT(trained, 3 * random_return);
  EXPECT_GT(trained, random_return + 0.5);
}

}  // namespace
}  // namespace lpt::trainer
