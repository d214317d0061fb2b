// Multi-rank training under mpirun: ranks end with bit-identical parameters (also over TCP
// only, the path between nodes), runs repeat exactly, rank 0's curriculum receives every rank's
// results, a failing rank ends the job, and a rank that stops answering ends it within the
// collective timeout, naming that rank, with the last checkpoint intact.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#ifndef LPT_MPIEXEC
#error "LPT_MPIEXEC must name mpirun"
#endif
#include "io/checkpoint_file.h"
#include "tests/trainer/lptrain_runner.h"

extern char** environ;

namespace lpt::testing {
namespace {

const std::string kSmall =
    std::string(kTinyRun) +
    " trainer.env_threads=1 curriculum.perf_invalidation_batch_size=4 trainer.checksum_interval=1";

double Value(const std::string& line, const std::string& key) {
  const size_t at = line.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::stod(line.substr(at + key.size() + 3));
}

TEST(TrainMpi, TwoAndThreeRanksEndWithBitIdenticalParameters) {
  for (int ranks : {2, 3}) {
    const std::string dir = TempDir();
    const Outcome out = Mpirun(
        ranks, "train --run-dir " + dir + "/run " + kSmall + " trainer.total_timesteps=3000");
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
    RemoveDir(dir);
  }
}

TEST(TrainMpi, SameSeedAndWorldSizeGiveIdenticalMetrics) {
  const std::string a = TempDir();
  const std::string b = TempDir();
  ASSERT_EQ(Mpirun(2, "train --run-dir " + a + "/run " + kSmall + " trainer.total_timesteps=3000")
                .exit_code,
            0);
  ASSERT_EQ(Mpirun(2, "train --run-dir " + b + "/run " + kSmall + " trainer.total_timesteps=3000")
                .exit_code,
            0);
  const std::vector<std::string> la = Lines(a + "/run/metrics.jsonl");
  ASSERT_FALSE(la.empty());
  ExpectSameMetrics(a + "/run/metrics.jsonl", b + "/run/metrics.jsonl");
  RemoveDir(a);
  RemoveDir(b);
}

TEST(TrainMpi, RankZeroCurriculumReceivesEveryRanksResults) {
  const std::string dir = TempDir();
  const Outcome out =
      Mpirun(3, "train --run-dir " + dir + "/run " + kSmall + " trainer.total_timesteps=6000");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  const std::vector<std::string> lines = Lines(dir + "/run/metrics.jsonl");
  ASSERT_FALSE(lines.empty());
  const std::string& last = lines.back();
  const double results = Value(last, "curriculum/results");  // produced, summed over ranks
  const double updates = Value(last, "curriculum/updates");  // applied by rank 0
  const double stale = Value(last, "curriculum/stale_results");
  EXPECT_GT(results, 20);
  EXPECT_EQ(updates + stale, results) << last;
  RemoveDir(dir);
}

// A job with an injected fault ends by itself (no hang), non-zero, with `message` in its output.
void ExpectJobEndsWith(int ranks, const std::string& fault, const std::string& message) {
  const std::string dir = TempDir();
  const Outcome out =
      Mpirun(ranks, "train --run-dir " + dir + "/run " + kSmall +
                        " trainer.total_timesteps=100000000 trainer.debug_fail_rank=1 " + fault);
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.exit_code, 124) << "the job hung instead of ending";
  EXPECT_NE(out.output.find(message), std::string::npos) << out.output;
  RemoveDir(dir);
}

TEST(TrainMpi, AFailingRankEndsTheWholeJobWithItsMessage) {
  ExpectJobEndsWith(3, "trainer.debug_fail_iteration=3",
                    "[rank 1] lptrain train: injected failure");
}

TEST(TrainMpi, ParametersThatDriftApartStopTheJobWithAClearError) {
  ExpectJobEndsWith(2, "trainer.debug_perturb_iteration=2",
                    "parameters differ across ranks at iteration 2");
}

// Two and three ranks for 8 iterations vs 3, stop, resume on as many ranks, 5 more: the same
// state (every rank's envs included) and metrics.
TEST(TrainMpi, RanksStoppedAndResumedEqualUninterrupted) {
  for (int ranks : {2, 3}) {
    SCOPED_TRACE(ranks);
    const std::string dir = TempDir();
    const std::string settings =
        kSmall + " trainer.total_timesteps=" + std::to_string(1024 * ranks);
    ASSERT_EQ(Mpirun(ranks, "train --run-dir " + dir + "/a " + settings).exit_code, 0);
    const Outcome first =
        Mpirun(ranks, "train --run-dir " + dir + "/b --max-iterations 3 " + settings);
    ASSERT_EQ(first.exit_code, 0) << first.output;
    const Outcome rest = Mpirun(ranks, "train --run-dir " + dir + "/b --resume auto");
    ASSERT_EQ(rest.exit_code, 0) << rest.output;
    EXPECT_NE(rest.output.find("resumed from " + dir + "/b/checkpoints/ckpt-3.h5"),
              std::string::npos)
        << rest.output;
    EXPECT_EQ(rest.output.find("DIFFERENT LAYOUT"), std::string::npos) << rest.output;
    ExpectSameState(dir + "/a/checkpoints/ckpt-8.h5", dir + "/b/checkpoints/ckpt-8.h5");
    ExpectSameMetrics(dir + "/a/metrics.jsonl", dir + "/b/metrics.jsonl");
    RemoveDir(dir);
  }
}

// A 2-rank checkpoint resumed on 1 and on 3 ranks: model, optimizer, curriculum and counters
// carry over, envs start fresh, said loudly; the run reaches its planned agent-steps.
TEST(TrainMpi, AnotherWorldSizeResumesWithFreshEnvsAndAWarning) {
  const std::string dir = TempDir();
  const std::string settings = kSmall + " trainer.total_timesteps=2048";
  ASSERT_EQ(Mpirun(2, "train --run-dir " + dir + "/two --max-iterations 3 " + settings).exit_code,
            0);
  const std::string ckpt = dir + "/two/checkpoints/ckpt-3.h5";
  const io::CheckpointData saved = io::ReadCheckpoint(ckpt).value();
  for (int ranks : {1, 3}) {
    SCOPED_TRACE(ranks);
    const std::string run_dir = dir + "/on" + std::to_string(ranks);
    const Outcome out = Mpirun(ranks, "train --run-dir " + run_dir + " --resume " + ckpt);
    ASSERT_EQ(out.exit_code, 0) << out.output;
    EXPECT_NE(
        out.output.find(
            "RESUMING ON A DIFFERENT LAYOUT: the checkpoint has 2 rank(s) x 2 envs, this job " +
            std::to_string(ranks) + " rank(s)"),
        std::string::npos)
        << out.output;
    const std::vector<std::string> rows = Lines(run_dir + "/metrics.jsonl");
    ASSERT_FALSE(rows.empty());
    EXPECT_NE(rows.front().find("\"charts/iteration\":4,"), std::string::npos) << rows.front();
    // Agent-steps continue from the checkpoint's 768 (3 iterations x 2 ranks x 128).
    EXPECT_NE(
        rows.front().find("\"charts/global_step\":" + std::to_string(768 + 128 * ranks) + ","),
        std::string::npos)
        << rows.front();
    EXPECT_GE(Value(rows.back(), "charts/global_step"), 2048);
    // The curriculum went on from the saved one: its counters never fell back.
    const std::vector<io::CheckpointEntry> mine = io::ListCheckpoints(run_dir + "/checkpoints");
    ASSERT_FALSE(mine.empty());
    const io::CheckpointData after = io::ReadCheckpoint(mine.front().path).value();
    EXPECT_GE(after.groups.at("curriculum").i64.at("counter.updates")[0],
              saved.groups.at("curriculum").i64.at("counter.updates")[0]);
    EXPECT_EQ(after.int_attrs.at("world_size"), ranks);
  }
  RemoveDir(dir);
}

// Ranks on different nodes talk over TCP: the same job with shared memory turned off.
TEST(TrainMpi, OverTcpOnlyRanksEndWithIdenticalParametersAndExitCleanly) {
  const std::string dir = TempDir();
  const Outcome out = RunShell(std::string(LPT_MPIEXEC) +
                                   " --allow-run-as-root --oversubscribe --bind-to none "
                                   "--mca btl tcp,self --mca btl_tcp_if_include lo -np 3 " +
                                   LPTRAIN_BINARY + " train --run-dir " + dir + "/run " + kSmall +
                                   " trainer.total_timesteps=3000",
                               180);
  ASSERT_EQ(out.exit_code, 0) << out.output;
  std::set<std::string> checksums;
  std::stringstream ss(out.output);
  int lines = 0;
  for (std::string l; std::getline(ss, l);) {
    const size_t at = l.find("parameter checksum ");
    if (at == std::string::npos) continue;
    ++lines;
    checksums.insert(l.substr(at + 19));
  }
  EXPECT_EQ(lines, 3) << out.output;
  EXPECT_EQ(checksums.size(), 1u) << out.output;
  RemoveDir(dir);
}

// The pid of the lptrain process that is rank `rank` of the job training into run_dir.
pid_t RankPid(const std::string& run_dir, int rank) {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return -1;
  pid_t found = -1;
  for (dirent* e = readdir(proc); e != nullptr && found < 0; e = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    std::string cmdline = ReadFile("/proc/" + std::string(e->d_name) + "/cmdline");
    for (char& c : cmdline) c = c == '\0' ? ' ' : c;
    if (cmdline.find(LPTRAIN_BINARY) != 0 || cmdline.find(run_dir) == std::string::npos) continue;
    const std::string env = ReadFile("/proc/" + std::string(e->d_name) + "/environ");
    const std::string want = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
    for (size_t at = 0; at < env.size();) {
      const size_t end = env.find('\0', at);
      if (env.compare(at, (end == std::string::npos ? env.size() : end) - at, want) == 0) {
        found = pid;
        break;
      }
      if (end == std::string::npos) break;
      at = end + 1;
    }
  }
  closedir(proc);
  return found;
}

// kill -STOP one rank of a 3-rank run: the job ends within the timeout (+30 s) with a message
// naming that rank and the operation, non-zero; the newest checkpoint reads and resumes.
TEST(TrainMpi, AStoppedRankEndsTheJobWithinTheTimeoutNamingIt) {
  const std::string dir = TempDir();
  const std::string run_dir = dir + "/run";
  const std::string log = dir + "/job.log";
  const std::string command = std::string(LPT_MPIEXEC) +
                              " --allow-run-as-root --oversubscribe --bind-to none -np 3 " +
                              LPTRAIN_BINARY + " train --run-dir " + run_dir + " " + kSmall +
                              " trainer.total_timesteps=100000000 checkpoint.interval=1 "
                              "distributed.timeout_seconds=10 > " +
                              log + " 2>&1";
  pid_t job = -1;
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  ASSERT_EQ(posix_spawn(&job, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ), 0);
  const auto ckpt = [&](int n) {
    return run_dir + "/checkpoints/ckpt-" + std::to_string(n) + ".h5";
  };
  // Wait for a few checkpoints, then stop rank 2.
  pid_t victim = -1;
  for (int i = 0; i < 600 && victim < 0; ++i) {
    usleep(100000);
    if (access(ckpt(3).c_str(), F_OK) == 0) victim = RankPid(run_dir, 2);
  }
  ASSERT_GT(victim, 0) << ReadFile(log);
  ASSERT_EQ(kill(victim, SIGSTOP), 0);
  const auto stopped = std::chrono::steady_clock::now();
  int status = 0;
  bool ended = false;
  while (std::chrono::steady_clock::now() - stopped < std::chrono::seconds(40)) {
    if (waitpid(job, &status, WNOHANG) == job) {
      ended = true;
      break;
    }
    usleep(100000);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped).count();
  if (!ended) {  // leave nothing behind: the job and the stopped rank
    kill(victim, SIGKILL);
    kill(job, SIGKILL);
    waitpid(job, &status, 0);
  }
  const std::string output = ReadFile(log);
  ASSERT_TRUE(ended) << "the job did not end within the timeout + 30 s\n" << output;
  kill(victim, SIGKILL);  // in case the launcher left it stopped
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << output;
  EXPECT_LT(seconds, 40.0);
  EXPECT_NE(output.find("did not complete within distributed.timeout_seconds=10 s: rank(s) 2 of 3 "
                        "did not answer"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("collective '"), std::string::npos) << output;
  // The newest checkpoint is intact and the run resumes from it.
  int newest = 0;
  for (int n = 1; n < 100000; ++n) {
    if (access(ckpt(n).c_str(), F_OK) == 0)
      newest = n;
    else if (n > newest + 5)
      break;
  }
  ASSERT_GT(newest, 0);
  EXPECT_TRUE(io::ReadCheckpoint(ckpt(newest)).ok());
  const Outcome resumed =
      Mpirun(3, "train --run-dir " + run_dir + " --resume auto --max-iterations " +
                    std::to_string(newest + 2));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from " + ckpt(newest)), std::string::npos)
      << resumed.output;
  RemoveDir(dir);
}

}  // namespace
}  // namespace lpt::testing
