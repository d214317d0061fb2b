// Multi-rank training under mpirun: ranks end with bit-identical parameters, runs repeat
// exactly, rank 0's curriculum receives every rank's results, and a failing rank ends the job.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#ifndef LPTRAIN_BINARY
#error "LPTRAIN_BINARY must name the lptrain executable"
#endif
#ifndef LPT_MPIEXEC
#error "LPT_MPIEXEC must name mpirun"
#endif

namespace lpt {
namespace {

struct Outcome {
  int exit_code;
  std::string output;
};

const char* kSmall =
    "env.num_envs=2 env.map.num_agents=4 env.map.num_instances=1 env.map.instance_size=11 "
    "env.map.border_width=1 env.map.walls=2 env.mine.count=2 env.generator.count=1 env.altar.count=1 "
    "env.lasery.count=0 env.armory.count=0 env.max_steps=20 trainer.num_steps=16 trainer.bptt_horizon=8 "
    "trainer.num_minibatches=2 trainer.torch_threads=1 trainer.env_threads=1 curriculum.num_active_tasks=16 "
    "curriculum.perf_invalidation_batch_size=4 seed=5 trainer.checksum_interval=1";

// `timeout` guards against a hang: a job that does not end by itself fails the test (124).
Outcome Mpirun(int ranks, const std::string& args) {
  const std::string cmd = "timeout 60 " + std::string(LPT_MPIEXEC) +
                          " --allow-run-as-root --oversubscribe --bind-to none -np " + std::to_string(ranks) +
                          " " + LPTRAIN_BINARY + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof(buf), pipe) != nullptr) out += buf;
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string TempDir() {
  char dir[] = "/tmp/lptrain_mpi_XXXXXX";
  EXPECT_NE(mkdtemp(dir), nullptr);
  return dir;
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// The metrics line without wall-clock values (SPS, timings), which legitimately differ.
std::string WithoutTimes(const std::string& line) {
  std::string out;
  std::stringstream ss(line);
  for (std::string field; std::getline(ss, field, ',');) {
    if (field.find("\"timing/") != std::string::npos || field.find("\"charts/sps\"") != std::string::npos ||
        field.find("recompute_") != std::string::npos) {
      continue;
    }
    out += field + ",";
  }
  return out;
}

double Value(const std::string& line, const std::string& key) {
  const size_t at = line.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::stod(line.substr(at + key.size() + 3));
}

TEST(TrainMpi, TwoAndThreeRanksEndWithBitIdenticalParameters) {
  for (int ranks : {2, 3}) {
    const std::string dir = TempDir();
    const Outcome out = Mpirun(ranks, "train --run-dir " + dir + "/run " + kSmall + " trainer.total_timesteps=3000");
    ASSERT_EQ(out.exit_code, 0) << out.output;
    std::set<std::string> checksums;
    int lines = 0;
    std::stringstream ss(out.output);
    for (std::string l; std::getline(ss, l);) {
      const size_t at = l.find("parameter checksum ");
      if (at == std::string::npos) continue;
      ++lines;
      checksums.insert(l.substr(at + 19));
    }
    EXPECT_EQ(lines, ranks) << out.output;
    EXPECT_EQ(checksums.size(), 1u) << out.output;  // one value: identical on every rank
    std::system(("rm -rf " + dir).c_str());
  }
}

TEST(TrainMpi, SameSeedAndWorldSizeGiveIdenticalMetrics) {
  const std::string a = TempDir();
  const std::string b = TempDir();
  ASSERT_EQ(Mpirun(2, "train --run-dir " + a + "/run " + kSmall + " trainer.total_timesteps=3000").exit_code, 0);
  ASSERT_EQ(Mpirun(2, "train --run-dir " + b + "/run " + kSmall + " trainer.total_timesteps=3000").exit_code, 0);
  const std::vector<std::string> la = Lines(a + "/run/metrics.jsonl");
  const std::vector<std::string> lb = Lines(b + "/run/metrics.jsonl");
  ASSERT_EQ(la.size(), lb.size());
  ASSERT_FALSE(la.empty());
  for (size_t i = 0; i < la.size(); ++i) EXPECT_EQ(WithoutTimes(la[i]), WithoutTimes(lb[i])) << "line " << i;
  std::system(("rm -rf " + a + " " + b).c_str());
}

TEST(TrainMpi, RankZeroCurriculumReceivesEveryRanksResults) {
  const std::string dir = TempDir();
  const Outcome out = Mpirun(3, "train --run-dir " + dir + "/run " + kSmall + " trainer.total_timesteps=6000");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  const std::vector<std::string> lines = Lines(dir + "/run/metrics.jsonl");
  ASSERT_FALSE(lines.empty());
  const std::string& last = lines.back();
  const double results = Value(last, "curriculum/results");  // produced, summed over ranks
  const double updates = Value(last, "curriculum/updates");  // applied by rank 0
  const double stale = Value(last, "curriculum/stale_results");
  EXPECT_GT(results, 20);
  EXPECT_EQ(updates + stale, results) << last;
  std::system(("rm -rf " + dir).c_str());
}

TEST(TrainMpi, AFailingRankEndsTheWholeJobWithItsMessage) {
  const std::string dir = TempDir();
  const Outcome out = Mpirun(3, "train --run-dir " + dir + "/run " + kSmall +
                                    " trainer.total_timesteps=100000000 trainer.debug_fail_rank=1 "
                                    "trainer.debug_fail_iteration=3");
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.exit_code, 124) << "the job hung instead of ending";
  EXPECT_NE(out.output.find("[rank 1] lptrain train: injected failure"), std::string::npos) << out.output;
  std::system(("rm -rf " + dir).c_str());
}

TEST(TrainMpi, ParametersThatDriftApartStopTheJobWithAClearError) {
  const std::string dir = TempDir();
  const Outcome out = Mpirun(2, "train --run-dir " + dir + "/run " + kSmall +
                                    " trainer.total_timesteps=100000000 trainer.debug_fail_rank=1 "
                                    "trainer.debug_perturb_iteration=2");
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.exit_code, 124) << "the job hung instead of ending";
  EXPECT_NE(out.output.find("parameters differ across ranks at iteration 2"), std::string::npos) << out.output;
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace lpt
