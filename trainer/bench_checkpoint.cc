// lptrain bench checkpoint: what checkpoints cost — capture (gathering every part), write,
// read, check and restore times and the file size, for the default model with curriculum
// pools of 1k and 10k tasks; and that cost as a share of training time at the default
// checkpoint interval.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <sys/stat.h>

#include <cxxopts.hpp>

#include "common/files.h"
#include "common/strings.h"
#include "io/checkpoint_file.h"
#include "trainer/bench_util.h"
#include "trainer/command_options.h"
#include "trainer/commands.h"
#include "trainer/config.h"
#include "trainer/exit_codes.h"
#include "trainer/trainer.h"

namespace lpt {

namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct PoolFigures {
  int pool = 0;
  double capture_s = 0, write_s = 0, save_s = 0, read_s = 0, check_s = 0, restore_s = 0, iteration_s = 0;
  double bytes = 0;
  double share_pct = 0;  // save time / training time between two checkpoints
};

StatusOr<PoolFigures> Measure(RunConfig config, int pool, int repeats, const std::string& dir) {
  PoolFigures f;
  f.pool = pool;
  config.curriculum.num_active_tasks = pool;
  config.trainer.total_timesteps = 1e15;
  TrainOptions opts;
  opts.print_progress = false;
  opts.checkpoints = false;  // saved by hand below
  opts.run_dir = dir + "/pool" + std::to_string(pool);
  LPT_RETURN_IF_ERROR(MakeDirs(opts.run_dir));
  LPT_ASSIGN_OR_RETURN(std::unique_ptr<Trainer> trainer, Trainer::Create(config, opts));
  // Two iterations (the first warms up): a checkpoint after real updates, and the time an
  // iteration takes.
  LPT_RETURN_IF_ERROR(trainer->RunIteration().status());
  const Clock::time_point it = Clock::now();
  LPT_RETURN_IF_ERROR(trainer->RunIteration().status());
  f.iteration_s = Since(it);
  std::vector<double> capture, write, save, read, check, restore;
  std::string path;
  for (int r = 0; r < repeats; ++r) {
    Clock::time_point t = Clock::now();
    LPT_ASSIGN_OR_RETURN(const io::CheckpointData data, trainer->CaptureState());
    capture.push_back(Since(t));
    t = Clock::now();
    LPT_RETURN_IF_ERROR(io::WriteCheckpoint(opts.run_dir + "/probe.h5", data));
    write.push_back(Since(t));
    t = Clock::now();
    LPT_ASSIGN_OR_RETURN(path, trainer->SaveCheckpoint());
    save.push_back(Since(t));
    t = Clock::now();
    LPT_ASSIGN_OR_RETURN(io::CheckpointData back, io::ReadCheckpoint(path));
    read.push_back(Since(t));
    t = Clock::now();
    LPT_RETURN_IF_ERROR(CheckCheckpoint(back, config, 1));
    check.push_back(Since(t));
    t = Clock::now();
    TrainOptions again = opts;
    again.resume = true;
    again.checkpoint = std::make_shared<const io::CheckpointData>(std::move(back));
    LPT_ASSIGN_OR_RETURN(std::unique_ptr<Trainer> resumed, Trainer::Create(config, again));
    restore.push_back(Since(t));
  }
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) f.bytes = static_cast<double>(st.st_size);
  f.capture_s = Median(capture);
  f.write_s = Median(write);
  f.save_s = Median(save);
  f.read_s = Median(read);
  f.check_s = Median(check);
  f.restore_s = Median(restore);
  const int interval = config.checkpoint.interval;
  f.share_pct = interval > 0 ? 100.0 * f.save_s / (f.iteration_s * interval) : 0;
  return f;
}

}  // namespace

int RunBenchCheckpointCommand(int argc, char** argv) {
  cxxopts::Options options("lptrain bench checkpoint",
                           "Checkpoint capture/write/read/check/restore times and file size, default model, "
                           "curriculum pools of 1k and 10k tasks; the share of training time at the interval.");
  options.add_options()
      ("repeats", "measurements per pool (medians)", cxxopts::value<int>()->default_value("5"))
      ("json", "print one JSON object as the last line");
  AddConfigOptions(&options);
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc, argv);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  const int repeats = args["repeats"].as<int>();
  if (repeats < 1 || repeats > 1000) {
    std::fprintf(stderr, "lptrain bench checkpoint: --repeats %d must be in [1, 1000]\n", repeats);
    return kExitUsage;
  }
  StatusOr<RunConfig> config = ConfigFromArguments(args);
  if (!config.ok()) {
    std::fprintf(stderr, "lptrain bench checkpoint: %s\n", config.status().message().c_str());
    return kExitUsage;
  }
  char tmpl[] = "/tmp/lptrain_bench_ckpt_XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::fprintf(stderr, "lptrain bench checkpoint: cannot create a temporary directory\n");
    return kExitRuntimeError;
  }
  const std::string dir = tmpl;
  std::vector<PoolFigures> all;
  for (int pool : {1000, 10000}) {
    StatusOr<PoolFigures> f = Measure(*config, pool, repeats, dir);
    if (!f.ok()) {
      std::fprintf(stderr, "lptrain bench checkpoint: pool %d: %s\n", pool, f.status().message().c_str());
      return kExitRuntimeError;
    }
    all.push_back(*f);
  }
  const Status removed = RemoveTree(dir);
  if (!removed.ok()) std::fprintf(stderr, "lptrain bench checkpoint: warning: %s\n", removed.message().c_str());
  std::printf("checkpoint of the default model (%d envs x %d agents per rank), medians of %d; interval %d iterations\n",
              config->num_envs, config->task.num_agents, repeats, config->checkpoint.interval);
  std::printf("%8s %10s %9s %9s %9s %9s %9s %9s %11s %9s\n", "pool", "size", "capture", "write", "save", "read",
              "check", "restore", "iteration", "share");
  for (const PoolFigures& f : all) {
    std::printf("%8d %9.2fM %8.1fms %8.1fms %8.1fms %8.1fms %8.1fms %8.1fms %10.2fs %8.3f%%\n", f.pool, f.bytes / 1e6,
                1e3 * f.capture_s, 1e3 * f.write_s, 1e3 * f.save_s, 1e3 * f.read_s, 1e3 * f.check_s,
                1e3 * f.restore_s, f.iteration_s, f.share_pct);
  }
  std::printf("(save = capture + write + fsync/rename + pruning; share = save / (iteration x interval))\n");
  if (args.count("json")) {
    std::string json = "{\"bench\":\"checkpoint\",\"interval\":" + std::to_string(config->checkpoint.interval) + ",\"pools\":[";
    for (size_t i = 0; i < all.size(); ++i) {
      const PoolFigures& f = all[i];
      char buf[512];
      std::snprintf(buf, sizeof(buf),
                    "%s{\"pool\":%d,\"bytes\":%.0f,\"capture_ms\":%.3f,\"write_ms\":%.3f,\"save_ms\":%.3f,"
                    "\"read_ms\":%.3f,\"check_ms\":%.3f,\"restore_ms\":%.3f,\"iteration_s\":%.4f,\"share_pct\":%.4f}",
                    i ? "," : "", f.pool, f.bytes, 1e3 * f.capture_s, 1e3 * f.write_s, 1e3 * f.save_s, 1e3 * f.read_s,
                    1e3 * f.check_s, 1e3 * f.restore_s, f.iteration_s, f.share_pct);
      json += buf;
    }
    std::printf("%s]}\n", json.c_str());
  }
  return kExitOk;
}

}  // namespace lpt
