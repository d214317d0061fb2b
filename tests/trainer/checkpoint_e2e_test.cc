// Checkpoints and resume, through the lptrain binary (one process): a run stopped and resumed
// ends exactly where an uninterrupted one does; a killed run resumes from its newest good
// checkpoint; damaged checkpoints are refused with exit 2 (or skipped by --resume auto); the
// model's shape cannot change on resume; signals checkpoint; files read with h5dump and h5py.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "io/checkpoint_file.h"
#include "tests/trainer/lptrain_runner.h"

namespace lpt::testing {
namespace {

const std::string kRun = std::string(kTinyRun) + " curriculum.perf_invalidation_batch_size=2";

std::string Ckpt(const std::string& run_dir, int iteration) {
  return run_dir + "/checkpoints/ckpt-" + std::to_string(iteration) + ".h5";
}

bool PathExistsForTest(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Straight for 8 iterations vs 3, stop, resume, 5 more: the same final state and metrics.
void ExpectExactResume(const std::string& extra) {
  const std::string dir = TempDir();
  const std::string settings = kRun + " trainer.total_timesteps=1024 " + extra;
  const Outcome straight = Lptrain("train --run-dir " + dir + "/a " + settings);
  ASSERT_EQ(straight.exit_code, 0) << straight.output;
  const Outcome first = Lptrain("train --run-dir " + dir + "/b --max-iterations 3 " + settings);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  ASSERT_EQ(io::ListCheckpoints(dir + "/b/checkpoints").front().iteration, 3);
  // No settings on resume: the saved config applies.
  const Outcome rest = Lptrain("train --run-dir " + dir + "/b --resume auto");
  ASSERT_EQ(rest.exit_code, 0) << rest.output;
  EXPECT_TRUE(Contains(rest.output, "resumed from " + Ckpt(dir + "/b", 3))) << rest.output;
  EXPECT_TRUE(Contains(rest.output, "iter 4/8")) << rest.output;
  ExpectSameState(Ckpt(dir + "/a", 8), Ckpt(dir + "/b", 8));
  ExpectSameMetrics(dir + "/a/metrics.jsonl", dir + "/b/metrics.jsonl");
  RemoveDir(dir);
}

TEST(CheckpointResume, StoppedAndResumedEqualsUninterrupted) { ExpectExactResume(""); }

TEST(CheckpointResume, StoppedAndResumedEqualsUninterruptedWithLstm) {
  ExpectExactResume("trainer.use_lstm=true");
}

// Starts `lptrain train --run-dir run_dir settings` in the background (output discarded).
pid_t SpawnTrain(const std::string& run_dir, const std::string& settings) {
  std::vector<std::string> words = {LPTRAIN_BINARY, "train", "--run-dir", run_dir};
  std::stringstream split(settings);
  for (std::string w; split >> w;) words.push_back(w);
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, LPTRAIN_BINARY, &quiet, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&quiet);
  return pid;
}

// The exit code of pid (-1 if it did not exit normally).
int WaitExit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(CheckpointResume, KilledRunResumesFromItsNewestGoodCheckpoint) {
  const std::string dir = TempDir();
  const std::string run_dir = dir + "/run";
  const pid_t pid = SpawnTrain(
      run_dir,
      kRun + " trainer.total_timesteps=100000000 checkpoint.interval=1 checkpoint.keep_last=3");
  ASSERT_GT(pid, 0);
  // SIGKILL once a few checkpoints exist: the kill may land mid-write (interval 1).
  for (int i = 0; i < 1200 && io::ListCheckpoints(run_dir + "/checkpoints").size() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(37));
  kill(pid, SIGKILL);
  WaitExit(pid);
  const std::vector<io::CheckpointEntry> left = io::ListCheckpoints(run_dir + "/checkpoints");
  ASSERT_GE(left.size(), 3u);
  // A stray .tmp of a write that never finished is ignored.
  WriteFile(run_dir + "/checkpoints/ckpt-" + std::to_string(left.front().iteration + 1) + ".h5.tmp",
            "partial");
  const int newest = static_cast<int>(left.front().iteration);
  const Outcome resumed = Lptrain("train --run-dir " + run_dir +
                                  " --resume auto --max-iterations " + std::to_string(newest + 2));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_TRUE(Contains(resumed.output, "resumed from " + Ckpt(run_dir, newest))) << resumed.output;
  // The metrics continue without a gap or a repeat: rows 1, 2, ..., newest + 2.
  const std::vector<std::string> rows = Lines(run_dir + "/metrics.jsonl");
  ASSERT_EQ(rows.size(), static_cast<size_t>(newest + 2));
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_TRUE(Contains(rows[i], "\"charts/iteration\":" + std::to_string(i + 1) + ","))
        << rows[i];
  }
  RemoveDir(dir);
}

struct Damage {
  const char* name;
  std::string expect;  // part of the error message naming the object
};

TEST(CheckpointResume, DamagedCheckpointsExitTwoAndAutoFallsBack) {
  const std::string dir = TempDir();
  const std::string run_dir = dir + "/run";
  const Outcome made =
      Lptrain("train --run-dir " + run_dir + " " + kRun +
              " trainer.total_timesteps=384 checkpoint.interval=1 checkpoint.keep_last=10");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::string good = Ckpt(run_dir, 3);
  const std::string bytes = ReadFile(good);
  const io::CheckpointData data = io::ReadCheckpoint(good).value();
  const auto variant = [&](const std::string& name) { return dir + "/" + name + ".h5"; };
  WriteFile(variant("truncated"), bytes.substr(0, bytes.size() / 2));
  std::string flipped = bytes;
  flipped[bytes.size() / 2] = static_cast<char>(flipped[bytes.size() / 2] ^ 0x04);
  WriteFile(variant("bitflip"), flipped);
  WriteFile(variant("not_hdf5"), "this is not a checkpoint\n");
  io::CheckpointData d = data;
  d.groups.erase("optimizer");
  ASSERT_TRUE(io::WriteCheckpoint(variant("missing_group"), d).ok());
  d = data;
  std::vector<int64_t>& fc_shape = d.groups.at("model").shapes.at("fc.weight");
  std::swap(fc_shape[0], fc_shape[1]);  // the same count, transposed
  ASSERT_TRUE(io::WriteCheckpoint(variant("wrong_shape"), d).ok());
  d = data;
  ArrayBundle& model = d.groups.at("model");
  const std::vector<float> bias = model.f32.at("actor.bias");
  model.f32.erase("actor.bias");
  model.f64["actor.bias"].assign(bias.begin(), bias.end());
  ASSERT_TRUE(io::WriteCheckpoint(variant("wrong_dtype"), d).ok());
  ASSERT_TRUE(io::WriteCheckpoint(variant("wrong_version"), data, io::kFormatVersion + 1).ok());
  d = data;
  d.groups.at("ranks/0/env").i64.at("agent.row").pop_back();
  ASSERT_TRUE(io::WriteCheckpoint(variant("wrong_env_size"), d).ok());

  const Damage damages[] = {
      {"truncated", "truncated.h5"},
      {"bitflip", "bitflip.h5"},
      {"not_hdf5", "not_hdf5.h5"},
      {"missing_group", "/optimizer"},
      {"wrong_shape", "fc.weight"},
      {"wrong_dtype", "actor.bias"},
      {"wrong_version", "format version " + std::to_string(io::kFormatVersion + 1)},
      {"wrong_env_size", "/ranks/0/env"}};
  const std::string metrics = ReadFile(run_dir + "/metrics.jsonl");
  for (const Damage& damage : damages) {
    SCOPED_TRACE(damage.name);
    const std::string fresh_dir = dir + "/from_" + damage.name;
    const Outcome out =
        Lptrain("train --run-dir " + fresh_dir + " --resume " + variant(damage.name));
    EXPECT_EQ(out.exit_code, 2) << out.output;
    EXPECT_TRUE(Contains(out.output, variant(damage.name))) << out.output;
    EXPECT_TRUE(Contains(out.output, damage.expect)) << out.output;
    EXPECT_NE(access(fresh_dir.c_str(), F_OK), 0) << "created " << fresh_dir;
    // In the run directory as its newest checkpoint: auto skips it and takes ckpt-3.
    const std::string newest = Ckpt(run_dir, 4);
    WriteFile(newest, ReadFile(variant(damage.name)));
    const Outcome fallback =
        Lptrain("train --run-dir " + run_dir + " --resume auto --max-iterations 3");
    EXPECT_EQ(fallback.exit_code, 0) << fallback.output;
    EXPECT_TRUE(Contains(fallback.output, "skipping checkpoint " + newest)) << fallback.output;
    EXPECT_TRUE(Contains(fallback.output, "resumed from " + good)) << fallback.output;
    // Newer than the checkpoint resumed from: moved aside, unchanged, so auto never returns to it.
    EXPECT_NE(access(newest.c_str(), F_OK), 0);
    EXPECT_EQ(ReadFile(run_dir + "/checkpoints/discarded/ckpt-4.h5"),
              ReadFile(variant(damage.name)));
    EXPECT_EQ(ReadFile(run_dir + "/metrics.jsonl"), metrics);
  }
  // Only damaged checkpoints: nothing to resume from is an error, and nothing changes.
  const std::string broken = dir + "/broken";
  ASSERT_EQ(std::system(("mkdir -p " + broken + "/checkpoints && cp " + variant("truncated") + " " +
                         Ckpt(broken, 5))
                            .c_str()),
            0);
  const Outcome none = Lptrain("train --run-dir " + broken + " --resume auto");
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_TRUE(Contains(none.output, "none of the 1 checkpoint(s)")) << none.output;
  EXPECT_EQ(ReadFile(Ckpt(broken, 5)), ReadFile(variant("truncated")));
  RemoveDir(dir);
}

TEST(CheckpointResume, ChangingTheModelShapeIsRefused) {
  const std::string dir = TempDir();
  const std::string run_dir = dir + "/run";
  ASSERT_EQ(
      Lptrain("train --run-dir " + run_dir + " " + kRun + " trainer.total_timesteps=256").exit_code,
      0);
  const std::string metrics = ReadFile(run_dir + "/metrics.jsonl");
  const Outcome out =
      Lptrain("train --run-dir " + run_dir + " --resume auto trainer.hidden_size=64");
  EXPECT_EQ(out.exit_code, 2) << out.output;
  EXPECT_TRUE(Contains(out.output, "trainer.hidden_size=64 changes the model's shape"))
      << out.output;
  EXPECT_EQ(ReadFile(run_dir + "/metrics.jsonl"), metrics);
  // Other settings may change on resume (here: a longer run), and the saved ones stay.
  const Outcome longer =
      Lptrain("train --run-dir " + run_dir + " --resume auto trainer.total_timesteps=512");
  EXPECT_EQ(longer.exit_code, 0) << longer.output;
  EXPECT_TRUE(Contains(longer.output, "iter 4/4")) << longer.output;
  EXPECT_TRUE(Contains(ReadFile(run_dir + "/config.yaml"), "env.max_steps: 20\n"));
  // The learning rate follows the config, also without annealing.
  const Outcome rate = Lptrain("train --run-dir " + run_dir +
                               " --resume auto trainer.total_timesteps=640 trainer.anneal_lr=false "
                               "trainer.learning_rate=0.002");
  EXPECT_EQ(rate.exit_code, 0) << rate.output;
  EXPECT_TRUE(
      Contains(Lines(run_dir + "/metrics.jsonl").back(), "\"charts/learning_rate\":0.002,"));
  // Another run's checkpoint cannot take over this run directory.
  const std::string other = dir + "/other";
  ASSERT_EQ(
      Lptrain("train --run-dir " + other + " " + kRun + " trainer.total_timesteps=128").exit_code,
      0);
  const std::string other_metrics = ReadFile(other + "/metrics.jsonl");
  const Outcome takeover = Lptrain("train --run-dir " + other + " --resume " + Ckpt(run_dir, 4));
  EXPECT_EQ(takeover.exit_code, 2) << takeover.output;
  EXPECT_TRUE(Contains(takeover.output, "holds another run")) << takeover.output;
  EXPECT_EQ(ReadFile(other + "/metrics.jsonl"), other_metrics);
  RemoveDir(dir);
}

// Starts a long run, waits for two metrics rows, sends sig; returns the exit code.
int StopWith(int sig, const std::string& run_dir) {
  const pid_t pid = SpawnTrain(run_dir, kRun + " trainer.total_timesteps=100000000");
  if (pid < 0) return -1;
  for (int i = 0; i < 1200 && Lines(run_dir + "/metrics.jsonl").size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, sig);
  return WaitExit(pid);
}

TEST(CheckpointResume, SignalsCheckpointAtAnIterationBoundary) {
  const std::string dir = TempDir();
  // SIGUSR1 and SIGTERM (a scheduler's warning): checkpoint, exit 3. SIGINT: checkpoint, exit 0.
  for (const auto& [sig, code] :
       std::vector<std::pair<int, int>>{{SIGUSR1, 3}, {SIGTERM, 3}, {SIGINT, 0}}) {
    SCOPED_TRACE(sig);
    const std::string run_dir = dir + "/run" + std::to_string(sig);
    EXPECT_EQ(StopWith(sig, run_dir), code);
    const std::vector<io::CheckpointEntry> saved = io::ListCheckpoints(run_dir + "/checkpoints");
    ASSERT_EQ(saved.size(), 1u);
    // The checkpoint is of the last iteration logged.
    EXPECT_EQ(saved.front().iteration,
              static_cast<int64_t>(Lines(run_dir + "/metrics.jsonl").size()));
  }
  RemoveDir(dir);
}

TEST(CheckpointFiles, ReadWithH5dumpH5pyAndInspect) {
  const std::string dir = TempDir();
  const std::string run_dir = dir + "/run";
  ASSERT_EQ(
      Lptrain("train --run-dir " + run_dir + " " + kRun + " trainer.total_timesteps=256").exit_code,
      0);
  const std::string ckpt = Ckpt(run_dir, 2);
  const Outcome dump = RunShell("h5dump -H " + ckpt);
  ASSERT_EQ(dump.exit_code, 0) << dump.output;
  for (const char* part :
       {"GROUP \"model\"", "GROUP \"optimizer\"", "GROUP \"trainer\"", "GROUP \"curriculum\"",
        "GROUP \"ranks\"", "GROUP \"env\"", "DATASET \"fc.weight\"", "H5T_IEEE_F32LE",
        "ATTRIBUTE \"config\"", "ATTRIBUTE \"format_version\""}) {
    EXPECT_TRUE(Contains(dump.output, part)) << part;
  }
  const Outcome py = RunShell("/usr/bin/python3 -c \"import h5py; f = h5py.File('" + ckpt +
                              "', 'r'); print(sorted(f.keys()), sorted(f['ranks/0'].keys()), "
                              "f.attrs['format'], f['model/fc.weight'].shape, "
                              "f['model/fc.weight'].dtype)\"");
  ASSERT_EQ(py.exit_code, 0) << py.output;
  // The model's shapes as the file holds them (the fc layer's input grows with the task features).
  const io::CheckpointData data = io::ReadCheckpoint(ckpt).value();
  const ArrayBundle& model = data.groups.at("model");
  const std::vector<int64_t>& fc = model.shapes.at("fc.weight");
  ASSERT_EQ(fc.size(), 2u);
  EXPECT_EQ(fc[0], 128);
  const std::string fc_in = std::to_string(fc[1]);
  int64_t total_parameters = 0;
  for (const auto& [name, values] : model.f32)
    total_parameters += static_cast<int64_t>(values.size());
  EXPECT_TRUE(Contains(
      py.output,
      "['curriculum', 'model', 'optimizer', 'ranks', 'trainer'] ['env', 'rollout', 'tasks'] "
      "lptrain-checkpoint (128, " +
          fc_in + ") float32"))
      << py.output;
  const Outcome text = Lptrain("inspect " + ckpt);
  ASSERT_EQ(text.exit_code, 0) << text.output;
  for (const std::string& part :
       {std::string("iteration        2"), std::string("fc.weight"), "128x" + fc_in,
        std::string("curriculum: pool 16"), std::string("top tasks by learning progress"),
        std::string("rank"), std::string("seed: 5")}) {
    EXPECT_TRUE(Contains(text.output, part)) << part << "\n" << text.output;
  }
  const Outcome json = Lptrain("inspect --json " + ckpt);
  ASSERT_EQ(json.exit_code, 0) << json.output;
  EXPECT_TRUE(Contains(json.output, "\"total_parameters\":" + std::to_string(total_parameters)))
      << json.output;
  const Outcome bad = Lptrain("inspect " + dir + "/nothing.h5");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(Contains(bad.output, "nothing.h5")) << bad.output;
  RemoveDir(dir);
}

// A small filesystem of its own (tmpfs; root only) in a temporary directory: path() is where it
// is mounted; it is unmounted, then the directory removed, at the end.
class SmallDisk {
 public:
  explicit SmallDisk(const char* size) : dir_(TempDir()), path_(dir_ + "/disk") {
    mounted_ =
        RunShell("mkdir -p " + path_ + " && mount -t tmpfs -o size=" + size + " tmpfs " + path_)
            .exit_code == 0;
  }
  ~SmallDisk() {
    if (mounted_) RunShell("umount -l " + path_);
    RemoveDir(dir_);
  }
  bool mounted() const { return mounted_; }
  const std::string& path() const { return path_; }
  // Fills the disk up to all but `leave_kib` KiB.
  void Fill(int leave_kib) const {
    RunShell("rm -f " + path_ + "/filler; avail=$(df -k --output=avail " + path_ +
             " | tail -1); n=$((avail - " + std::to_string(leave_kib) +
             ")); [ $n -gt 0 ] && dd if=/dev/zero of=" + path_ +
             "/filler bs=1k count=$n 2>/dev/null; true");
  }
  void Free() const { RunShell("rm -f " + path_ + "/filler"); }

