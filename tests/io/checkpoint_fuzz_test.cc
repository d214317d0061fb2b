// A checkpoint is data, never code: valid checkpoints mutated in their HDF5 structure and
// re-sealed (io/checkpoint_fuzz.h) must each end in a valid load or a clear error naming the
// file: no crash, no sanitizer report, no hang. CI runs a bounded, seeded number of cases under
// ASan and UBSan (LPT_FUZZ_CASES, LPT_FUZZ_SEED change them); `lptrain bench fuzz` runs more.
#include "io/checkpoint_fuzz.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <string>

namespace lpt::io {
namespace {

int64_t EnvOr(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoll(v, nullptr, 10) : fallback;
}

TEST(CheckpointFuzz, MutatedCheckpointsLoadOrFailClearlyNeverCrash) {
  char dir[] = "/tmp/lptrain_fuzz_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  FuzzOptions options;
  options.cases = EnvOr("LPT_FUZZ_CASES", 300);
  options.seed = static_cast<uint64_t>(EnvOr("LPT_FUZZ_SEED", 1));
  options.work_dir = dir;
  const StatusOr<FuzzReport> report = FuzzCheckpoints(options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  std::printf(
      "%lld cases (seed %llu): %lld loaded, %lld refused with a clear error, %lld contained "
      "(the HDF5 library failed on them)\n",
      static_cast<long long>(report->cases), static_cast<unsigned long long>(options.seed),
      static_cast<long long>(report->loaded), static_cast<long long>(report->refused),
      static_cast<long long>(report->contained));
  for (const auto& [message, count] : report->messages) {
    std::printf("  %5lld  %s\n", static_cast<long long>(count), message.c_str());
  }
  EXPECT_EQ(report->cases, options.cases);
  EXPECT_EQ(report->loaded + report->refused + report->contained, report->cases);
  EXPECT_TRUE(report->unclear.empty()) << report->unclear.front();
  // The mutations reach the parser: most cases are refused, not waved through.
  EXPECT_GT(report->refused + report->contained, report->cases / 2);
  std::system(("rm -rf " + std::string(dir)).c_str());
}

}  // namespace
}  // namespace lpt::io
