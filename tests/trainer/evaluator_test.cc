// The evaluator: deterministic for a seed whatever the number of env threads, a table per task
// and per class, and no effect on the policy.
#include "trainer/evaluator.h"

#include <gtest/gtest.h>

namespace lpt::trainer {
namespace {

TEST(Evaluator, SameSeedGivesTheSameTableWithAnyNumberOfEnvThreads) {
  run::ConfigBuilder b;
  ASSERT_TRUE(b.SetArgument("env.recipe=hearts").ok());
  ASSERT_TRUE(b.SetArgument("env.max_steps=24").ok());
  const run::RunConfig config = b.Resolve().value();
  const run::TaskFeatures features = run::TaskFeatures::Create(config).value();
  Policy policy = MakePolicy(config.trainer, features.size(), 7);
  std::vector<EvalTask> tasks = TaskSetEvalTasks(config).value();
  ASSERT_EQ(tasks.size(), 26u);
  tasks.resize(6);
  torch::set_num_threads(1);
  EvalOptions opts;
  opts.episodes = 2;
  opts.seed = 5;
  const auto one = Evaluate(policy, features, tasks, opts, torch::kCPU).value();
  opts.env_threads = 3;
  const auto three = Evaluate(policy, features, tasks, opts, torch::kCPU).value();
  ASSERT_EQ(one.size(), 6u);
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].name, tasks[i].name);
    EXPECT_EQ(one[i].room_episodes, 2 * tasks[i].config.num_instances);
    EXPECT_EQ(one[i].agent_episodes, 2 * tasks[i].config.num_agents);
    EXPECT_EQ(one[i].success, three[i].success) << i;
    EXPECT_EQ(one[i].ore, three[i].ore) << i;
    EXPECT_EQ(one[i].return_mean, three[i].return_mean) << i;
  }
  // Another seed plays other maps and draws: some figure differs.
  opts.seed = 6;
  const auto other = Evaluate(policy, features, tasks, opts, torch::kCPU).value();
  bool differs = false;
  for (size_t i = 0; i < one.size(); ++i) differs |= one[i].ore != other[i].ore;
  EXPECT_TRUE(differs);
  // The summary: classes in order, then possible and all.
  const EvalSummary s = Summarize(one);
  ASSERT_NE(s.Find("impossible"), nullptr);
  ASSERT_NE(s.Find("all"), nullptr);
  EXPECT_EQ(s.Find("all")->tasks, 6);
  EXPECT_EQ(s.Find("impossible")->success, 0.0);  // no altar or no battery source: no heart, ever
}

TEST(Evaluator, SettingsTasksAreCheckedAndNamed) {
  run::ConfigBuilder b;
  ASSERT_TRUE(b.SetArgument("env.recipe=hearts").ok());
  const run::RunConfig config = b.Resolve().value();
  const StatusOr<EvalTask> t =
      SettingsEvalTask(config, "altar.initial_resource_count=6, env.map.instance_size=9");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->config.instance_size, 9);
  EXPECT_NE(SettingsEvalTask(config, "altar.nope=1").status().message().find("altar.nope"),
            std::string::npos);
  EXPECT_NE(SettingsEvalTask(config, "map.instance_size=x").status().message().find("not a number"),
            std::string::npos);
}

}  // namespace
}  // namespace lpt::trainer
