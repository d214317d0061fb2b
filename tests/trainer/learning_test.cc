// Learning: on a small hearts task, PPO with the default settings must make hearts far above a
// random policy within 150k agent-steps.
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

// A small hearts task: one 7x7 room, 4 agents that each start with a battery, one altar (a
// battery makes a heart), a heart the only reward. The agents must find the altar, put the
// battery in and take the heart out.
RunConfig SmallHeartsTask() {
  ConfigBuilder b;
  for (const std::string kv : {"seed=3",
                               "env.recipe=hearts",
                               "env.num_envs=16",
                               "env.map.num_agents=4",
                               "env.map.num_instances=1",
                               "env.map.instance_size=7",
                               "env.map.walls=0",
                               "env.mine.count=0",
                               "env.generator.count=0",
                               "env.altar.count=1",
                               "env.altar.cooldown=1",
                               "env.altar.max_output=4",
                               "env.inventory.initial.battery_red=1",
                               "env.max_steps=48",
                               "env.desync_episodes=false",
                               "curriculum.task_set=single",
                               "trainer.num_steps=48",
                               "trainer.total_timesteps=150000",
                               "trainer.torch_threads=2",
                               "trainer.env_threads=1"}) {
    EXPECT_TRUE(b.SetArgument(kv).ok()) << kv;
  }
  return b.Resolve().value();
}

// Hearts per agent-episode of uniformly random moves, gets and puts (no attacks, which fail
// here) on the same task.
double RandomPolicyHearts(const RunConfig& config) {
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
  int64_t hearts = 0;
  int64_t agent_episodes = 0;
  for (int t = 0; t < 8 * config.task.max_steps; ++t) {
    for (int32_t& a : actions) {
      a = static_cast<int32_t>(rng.Below(static_cast<uint32_t>(envsim::Action::kAttack0)));
    }
    batch->Step({0, bo.num_envs}, actions, out);
    for (int e = 0; e < bo.num_envs; ++e) {
      if (!end[e]) continue;
      const envsim::EpisodeStats& stats = batch->LastEpisode(e);
      for (int a = 0; a < stats.num_agents(); ++a) hearts += stats.HeartsMade(a);
      agent_episodes += stats.num_agents();
    }
  }
  return static_cast<double>(hearts) / static_cast<double>(agent_episodes);
}

// The guard on learning: PPO with the default settings must learn to make hearts, far above
// random behaviour, within 150k agent-steps (well under a minute of 2 cores).
TEST(Learning, PpoLearnsToMakeHeartsWithinTheCpuBudget) {
  const RunConfig config = SmallHeartsTask();
  const double random_hearts = RandomPolicyHearts(config);
  std::vector<double> hearts;
  TrainOptions opts;
  opts.max_seconds = 1200;  // a safety net only: the run is 150k agent-steps
  opts.on_iteration = [&](const run::MetricsRow& row) {
    const double h = row.Get("env/hearts_made", std::nan(""));
    if (!std::isnan(h)) hearts.push_back(h);
  };
  auto trainer = Trainer::Create(config, opts).value();
  const TrainResult result = trainer->Run().value();
  ASSERT_GE(result.global_step, 150000) << "the run was cut short";
  ASSERT_GE(hearts.size(), 10u);
  const double first = std::accumulate(hearts.begin(), hearts.begin() + 5, 0.0) / 5;
  const double trained = std::accumulate(hearts.end() - 5, hearts.end(), 0.0) / 5;
  std::printf(
      "hearts per agent-episode: random policy %.3f, first iterations %.3f, trained %.3f "
      "after %lld agent-steps\n",
      random_hearts, first, trained, static_cast<long long>(result.global_step));
  // Seen: random 0.055, trained 0.52 of at most 1 (one battery each). Demand a wide margin.
  EXPECT_GT(trained, 0.3);
  EXPECT_GT(trained, 4 * random_hearts);
}

}  // namespace
}  // namespace lpt::trainer
