#include "trainer/run/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "trainer/run/tasks.h"

namespace lpt::run {
namespace {

std::string WriteTemp(const std::string& text) {
  char name[] = "/tmp/lptrain_config_XXXXXX.yaml";
  const int fd = mkstemps(name, 5);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(name) << text;
  return name;
}

TEST(Config, FileThenOverridesLaterWins) {
  const std::string path = WriteTemp(
      "seed: 7\n"
      "env:\n"
      "  max_steps: 300\n"
      "  rewards.ore_red: 0.5\n"
      "trainer:\n"
      "  learning_rate: 0.001\n");
  ConfigBuilder b;
  ASSERT_TRUE(b.LoadYaml(path).ok());
  ASSERT_TRUE(b.SetArgument("env.max_steps=500").ok());
  ASSERT_TRUE(b.SetArgument("env.max_steps=600").ok());
  const RunConfig c = b.Resolve().value();
  EXPECT_EQ(c.seed, 7u);
  EXPECT_EQ(c.task.max_steps, 600);
  EXPECT_FLOAT_EQ(c.task.reward_weight[static_cast<int>(envsim::Item::kOreRed)], 0.5f);
  EXPECT_DOUBLE_EQ(c.trainer.learning_rate, 0.001);
  std::remove(path.c_str());
}

TEST(Config, RecipeAndPresetApplyBeforeFieldOverridesWhateverTheOrder) {
  ConfigBuilder b;
  ASSERT_TRUE(b.Set("env.map.walls", "3").ok());
  ASSERT_TRUE(b.Set("env.recipe", "arena_basic_easy_shaped").ok());
  ASSERT_TRUE(b.Set("curriculum.num_active_tasks", "50").ok());
  ASSERT_TRUE(b.Set("curriculum.preset", "batch_10").ok());
  const RunConfig c = b.Resolve().value();
  EXPECT_EQ(c.task.walls, 3);    // the override, on top of ...
  EXPECT_EQ(c.task.blocks, 20);  // ... the recipe
  EXPECT_EQ(c.curriculum.perf_invalidation_batch_size, 10);
  EXPECT_EQ(c.curriculum.num_active_tasks, 50);
}

TEST(Config, TheOriginalSystemsNamesWorkAsWritten) {
  ConfigBuilder b;
  for (const char* kv :
       {"use_lp=True", "perf_invalidation_batch_size=100", "perf_cache_task_list=False",
        "perf_log_metrics=True", "num_active_tasks=200", "run=test_optimized"}) {
    ASSERT_TRUE(b.SetArgument(kv).ok()) << kv;
  }
  const RunConfig c = b.Resolve().value();
  EXPECT_TRUE(c.curriculum.use_lp);
  EXPECT_EQ(c.curriculum.perf_invalidation_batch_size, 100);
  EXPECT_FALSE(c.curriculum.perf_cache_task_list);
  EXPECT_TRUE(c.curriculum.perf_log_metrics);
  EXPECT_EQ(c.curriculum.num_active_tasks, 200);
  EXPECT_EQ(c.run, "test_optimized");
  ConfigBuilder random;
  ASSERT_TRUE(random.SetArgument("curriculum.algorithm=discrete_random").ok());
  EXPECT_FALSE(random.Resolve().value().curriculum.use_lp);
}

TEST(Config, UnknownKeysFailWithASuggestion) {
  ConfigBuilder b;
  Status st = b.SetArgument("env.max_step=5");
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("did you mean 'env.max_steps'"), std::string::npos) << st.message();
  st = b.SetArgument("env.walls=3");
  EXPECT_NE(st.message().find("did you mean 'env.map.walls'"), std::string::npos) << st.message();
  st = b.SetArgument("learning_rate=0.1");
  EXPECT_NE(st.message().find("did you mean 'trainer.learning_rate'"), std::string::npos)
      << st.message();
  st = b.SetArgument("curriculum.buckets.rewards.ore=[1]");
  EXPECT_NE(st.message().find("curriculum.buckets.rewards.ore_red"), std::string::npos)
      << st.message();
  EXPECT_FALSE(b.SetArgument("no_equals_sign").ok());
}

TEST(Config, BadValuesFailNamingKeyValueAndRange) {
  ConfigBuilder b;
  Status st = b.SetArgument("trainer.gamma=1.5");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "trainer.gamma: 1.5 is out of range [0, 1]");
  st = b.SetArgument("env.num_envs=lots");
  EXPECT_EQ(st.message(), "env.num_envs: 'lots' is not a number");
  st = b.SetArgument("use_lp=maybe");
  EXPECT_NE(st.message().find("curriculum.use_lp: 'maybe' is not a bool"), std::string::npos)
      << st.message();
  st = b.SetArgument("env.recipe=arena_hard");
  EXPECT_NE(st.message().find("arena|arena_basic_easy_shaped"), std::string::npos) << st.message();
  st = b.SetArgument("seed=-1");
  EXPECT_NE(st.message().find("seed: -1 is out of range"), std::string::npos) << st.message();
}

