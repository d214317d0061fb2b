// Helpers for tests that run the lptrain binary (alone or under mpirun) and look at what it
// left in its run directory.
#ifndef LPTRAIN_TESTS_TRAINER_LPTRAIN_RUNNER_H_
#define LPTRAIN_TESTS_TRAINER_LPTRAIN_RUNNER_H_

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/checkpoint_file.h"

#ifndef LPTRAIN_BINARY
#error "LPTRAIN_BINARY must name the lptrain executable"
#endif

namespace lpt::testing {

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr
};

// `timeout` guards against a hang: a run that does not end by itself fails (exit 124).
inline Outcome RunShell(const std::string& command, int timeout_seconds = 300) {
  const std::string cmd = "timeout " + std::to_string(timeout_seconds) + " " + command + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof(buf), pipe) != nullptr) out += buf;
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline Outcome Lptrain(const std::string& args) {
  return RunShell(std::string(LPTRAIN_BINARY) + " " + args);
}

#ifdef LPT_MPIEXEC
inline Outcome Mpirun(int ranks, const std::string& args, int timeout_seconds = 120) {
  return RunShell(std::string(LPT_MPIEXEC) +
                      " --allow-run-as-root --oversubscribe --bind-to none -np " +
                      std::to_string(ranks) + " " + LPTRAIN_BINARY + " " + args,
                  timeout_seconds);
}
#endif

inline std::string TempDir() {
  char dir[] = "/tmp/lptrain_test_XXXXXX";
  EXPECT_NE(mkdtemp(dir), nullptr);
  return dir;
}

inline void RemoveDir(const std::string& dir) { std::system(("rm -rf '" + dir + "'").c_str()); }

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

inline std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// A tiny arena (2 envs of 4 agents on an 11x11 map, 20-step episodes, 16-step rollouts): an
// iteration takes a fraction of a second.
inline constexpr const char* kTinyRun =
    "env.recipe=arena env.num_envs=2 env.map.num_agents=4 env.map.num_instances=1 "
    "env.map.instance_size=11 "
    "env.map.border_width=1 env.map.walls=2 env.mine.count=2 env.generator.count=1 "
    "env.altar.count=1 "
    "env.lasery.count=0 env.armory.count=0 env.max_steps=20 trainer.num_steps=16 "
    "trainer.bptt_horizon=8 "
    "trainer.num_minibatches=2 trainer.torch_threads=1 curriculum.num_active_tasks=16 seed=5";

// A metrics line without the keys that measure wall time or memory held (they differ between
// equal runs: the latter depends on allocation history, e.g. before and after a resume).
inline std::string WithoutTimings(const std::string& line) {
  std::string out;
  std::stringstream items(line.substr(1, line.size() - 2));
  for (std::string item; std::getline(items, item, ',');) {
    if (item.rfind("\"timing/", 0) == 0 || item.rfind("\"charts/sps\"", 0) == 0 ||
        item.rfind("\"curriculum/recompute_", 0) == 0 ||
        item.rfind("\"curriculum/bytes\"", 0) == 0) {
      continue;
    }
    out += item + ",";
  }
  return out;
}

// Two checkpoints hold the same state: every group equal, every attribute but the time stamp.
inline void ExpectSameState(const std::string& a_path, const std::string& b_path) {
  const StatusOr<io::CheckpointData> a = io::ReadCheckpoint(a_path);
  const StatusOr<io::CheckpointData> b = io::ReadCheckpoint(b_path);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(a->int_attrs, b->int_attrs);
  for (const auto& [name, value] : a->text_attrs) {
    if (name != "created_utc") {
      EXPECT_EQ(b->text_attrs.at(name), value) << name;
    }
  }
  ASSERT_EQ(a->groups.size(), b->groups.size());
  for (const auto& [group, bundle] : a->groups) {
    ASSERT_EQ(b->groups.count(group), 1u) << group;
    const ArrayBundle& other = b->groups.at(group);
    EXPECT_TRUE(bundle == other) << "/" << group << " differs";
    // Name the first differing array (helps when this fails).
    for (const auto& [name, v] : bundle.f32) {
      if (other.f32.count(name) && other.f32.at(name) != v)
        ADD_FAILURE() << "/" << group << "/" << name << " differs";
    }
    for (const auto& [name, v] : bundle.f64) {
      if (other.f64.count(name) && other.f64.at(name) != v)
        ADD_FAILURE() << "/" << group << "/" << name << " differs";
    }
  }
}

// The metrics of two runs are the same but for wall-time figures.
inline void ExpectSameMetrics(const std::string& a_path, const std::string& b_path) {
  const std::vector<std::string> a = Lines(a_path), b = Lines(b_path);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(WithoutTimings(a[i]), WithoutTimings(b[i])) << "row " << i;
}

}  // namespace lpt::testing

#endif  // LPTRAIN_TESTS_TRAINER_LPTRAIN_RUNNER_H_
