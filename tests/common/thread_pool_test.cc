#include "common/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace lpt {
namespace {

TEST(ThreadPool, EveryPartRunsOnceAndRunWaitsForAll) {
  for (int threads : {1, 2, 5}) {
    ThreadPool pool(threads);
    ASSERT_EQ(pool.size(), threads);
    for (int round = 0; round < 50; ++round) {
      std::vector<std::atomic<int>> seen(threads);
      pool.Run([&](int part, int parts) {
        EXPECT_EQ(parts, threads);
        seen[part].fetch_add(1);
      });
      for (int p = 0; p < threads; ++p)
        ASSERT_EQ(seen[p].load(), 1) << "part " << p << " round " << round;
    }
  }
}

TEST(ThreadPool, ZeroRequestedMeansOnePerCore) { EXPECT_GE(ThreadsOrCores(0), 1); }

}  // namespace
}  // namespace lpt