TEST(Config, CrossFieldProblemsAreReportedAtResolve) {
  ConfigBuilder b;
  ASSERT_TRUE(b.SetArgument("trainer.num_steps=50").ok());
  Status st = b.Resolve().status();
  EXPECT_NE(st.message().find("trainer.bptt_horizon: 16 does not divide trainer.num_steps (50)"),
            std::string::npos)
      << st.message();
  ConfigBuilder c;
  ASSERT_TRUE(c.SetArgument("env.inventory.initial.laser=60").ok());
  st = c.Resolve().status();
  EXPECT_NE(st.message().find("env: inventory.initial.laser"), std::string::npos) << st.message();
  ConfigBuilder d;
  ASSERT_TRUE(d.SetArgument("curriculum.task_set=custom").ok());
  EXPECT_NE(d.Resolve().status().message().find("custom needs"), std::string::npos);
}

TEST(Config, BucketsParseAsListsOrSpansAndCheckEveryValue) {
  ConfigBuilder b;
  ASSERT_TRUE(b.SetArgument("curriculum.task_set=custom").ok());
  ASSERT_TRUE(b.SetArgument("curriculum.buckets.rewards.ore_red=[0, 0.1, 0.5]").ok());
  ASSERT_TRUE(b.SetArgument("curriculum.buckets.max_steps=200..800").ok());
  const RunConfig c = b.Resolve().value();
  ASSERT_EQ(c.buckets.size(), 2u);
  EXPECT_EQ(c.buckets.at("rewards.ore_red").values, (std::vector<double>{0, 0.1, 0.5}));
  EXPECT_TRUE(c.buckets.at("max_steps").is_span);
  EXPECT_TRUE(c.buckets.at("max_steps").integer);
  EXPECT_FALSE(b.SetArgument("curriculum.buckets.attack.cost=[1, 300]").ok());
  ConfigBuilder big;
  ASSERT_TRUE(big.SetArgument("env.recipe=arena").ok());
  ASSERT_TRUE(big.SetArgument("curriculum.buckets.map.walls=[0, 600]").ok());
  EXPECT_NE(big.Resolve().status().message().find("makes the env invalid"), std::string::npos);
}

TEST(Config, TheDefaultRecipeIsArenaBasicEasyShapedWithTheArenaBuckets) {
  const RunConfig c = ConfigBuilder().Resolve().value();
  EXPECT_EQ(c.env_recipe, "arena_basic_easy_shaped");
  EXPECT_EQ(c.task_set, "arena_buckets");
  EXPECT_FALSE(c.enumerate);
  EXPECT_EQ(c.task.attack_cost, 100);
}

