#include "trainer/run/curriculum_driver.h"

#include <gtest/gtest.h>

#include "envsim/step_storage.h"
#include "trainer/run/tasks.h"

namespace lpt::run {
namespace {

RunConfig SmallRun(bool desync) {
  ConfigBuilder b;
  for (const std::string kv :
       {"env.recipe=hearts", "env.map.num_agents=2", "env.map.num_instances=1",
        "env.map.instance_size=7", "env.map.border_width=1", "env.map.walls=0", "env.mine.count=1",
        "env.generator.count=0", "env.altar.count=0", "env.lasery.count=0", "env.armory.count=0",
        "env.max_steps=10", "curriculum.task_set=custom",
        "curriculum.buckets.rewards.ore_red=[0.1, 0.3]", "curriculum.num_active_tasks=8",
        "curriculum.perf_invalidation_batch_size=1"}) {
    EXPECT_TRUE(b.SetArgument(kv).ok()) << kv;
  }
  EXPECT_TRUE(b.Set("env.desync_episodes", desync ? "true" : "false").ok());
  return b.Resolve().value();
}

// A batch of num_envs envs playing the driver's first tasks, their next ones armed.
std::unique_ptr<envsim::ArenaBatch> StartBatch(const RunConfig& config, CurriculumDriver* driver,
                                               int num_envs) {
  envsim::BatchOptions bo;
  bo.num_envs = num_envs;
  bo.config = config.task;
  bo.env_configs = driver->Start().value();
  auto batch = envsim::ArenaBatch::Create(bo).value();
  EXPECT_TRUE(driver->ArmPending(batch.get()).ok());
  return batch;
}

TEST(CurriculumDriver, EpisodeEndsReportResultsAndEnvsPlayTheirPendingTask) {
  const RunConfig config = SmallRun(false);
  auto driver = CurriculumDriver::Create(config, 3).value();
  auto batch = StartBatch(config, driver.get(), 3);
  auto gen = MakeTaskGenerator(config).value();
  std::vector<double> params(gen->num_keys());
  std::string label;
  const auto weight_of = [&](uint64_t task) {
    gen->Generate(task, params.data(), &label);
    return static_cast<float>(params[0]);
  };
  for (int e = 0; e < 3; ++e) {
    EXPECT_FLOAT_EQ(batch->config(e).reward_weight[0], weight_of(driver->current_task(e)));
  }
  envsim::StepStorage storage(*batch);
  const envsim::StepBuffers out = storage.View();
  const std::vector<uint8_t>& end = storage.episode_end;
  const std::vector<int32_t> noop(storage.total, 0);
  const uint64_t before = driver->curriculum()->Stats().updates;
  for (int t = 0; t < 25; ++t) {
    batch->Step({0, 3}, noop, out);
    driver->OnStep(batch.get(), end);
    for (int e = 0; e < 3; ++e) {
      // The running episode always plays the task the driver says it does.
      ASSERT_FLOAT_EQ(batch->config(e).reward_weight[0], weight_of(driver->current_task(e))) << t;
    }
  }
  EXPECT_EQ(driver->counters().episodes, 3 * 2);
  EXPECT_EQ(driver->counters().results, 3 * 2);
  // Results wait for the iteration's sync, then reach the curriculum all at once.
  EXPECT_EQ(driver->curriculum()->Stats().updates, before);
  const uint64_t version = driver->snapshot_version();
  ASSERT_TRUE(driver->Sync().ok());
  EXPECT_EQ(driver->curriculum()->Stats().updates - before, 3 * 2);
  EXPECT_GT(driver->snapshot_version(), version);
}

TEST(CurriculumDriver, DesyncShortenedEpisodesAreNotReported) {
  const RunConfig config = SmallRun(true);
  auto driver = CurriculumDriver::Create(config, 8).value();
  auto batch = StartBatch(config, driver.get(), 8);
  envsim::StepStorage storage(*batch);
  const envsim::StepBuffers out = storage.View();
  const std::vector<uint8_t>& end = storage.episode_end;
  const std::vector<int32_t> noop(storage.total, 0);
  int64_t shortened = 0;
  for (int t = 0; t < 30; ++t) {
    batch->Step({0, 8}, noop, out);
    for (int e = 0; e < 8; ++e) shortened += end[e] && batch->LastEpisode(e).desync_shortened;
    driver->OnStep(batch.get(), end);
  }
  EXPECT_GT(shortened, 0);
  EXPECT_EQ(driver->counters().desync_skipped, shortened);
  EXPECT_EQ(driver->counters().results, driver->counters().episodes - shortened);
}

TEST(CurriculumDriver, EpisodesOfInvalidTaskCombinationsAreCreditedToNoTask) {
  // Each bucket value fits the 7x7 room alone; 20 walls and 20 mines together do not.
  ConfigBuilder b;
  for (const std::string kv :
       {"env.recipe=hearts", "env.map.num_agents=2", "env.map.num_instances=1",
        "env.map.instance_size=7", "env.map.border_width=1", "env.map.walls=0", "env.mine.count=1",
        "env.generator.count=0", "env.altar.count=0", "env.lasery.count=0", "env.armory.count=0",
        "env.max_steps=5", "env.desync_episodes=false", "curriculum.task_set=custom",
        "curriculum.buckets.map.walls=[0, 20]", "curriculum.buckets.mine.count=[1, 20]",
        "curriculum.num_active_tasks=16"}) {
    ASSERT_TRUE(b.SetArgument(kv).ok()) << kv;
  }
  const RunConfig config = b.Resolve().value();
  auto driver = CurriculumDriver::Create(config, 4).value();
  envsim::BatchOptions bo;
  bo.num_envs = 4;
  bo.config = config.task;
  bo.env_configs = driver->Start().value();
  bo.max_converters = 20;
  auto batch = envsim::ArenaBatch::Create(bo).value();
  ASSERT_TRUE(driver->ArmPending(batch.get()).ok());
  envsim::StepStorage storage(*batch);
  const envsim::StepBuffers out = storage.View();
  const std::vector<uint8_t>& end = storage.episode_end;
  const std::vector<int32_t> noop(storage.total, 0);
  const int64_t before = driver->curriculum()->Stats().updates;
  for (int t = 0; t < 200; ++t) {
    batch->Step({0, 4}, noop, out);
    driver->OnStep(batch.get(), end);
  }
  ASSERT_TRUE(driver->Sync().ok());
  const DriverCounters& c = driver->counters();
  EXPECT_GT(c.invalid_tasks, 0);
  EXPECT_GT(c.uncredited, 0);
  EXPECT_EQ(c.results + c.uncredited, c.episodes);
  // Every result reached the curriculum (a few for tasks evicted meanwhile count as stale).
  const curriculum::CurriculumStats s = driver->curriculum()->Stats();
  EXPECT_EQ(s.updates - before + s.stale_results, c.results);
}

TEST(CurriculumDriver, RankStateRoundTripsAndDrawsContinueAlike) {
  const RunConfig config = SmallRun(false);
  auto a = CurriculumDriver::Create(config, 3).value();
  auto batch = StartBatch(config, a.get(), 3);
  envsim::StepStorage buf(*batch);
  std::vector<int32_t> actions(buf.total, 0);
  for (int t = 0; t < 25; ++t) {
    batch->Step({0, 3}, actions, buf.View());
    a->OnStep(batch.get(), buf.episode_end);
  }
  const ArrayBundle state = a->ExportRankState();
  auto b = CurriculumDriver::Create(config, 3).value();
  ASSERT_TRUE(b->ImportRankState(state).ok());
  ASSERT_TRUE(b->curriculum()->ImportState(a->curriculum()->ExportState()).ok());
  EXPECT_TRUE(b->ExportRankState() == state);
  EXPECT_EQ(b->counters().results, a->counters().results);
  for (int e = 0; e < 3; ++e) EXPECT_EQ(b->current_task(e), a->current_task(e));
  // Wrong env count: refused, naming the array.
  auto c = CurriculumDriver::Create(config, 4).value();
  const Status st = c->ImportRankState(state);
  EXPECT_NE(st.message().find("current_task: 3 elements, expected 4"), std::string::npos)
      << st.message();
}

TEST(ResultRecords, RoundTripOnTheWireAndBatchesOfTheWrongSizeAreRefused) {
  const std::vector<ResultRecord> records = {{7, 0.5, 2.0}, {~uint64_t{0} - 1, -1.25, 1.0}};
  const std::vector<uint8_t> wire = PackResults(records);
  EXPECT_EQ(wire.size(), 8 + 2 * sizeof(ResultRecord));
  const StatusOr<std::vector<ResultRecord>> back = UnpackResults(wire);
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].task_id, records[1].task_id);
  EXPECT_EQ((*back)[1].score, -1.25);
  EXPECT_EQ((*back)[0].max_score, 2.0);
  EXPECT_TRUE(UnpackResults(PackResults({})).value().empty());
  std::vector<uint8_t> cut(wire.begin(), wire.end() - 1);
  EXPECT_EQ(UnpackResults(cut).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(UnpackResults({1, 2}).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace lpt::run

namespace lpt::run {
namespace {

envsim::EpisodeStats FourAgents() {
  envsim::EpisodeStats ep;
  ep.returns = {1.0f, 0.5f, 3.0f, 0.0f};
  for (auto* v : {&ep.collected, &ep.robbed, &ep.deposited, &ep.attack_spent, &ep.stolen}) {
    v->assign(4 * envsim::kNumItems, 0);
  }
  ep.collected[0 * envsim::kNumItems + static_cast<int>(envsim::Item::kHeart)] =
      1;  // agent 0 made a heart
  ep.collected[2 * envsim::kNumItems + static_cast<int>(envsim::Item::kHeart)] = 2;  // agent 2 two
  return ep;
}

TEST(RoomScores, EachRoomIsOneResultTheShareOfItsAgentsWithAHeart) {
  RunConfig c = ConfigBuilder().Resolve().value();
  std::vector<double> scores;
  double max_score = 0;
  // Two rooms: agents 0 and 2 in room 0 (both made hearts), 1 and 3 in room 1 (none).
  RoomScores(c, FourAgents(), 2, &scores, &max_score);
  EXPECT_EQ(scores, (std::vector<double>{1.0, 0.0}));
  EXPECT_EQ(max_score, 1.0);
  scores.clear();
  RoomScores(c, FourAgents(), 1, &scores, &max_score);  // one room: 2 of 4 agents
  EXPECT_EQ(scores, (std::vector<double>{0.5}));
  c.score = "return";
  c.score_max = 4;
  scores.clear();
  RoomScores(c, FourAgents(), 2, &scores, &max_score);  // mean returns per room
  EXPECT_EQ(scores, (std::vector<double>{2.0, 0.25}));
  EXPECT_EQ(max_score, 4.0);
}

TEST(CurriculumDriver, EveryRoomOfAnEpisodeIsAResult) {
  ConfigBuilder b;
  for (const std::string kv :
       {"env.recipe=hearts", "env.map.num_agents=4", "env.map.num_instances=2",
        "env.map.instance_size=7", "env.map.walls=0", "env.max_steps=10",
        "env.desync_episodes=false", "curriculum.task_set=single"}) {
    ASSERT_TRUE(b.SetArgument(kv).ok()) << kv;
  }
  const RunConfig config = b.Resolve().value();
  auto driver = CurriculumDriver::Create(config, 3).value();
  auto batch = StartBatch(config, driver.get(), 3);
  envsim::StepStorage storage(*batch);
  const std::vector<int32_t> noop(storage.total, 0);
  for (int t = 0; t < 20; ++t) {
    batch->Step({0, 3}, noop, storage.View());
    driver->OnStep(batch.get(), storage.episode_end);
  }
  EXPECT_EQ(driver->counters().episodes, 3 * 2);
  EXPECT_EQ(driver->counters().results, 3 * 2 * 2);  // two rooms each
  ASSERT_TRUE(driver->Sync().ok());
  EXPECT_EQ(driver->curriculum()->Stats().updates, 12);
  EXPECT_EQ(driver->last_results_by_class().at("hearts"), 12);
}

}  // namespace
}  // namespace lpt::run
