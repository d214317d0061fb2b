// Run under mpirun with 2, 3 and 4 ranks (CTest label mpi), and alone (a world of one). Inputs
// depend on the rank; expected values are computed independently of the code under test.
#include "distributed/world.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "curriculum/curriculum.h"
#include "distributed/comm.h"

namespace lpt::distributed {
namespace {

WorldInfo g_world;

TEST(World, RanksAndSizesAreConsistent) {
  EXPECT_GE(g_world.size, 1);
  EXPECT_GE(g_world.rank, 0);
  EXPECT_LT(g_world.rank, g_world.size);
  EXPECT_LT(g_world.local_rank, g_world.local_size);
  EXPECT_EQ(g_world.mpi, g_world.launcher != "none");
  Control control(g_world);
  std::vector<int64_t> ones = {1, g_world.rank};
  ASSERT_TRUE(control.AllreduceSum(&ones).ok());
  EXPECT_EQ(ones[0], g_world.size);
  EXPECT_EQ(ones[1], static_cast<int64_t>(g_world.size) * (g_world.size - 1) / 2);
}

TEST(GradientComm, AllreduceMeanOfRankDependentBuffersOfAwkwardSizes) {
  std::unique_ptr<GradientComm> comm =
      g_world.mpi ? std::move(MakeMpiComm(g_world)).value() : MakeSelfComm();
  for (size_t count : {size_t{1}, size_t{7}, size_t{1023}, size_t{100003}}) {
    std::vector<float> data(count);
    for (size_t i = 0; i < count; ++i)
      data[i] = static_cast<float>(g_world.rank * 1000 + (i % 97) * 0.5);
    ASSERT_TRUE(comm->AllreduceMean(data.data(), count).ok());
    // mean over r of (1000 r + x) = 1000 (size - 1) / 2 + x
    for (size_t i = 0; i < count; ++i) {
      const double expected = 1000.0 * (g_world.size - 1) / 2.0 + (i % 97) * 0.5;
      ASSERT_NEAR(data[i], expected, 1e-3) << "count " << count << " index " << i;
    }
  }
}

TEST(Control, GatherOfUnevenAndEmptyBatchesArrivesInRankOrder) {
  Control control(g_world);
  // Rank r sends 3 r bytes (rank 0 sends nothing): r, r + 1, ...
  std::vector<uint8_t> mine(static_cast<size_t>(3 * g_world.rank));
  for (size_t j = 0; j < mine.size(); ++j) mine[j] = static_cast<uint8_t>(g_world.rank + j);
  std::vector<std::vector<uint8_t>> all;
  ASSERT_TRUE(control.GatherBytes(mine, &all).ok());
  if (!control.is_root()) return;
  ASSERT_EQ(all.size(), static_cast<size_t>(g_world.size));
  for (int r = 0; r < g_world.size; ++r) {
    ASSERT_EQ(all[r].size(), static_cast<size_t>(3 * r));
    for (size_t j = 0; j < all[r].size(); ++j) EXPECT_EQ(all[r][j], static_cast<uint8_t>(r + j));
  }
}

TEST(Control, ScatterDeliversEachRankItsOwnPart) {
  Control control(g_world);
  // Rank 0 holds one part per rank: part r has 2 r + 1 bytes of value r (rank 1's may be empty
  // too: sizes are free).
  std::vector<std::vector<uint8_t>> parts;
  if (control.is_root()) {
    for (int r = 0; r < g_world.size; ++r)
      parts.emplace_back(r == 1 ? 0 : 2 * r + 1, static_cast<uint8_t>(r));
  }
  std::vector<uint8_t> mine = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
  ASSERT_TRUE(control.ScatterBytes(parts, &mine).ok());
  const size_t want = g_world.rank == 1 ? 0 : static_cast<size_t>(2 * g_world.rank + 1);
  ASSERT_EQ(mine.size(), want);
  for (uint8_t v : mine) EXPECT_EQ(v, static_cast<uint8_t>(g_world.rank));
}

TEST(Control, BroadcastDeliversRootsBytesToEveryRank) {
  Control control(g_world);
  std::vector<uint8_t> buf;
  if (control.is_root()) {
    buf.resize(12345);
    for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<uint8_t>(i * 7);
  } else {
    buf.assign(3, 0xff);  // whatever a rank held before is replaced
  }
  ASSERT_TRUE(control.BroadcastBytes(&buf).ok());
  ASSERT_EQ(buf.size(), 12345u);
  for (size_t i = 0; i < buf.size(); ++i) ASSERT_EQ(buf[i], static_cast<uint8_t>(i * 7));
  std::vector<uint8_t> empty;
  ASSERT_TRUE(control.BroadcastBytes(&empty).ok());
  EXPECT_TRUE(empty.empty());
}

TEST(Control, SnapshotBroadcastRoundTripSamplesAlikeOnEveryRank) {
  Control control(g_world);
  std::vector<uint8_t> wire;
  if (control.is_root()) {
    curriculum::GeneratorSpec spec;
    spec.buckets = {curriculum::Bucket{"x", {0, 1, 2}}};
    curriculum::CurriculumConfig cfg;
    cfg.num_active_tasks = 300;
    cfg.min_samples_for_lp = 1;
    cfg.ema_timescale = 0.5;
    auto cur =
        curriculum::Curriculum::Create(cfg, std::shared_ptr<const curriculum::TaskGenerator>(
                                                curriculum::TaskGenerator::Create({spec}).value()))
            .value();
    const auto ids = cur->ActiveTaskIds();
    for (size_t i = 0; i < ids.size(); ++i) cur->Update(ids[i], (i % 5) / 4.0);
    cur->Recompute();
    wire = curriculum::PackSnapshot(*cur->snapshot());
  }
  ASSERT_TRUE(control.BroadcastBytes(&wire).ok());
  auto snap = curriculum::UnpackSnapshot(wire).value();
  ASSERT_EQ(snap->size(), 300u);
  // Every rank draws the same first samples from its copy: their sum agrees everywhere.
  CounterRng rng(4);
  double mine = 0;
  for (int i = 0; i < 1000; ++i)
    mine += static_cast<double>((*snap->task_ids)[snap->SampleIndex(&rng)] % 1000003);
  std::vector<double> extremes = {mine, -mine};
  ASSERT_TRUE(control.AllreduceMax(&extremes).ok());
  EXPECT_EQ(extremes[0], -extremes[1]);
}

TEST(Control, MaxAndSumOfDoubles) {
  Control control(g_world);
  std::vector<double> v = {static_cast<double>(g_world.rank), 0.25};
  ASSERT_TRUE(control.AllreduceMax(&v).ok());
  EXPECT_EQ(v[0], g_world.size - 1);
  std::vector<double> s = {0.5};
  ASSERT_TRUE(control.AllreduceSum(&s).ok());
  EXPECT_DOUBLE_EQ(s[0], 0.5 * g_world.size);
}

TEST(NcclComm, AveragesOnTheGpuOrSkipsWithoutOne) {
  if (!NcclBuilt()) GTEST_SKIP() << "built without NCCL";
  if (!g_world.mpi) GTEST_SKIP() << "NCCL needs an MPI world";
  auto comm = MakeNcclComm(g_world);
  if (!comm.ok()) GTEST_SKIP() << comm.status().message();
  for (size_t count : {size_t{1}, size_t{1023}, size_t{100003}}) {
    std::vector<float> data(count);
    for (size_t i = 0; i < count; ++i)
      data[i] = static_cast<float>(g_world.rank * 1000 + (i % 97) * 0.5);
    ASSERT_TRUE(NcclAllreduceMeanFromHost(comm->get(), data.data(), count).ok());
    for (size_t i = 0; i < count; ++i) {
      ASSERT_NEAR(data[i], 1000.0 * (g_world.size - 1) / 2.0 + (i % 97) * 0.5, 1e-3) << i;
    }
  }
}

}  // namespace
}  // namespace lpt::distributed

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto world = lpt::distributed::InitWorld(&argc, &argv);
  if (!world.ok()) {
    std::fprintf(stderr, "%s\n", world.status().ToString().c_str());
    return 1;
  }
  lpt::distributed::g_world = *world;
  // Only rank 0 prints the test log; every rank's result decides the exit code.
  if (world->rank != 0) {
    ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int rc = RUN_ALL_TESTS();
  lpt::distributed::FinalizeWorld();
  return rc;
}