TEST(Config, TheHeartsRecipesTaskSetIsTheMixedDifficultySet) {
  ConfigBuilder b;
  ASSERT_TRUE(b.SetArgument("env.recipe=hearts").ok());
  const RunConfig c = b.Resolve().value();
  EXPECT_EQ(c.env_recipe, "hearts");
  EXPECT_EQ(c.task_set, "mixed_difficulty");
  EXPECT_TRUE(c.enumerate);
  auto gen = MakeTaskGenerator(c).value();
  ASSERT_EQ(gen->num_combinations(), 26u);
  std::map<std::string, int> classes;
  std::vector<double> params(gen->num_keys());
  std::string label;
  for (uint64_t id = 0; id < gen->num_combinations(); ++id) {
    gen->Generate(id, params.data(), &label);
    ++classes[TaskClass(label)];
    EXPECT_TRUE(ApplyTaskParams(c.task, *gen, params.data()).ok()) << label;
  }
  EXPECT_EQ(classes,
            (std::map<std::string, int>{{"impossible", 8}, {"trivial", 2}, {"learnable", 16}}));
  // The set's own keys come back from the resolved YAML.
  ConfigBuilder back;
  ASSERT_TRUE(back.LoadYamlText(ToYaml(c), "yaml").ok());
  EXPECT_EQ(back.Resolve().value().task_set, "mixed_difficulty");
}

TEST(Config, TheArenaRecipeDefaultsToTheOriginalArenaBuckets) {
  ConfigBuilder b;
  ASSERT_TRUE(b.SetArgument("env.recipe=arena").ok());
  const RunConfig c = b.Resolve().value();
  EXPECT_FALSE(c.enumerate);  // 640,000 combinations: a sampled pool
  EXPECT_EQ(c.buckets.count("rewards.ore_red"), 1u);
  EXPECT_EQ(c.buckets.count("attack.cost"), 1u);
  EXPECT_EQ(c.buckets.count("altar.initial_resource_count"), 1u);
  auto gen = MakeTaskGenerator(c).value();
  std::vector<double> params(gen->num_keys());
  std::string label;
  gen->Generate(5, params.data(), &label);
  EXPECT_NE(label.find("|attack.cost="), std::string::npos);
  EXPECT_TRUE(ApplyTaskParams(c.task, *gen, params.data()).ok());
}

TEST(Config, ResolvedYamlReadsBackToTheSameConfig) {
  ConfigBuilder b;
  for (const char* kv : {"seed=42", "env.recipe=arena_basic_easy_shaped", "env.max_steps=321",
                         "curriculum.preset=batch_1000", "curriculum.buckets.max_steps=100..400",
                         "trainer.use_lstm=true", "run=r1"}) {
    ASSERT_TRUE(b.SetArgument(kv).ok()) << kv;
  }
  const RunConfig first = b.Resolve().value();
  const std::string yaml = ToYaml(first);
  const std::string path = WriteTemp(yaml);
  ConfigBuilder again;
  ASSERT_TRUE(again.LoadYaml(path).ok()) << again.LoadYaml(path).ToString();
  const RunConfig second = again.Resolve().value();
  EXPECT_EQ(ToYaml(second), yaml);
  EXPECT_EQ(second.task.blocks, 20);
  EXPECT_EQ(second.curriculum.perf_invalidation_batch_size, 1000);
  std::remove(path.c_str());
}

TEST(Config, YamlErrorsNameTheFileAndLine) {
  const std::string path = WriteTemp("seed: 3\nenv:\n  max_steps: [1, 2\n");
  ConfigBuilder b;
  Status st = b.LoadYaml(path);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(path + ":"), std::string::npos) << st.message();
  std::remove(path.c_str());
  const std::string bad_key = WriteTemp("seed: 3\ntrainer:\n  gama: 0.9\n");
  st = b.LoadYaml(bad_key);
  EXPECT_NE(st.message().find(bad_key + ":3"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("trainer.gamma"), std::string::npos) << st.message();
  std::remove(bad_key.c_str());
  EXPECT_EQ(b.LoadYaml("/nonexistent/lptrain.yaml").code(), StatusCode::kNotFound);
}

TEST(Config, EveryKeyIsDescribed) {
  const std::vector<KeyDoc> docs = DescribeKeys();
  EXPECT_GT(docs.size(), 150u);
  for (const KeyDoc& d : docs) {
    EXPECT_FALSE(d.doc.empty()) << d.key;
    EXPECT_FALSE(d.allowed.empty()) << d.key;
  }
}

}  // namespace
}  // namespace lpt::run
