#include "envsim/task_config.h"

#include <gtest/gtest.h>

#include <set>

namespace lpt::envsim {
namespace {

void ExpectInvalid(const TaskConfig& c, const std::string& field) {
  const Status st = c.Validate();
  EXPECT_FALSE(st.ok()) << "expected " << field << " to be rejected";
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message().rfind(field + ":", 0), 0u) << st.message();
}

TEST(TaskConfig, RecipesAreValid) {
  for (const std::string& name : RecipeNames()) {
    auto recipe = RecipeByName(name);
    ASSERT_TRUE(recipe.ok()) << name;
    EXPECT_TRUE(recipe->Validate().ok()) << name << ": " << recipe->Validate().ToString();
  }
}

TEST(TaskConfig, ArenaRecipeMatchesTheDesign) {
  const TaskConfig c = ArenaRecipe();
  EXPECT_EQ(c.num_agents, 24);
  EXPECT_EQ(c.MapHeight(), 62);
  EXPECT_EQ(c.MapWidth(), 62);
  EXPECT_EQ(c.converter(ConverterKind::kAltar).input[static_cast<int>(Item::kBatteryRed)], 3);
  EXPECT_EQ(c.converter(ConverterKind::kMine).cooldown, 50);
  EXPECT_EQ(c.inventory_cap[static_cast<int>(Item::kHeart)], 255);
  EXPECT_FLOAT_EQ(c.reward_weight[static_cast<int>(Item::kBatteryRed)], 0.8f);
  EXPECT_EQ(c.attack_cost, 1);
}

TEST(TaskConfig, EasyShapedRecipeIsTheOriginalsOldDefault) {
  const TaskConfig c = RecipeByName("arena_basic_easy_shaped").value();
  EXPECT_EQ(c.walls, 20);
  EXPECT_EQ(c.blocks, 20);
  EXPECT_EQ(c.converter(ConverterKind::kLasery).count, 0);
  EXPECT_EQ(c.converter(ConverterKind::kArmory).count, 0);
  EXPECT_EQ(c.converter(ConverterKind::kAltar).input[static_cast<int>(Item::kBatteryRed)], 1);
  EXPECT_FLOAT_EQ(c.reward_weight[static_cast<int>(Item::kOreRed)], 0.1f);
  EXPECT_GT(c.attack_cost, c.inventory_cap[static_cast<int>(Item::kLaser)]);
}

TEST(TaskConfig, UnknownRecipeListsTheKnownOnes) {
  const auto r = RecipeByName("arena_hard");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("arena_basic_easy_shaped"), std::string::npos);
}

TEST(TaskConfig, InvalidValuesAreRejectedWithTheFieldName) {
  TaskConfig c = ArenaRecipe();
  c.max_steps = 0;
  ExpectInvalid(c, "max_steps");
  c = ArenaRecipe();
  c.reward_weight[static_cast<int>(Item::kOreRed)] = 1000;
  ExpectInvalid(c, "rewards.ore_red");
  c = ArenaRecipe();
  c.converter(ConverterKind::kAltar).conversion_ticks = 0;
  ExpectInvalid(c, "altar.conversion_ticks");
  c = ArenaRecipe();
  c.converter(ConverterKind::kGenerator).input[static_cast<int>(Item::kOreRed)] = 300;
  ExpectInvalid(c, "generator.input.ore_red");
  c = ArenaRecipe();
  c.initial_inventory[static_cast<int>(Item::kLaser)] = 60;
  ExpectInvalid(c, "inventory.initial.laser");
  c = ArenaRecipe();
  c.converter(ConverterKind::kMine).initial_resource_count = 9;
  ExpectInvalid(c, "mine.initial_resource_count");
  c = ArenaRecipe();
  c.converter(ConverterKind::kLasery).output[static_cast<int>(Item::kLaser)] = 100;
  c.converter(ConverterKind::kLasery).initial_resource_count = 3;
  ExpectInvalid(c, "lasery.initial_resource_count");
  c = ArenaRecipe();
  c.walls = 600;
  ExpectInvalid(c, "map.instance_size");
  c = ArenaRecipe();
  c.num_agents = 2;
  ExpectInvalid(c, "map.num_instances");
  c = ArenaRecipe();
  c.reward_cap[static_cast<int>(Item::kHeart)] = -1;
  ExpectInvalid(c, "rewards.heart_max");
}

TEST(TaskConfig, FieldsHaveUniqueNamesAndRoundTrip) {
  std::set<std::string> names;
  TaskConfig c = ArenaRecipe();
  for (const TaskField& f : TaskFields()) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_FALSE(f.doc.empty()) << f.name;
    const double v = f.kind == FieldKind::kFloat ? (f.min + f.max) / 3 : f.min;
    ASSERT_TRUE(SetTaskField(&c, f.name, v).ok()) << f.name;
    EXPECT_NEAR(f.get(c), v, std::abs(v) * 1e-6 + 1e-9) << f.name;
  }
  EXPECT_GT(names.size(), 80u);
}

TEST(TaskConfig, SetTaskFieldChecksNameKindAndRange) {
  TaskConfig c = ArenaRecipe();
  EXPECT_TRUE(SetTaskField(&c, "rewards.ore_red", 0.25).ok());
  EXPECT_FLOAT_EQ(c.reward_weight[static_cast<int>(Item::kOreRed)], 0.25f);
  EXPECT_TRUE(SetTaskField(&c, "attack.cost", 100).ok());
  EXPECT_EQ(c.attack_cost, 100);
  EXPECT_TRUE(SetTaskField(&c, "desync_episodes", 0).ok());
  EXPECT_FALSE(c.desync_episodes);

  Status st = SetTaskField(&c, "rewards.ore", 1);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_NE(st.message().find("'rewards.ore'"), std::string::npos);
  st = SetTaskField(&c, "max_steps", 10.5);
  EXPECT_NE(st.message().find("not a whole number"), std::string::npos) << st.message();
  st = SetTaskField(&c, "attack.cost", 256);
  EXPECT_NE(st.message().find("attack.cost: 256 is out of range [0, 255]"), std::string::npos)
      << st.message();
}

}  // namespace
}  // namespace lpt::envsim
