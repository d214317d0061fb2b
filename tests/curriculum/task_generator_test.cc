#include "curriculum/task_generator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace lpt::curriculum {
namespace {

std::unique_ptr<TaskGenerator> ArenaLike() {
  GeneratorSpec spec;
  spec.name = "arena";
  spec.fixed = {{"max_steps", 500}};
  Bucket ore{"rewards.ore_red", {0.0, 0.1, 0.5}};
  Bucket attack{"attack.cost", {1, 100}};
  Bucket steps;
  steps.key = "map.walls";
  steps.is_span = true;
  steps.min = 0;
  steps.max = 40;
  steps.integer = true;
  Bucket weight;
  weight.key = "rewards.heart";
  weight.is_span = true;
  weight.min = 0.5;
  weight.max = 1.5;
  spec.buckets = {ore, attack, steps, weight};
  return TaskGenerator::Create({spec}).value();
}

TEST(TaskGenerator, SameIdGivesTheSameParamsAndLabel) {
  auto gen = ArenaLike();
  std::vector<double> a(gen->num_keys()), b(gen->num_keys());
  std::string la, lb;
  gen->Generate(12345, a.data(), &la);
  gen->Generate(12345, b.data(), &lb);
  EXPECT_EQ(a, b);
  EXPECT_EQ(la, lb);
  std::set<std::string> labels;
  for (uint64_t id = 0; id < 200; ++id) {
    gen->Generate(id, a.data(), &la);
    labels.insert(la);
  }
  EXPECT_GT(labels.size(), 20u);
}

TEST(TaskGenerator, ValuesComeFromTheirBucketsAndLabelsNameThem) {
  auto gen = ArenaLike();
  ASSERT_EQ(gen->keys(), (std::vector<std::string>{"max_steps", "rewards.ore_red", "attack.cost",
                                                   "map.walls", "rewards.heart"}));
  std::vector<double> p(gen->num_keys());
  std::string label;
  std::set<double> ore_seen;
  for (uint64_t id = 0; id < 500; ++id) {
    gen->Generate(id, p.data(), &label);
    EXPECT_EQ(p[0], 500);
    EXPECT_TRUE(p[1] == 0.0 || p[1] == 0.1 || p[1] == 0.5) << p[1];
    ore_seen.insert(p[1]);
    EXPECT_TRUE(p[2] == 1 || p[2] == 100);
    EXPECT_GE(p[3], 0);
    EXPECT_LE(p[3], 40);
    EXPECT_EQ(p[3], std::floor(p[3]));
    EXPECT_GE(p[4], 0.5);
    EXPECT_LT(p[4], 1.5);
    EXPECT_EQ(label.rfind("arena|rewards.ore_red=", 0), 0u) << label;
    EXPECT_NE(label.find("|attack.cost="), std::string::npos);
    const char* bins[] = {"0.5..0.75", "0.75..1", "1..1.25", "1.25..1.5"};
    const int bin = static_cast<int>((p[4] - 0.5) / 0.25);
    EXPECT_NE(label.find(std::string("|rewards.heart=") + bins[bin]), std::string::npos) << label;
  }
  EXPECT_EQ(ore_seen.size(), 3u);
}

TEST(TaskGenerator, SpanLabelsStayFinite) {
  GeneratorSpec spec;
  Bucket b;
  b.key = "x";
  b.is_span = true;
  b.min = 0;
  b.max = 1;
  spec.buckets = {b};
  auto gen = TaskGenerator::Create({spec}, 4).value();
  std::set<std::string> labels;
  std::vector<double> p(1);
  std::string label;
  for (uint64_t id = 0; id < 2000; ++id) {
    gen->Generate(id, p.data(), &label);
    labels.insert(label);
  }
  EXPECT_EQ(labels.size(), 4u);
}

TEST(TaskGenerator, WeightedSetPicksGeneratorsByWeightAndLeavesOtherKeysUnset) {
  GeneratorSpec easy;
  easy.name = "easy";
  easy.weight = 3;
  easy.fixed = {{"altar.input.battery_red", 1}};
  GeneratorSpec hard;
  hard.name = "hard";
  hard.weight = 1;
  hard.fixed = {{"attack.cost", 1}};
  auto gen = TaskGenerator::Create({easy, hard}).value();
  ASSERT_EQ(gen->num_keys(), 2);
  std::vector<double> p(2);
  std::string label;
  int n_easy = 0;
  constexpr int kDraws = 20000;
  for (uint64_t id = 0; id < kDraws; ++id) {
    gen->Generate(id, p.data(), &label);
    if (label == "easy") {
      ++n_easy;
      EXPECT_EQ(p[0], 1);
      EXPECT_TRUE(std::isnan(p[1]));
    } else {
      ASSERT_EQ(label, "hard");
      EXPECT_TRUE(std::isnan(p[0]));
    }
  }
  EXPECT_NEAR(static_cast<double>(n_easy) / kDraws, 0.75, 0.02);
}

TEST(TaskGenerator, InvalidSpecsAreRejectedNamingTheBucket) {
  GeneratorSpec spec;
  spec.name = "g";
  spec.buckets = {Bucket{"x", {}}};
  auto r = TaskGenerator::Create({spec});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bucket x has no values"), std::string::npos)
      << r.status().message();
  Bucket span;
  span.key = "y";
  span.is_span = true;
  span.min = 2;
  span.max = 1;
  spec.buckets = {span};
  EXPECT_NE(TaskGenerator::Create({spec}).status().message().find("bucket y"), std::string::npos);
  spec.buckets = {Bucket{"z", {1}}, Bucket{"z", {2}}};
  EXPECT_NE(TaskGenerator::Create({spec}).status().message().find("repeated"), std::string::npos);
  spec.buckets.clear();
  spec.weight = 0;
  EXPECT_NE(TaskGenerator::Create({spec}).status().message().find("weight"), std::string::npos);
  EXPECT_FALSE(TaskGenerator::Create({}).ok());
}

}  // namespace
}  // namespace lpt::curriculum
