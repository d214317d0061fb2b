// What the learner sees of an env step (trainer/rollout.h LearnerView): time-limit ends as
// terminations, desync's cut-short episodes still bootstrapping, and clipped rewards.
#include <gtest/gtest.h>

#include <vector>

#include "envsim/arena.h"
#include "envsim/step_storage.h"
#include "trainer/rollout.h"

namespace lpt::trainer {
namespace {

struct Ends {
  int cut = 0;   // agent rows of desync-shortened episodes
  int full = 0;  // agent rows of episodes that reached max_steps
};

// Steps 8 hearts envs of 10-step episodes (desync on) with noops for 25 steps, applying the
// learner's view after each step, and checks every ended agent's flags.
Ends StepAndCheck(bool time_limit_terminal) {
  envsim::BatchOptions opts;
  opts.num_envs = 8;
  opts.seed = 4;
  opts.config = envsim::HeartsRecipe();
  opts.config.max_steps = 10;
  auto batch = envsim::ArenaBatch::Create(opts).value();
  envsim::StepStorage storage(*batch);
  const std::vector<int32_t> noop(storage.total, 0);
  run::TrainerConfig config;
  config.time_limit_terminal = time_limit_terminal;
  Ends ends;
  const int agents = batch->num_agents();
  for (int t = 0; t < 25; ++t) {
    batch->Step({0, batch->num_envs()}, noop, storage.View());
    LearnerView(*batch, config, storage.View());
    for (int e = 0; e < batch->num_envs(); ++e) {
      for (int a = e * agents; a < (e + 1) * agents; ++a) {
        if (storage.episode_end[e] == 0) {
          EXPECT_EQ(storage.terminated[a], 0);
          EXPECT_EQ(storage.truncated[a], 0);
          continue;
        }
        const bool cut = batch->LastEpisode(e).desync_shortened;
        const bool terminal = time_limit_terminal && !cut;
        EXPECT_EQ(storage.terminated[a], terminal ? 1 : 0) << "env " << e << " step " << t;
        EXPECT_EQ(storage.truncated[a], terminal ? 0 : 1) << "env " << e << " step " << t;
        ++(cut ? ends.cut : ends.full);
      }
    }
  }
  return ends;
}

TEST(LearnerView, TimeLimitsEndEpisodesAndDesyncCutsBootstrap) {
  const Ends ends = StepAndCheck(/*time_limit_terminal=*/true);
  EXPECT_GT(ends.cut, 0);   // first episodes shortened at random ...
  EXPECT_GT(ends.full, 0);  // ... and full-length ones after them
}

TEST(LearnerView, WithoutTimeLimitTerminalEveryEndIsATruncation) {
  const Ends ends = StepAndCheck(/*time_limit_terminal=*/false);
  EXPECT_GT(ends.full, 0);
}

TEST(LearnerView, RewardsAreClippedOnlyWhenAsked) {
  envsim::BatchOptions opts;
  opts.config = envsim::HeartsRecipe();
  auto batch = envsim::ArenaBatch::Create(opts).value();
  envsim::StepStorage storage(*batch);
  run::TrainerConfig config;
  storage.rewards[0] = 100.0f;
  storage.rewards[1] = -100.0f;
  storage.rewards[2] = 0.5f;
  LearnerView(*batch, config, storage.View());
  EXPECT_EQ(storage.rewards[0], 100.0f);
  config.reward_clip = 1.0;
  LearnerView(*batch, config, storage.View());
  EXPECT_EQ(storage.rewards[0], 1.0f);
  EXPECT_EQ(storage.rewards[1], -1.0f);
  EXPECT_EQ(storage.rewards[2], 0.5f);
}

}  // namespace
}  // namespace lpt::trainer