 private:
  std::string dir_;
  std::string path_;
  bool mounted_ = false;
};

// A full disk: a periodic checkpoint that cannot be written is a warning and training goes on;
// the final one is an error naming the path (exit 1); the previous checkpoint is untouched;
// metrics.jsonl keeps every row it could write, and a row it cannot write is an error.
TEST(CheckpointDisk, AFullDiskNeverCostsTheLastGoodCheckpoint) {
  const SmallDisk disk("4m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): not run";
  const std::string run_dir = disk.path() + "/run";
  const std::string settings = kRun + " trainer.total_timesteps=100000 checkpoint.interval=2 ";
  ASSERT_EQ(Lptrain("train --run-dir " + run_dir + " --max-iterations 4 " + settings).exit_code, 0);
  const std::string good = Ckpt(run_dir, 4);
  const std::string before = ReadFile(good);
  ASSERT_FALSE(before.empty());
  const size_t rows = Lines(run_dir + "/metrics.jsonl").size();
  ASSERT_EQ(rows, 4u);
  // Room for metrics rows, not for a checkpoint.
  disk.Fill(static_cast<int>(before.size() / 1024 / 4));
  const Outcome full =
      Lptrain("train --run-dir " + run_dir + " --resume auto --max-iterations 8 " + settings);
  EXPECT_EQ(full.exit_code, 1) << full.output;
  EXPECT_TRUE(Contains(full.output, "checkpoint failed")) << full.output;  // iteration 6: a warning
  EXPECT_TRUE(Contains(full.output, "final checkpoint")) << full.output;   // iteration 8: an error
  EXPECT_TRUE(Contains(full.output, Ckpt(run_dir, 8))) << full.output;
  EXPECT_EQ(Lines(run_dir + "/metrics.jsonl").size(), 8u);  // training went on through 6
  EXPECT_EQ(ReadFile(good), before);
  EXPECT_FALSE(PathExistsForTest(Ckpt(run_dir, 6)));
  // With space again the run resumes from that checkpoint (and ends with one at 6).
  disk.Free();
  const Outcome again =
      Lptrain("train --run-dir " + run_dir + " --resume auto --max-iterations 6 " + settings);
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(Contains(again.output, "resumed from " + good)) << again.output;
  const std::string six = ReadFile(Ckpt(run_dir, 6));
  ASSERT_FALSE(six.empty());
  // Room for a few metrics rows only: once a row does not fit, the run stops with an error
  // naming the file (no row is dropped silently), and the last checkpoint stays as it was.
  disk.Fill(12);
  const Outcome none =
      Lptrain("train --run-dir " + run_dir + " --resume auto --max-iterations 200 " + settings);
  EXPECT_EQ(none.exit_code, 1) << none.output;
  EXPECT_TRUE(Contains(none.output, run_dir + "/metrics.jsonl: No space left on device"))
      << none.output;
  EXPECT_EQ(ReadFile(Ckpt(run_dir, 6)), six);
}

TEST(CheckpointDisk, AReadOnlyCheckpointDirectoryWarnsThenFailsAtTheEnd) {
  const SmallDisk disk("16m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): not run";
  const std::string run_dir = disk.path() + "/run";
  const std::string settings = kRun + " trainer.total_timesteps=100000 checkpoint.interval=2 ";
  ASSERT_EQ(Lptrain("train --run-dir " + run_dir + " --max-iterations 2 " + settings).exit_code, 0);
  const std::string good = Ckpt(run_dir, 2);
  const std::string before = ReadFile(good);
  const std::string ckpts = run_dir + "/checkpoints";
  ASSERT_EQ(
      RunShell("mount --bind " + ckpts + " " + ckpts + " && mount -o remount,ro,bind " + ckpts)
          .exit_code,
      0);
  const Outcome ro =
      Lptrain("train --run-dir " + run_dir + " --resume auto --max-iterations 6 " + settings);
  RunShell("umount " + ckpts);
  EXPECT_EQ(ro.exit_code, 1) << ro.output;
  EXPECT_TRUE(Contains(ro.output, "checkpoint failed")) << ro.output;
  EXPECT_TRUE(Contains(ro.output, "final checkpoint")) << ro.output;
  EXPECT_TRUE(Contains(ro.output, Ckpt(run_dir, 6))) << ro.output;
  EXPECT_EQ(Lines(run_dir + "/metrics.jsonl").size(), 6u);
  EXPECT_EQ(ReadFile(good), before);
}

}  // namespace
}  // namespace lpt::testing
