// lptrain bench checkpoint: what checkpoints cost — capture (gathering every part), write,
// read, check and restore times and the file size, for the default model with curriculum
// pools of 1k and 10k tasks; and that cost as a share of training time at the default
// checkpoint interval.
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/files.h"
#include "common/json.h"
#include "common/strings.h"
#include "io/checkpoint_file.h"
#include "trainer/bench/benches.h"
#include "trainer/trainer.h"
#include "trainer/trainer_state.h"

namespace lpt::bench {
namespace {

using trainer::Trainer;
using trainer::TrainOptions;

struct PoolFigures {
  int pool = 0;
  double capture_s = 0, write_s = 0, save_s = 0, read_s = 0, check_s = 0, restore_s = 0,
         iteration_s = 0;
  double bytes = 0;
  double share_pct = 0;  // save time / training time between two checkpoints
};

StatusOr<PoolFigures> Measure(run::RunConfig config, int pool, int repeats,
                              const std::string& dir) {
  PoolFigures f;
  f.pool = pool;
  config.curriculum.num_active_tasks = pool;
  config.trainer.total_timesteps = 1e15;
  TrainOptions opts;
  opts.checkpoints = false;  // saved by hand below
  opts.run_dir = dir + "/pool" + std::to_string(pool);
  LPT_RETURN_IF_ERROR(MakeDirs(opts.run_dir));
  LPT_ASSIGN_OR_RETURN(std::unique_ptr<Trainer> trainer, Trainer::Create(config, opts));
  // Two iterations (the first warms up): a checkpoint after real updates, and the time an
  // iteration takes.
  LPT_RETURN_IF_ERROR(trainer->RunIteration().status());
  const SteadyClock::time_point it = SteadyClock::now();
  LPT_RETURN_IF_ERROR(trainer->RunIteration().status());
  f.iteration_s = SecondsSince(it);
  std::vector<double> capture, write, save, read, check, restore;
  std::string path;
  for (int r = 0; r < repeats; ++r) {
    SteadyClock::time_point t = SteadyClock::now();
    LPT_ASSIGN_OR_RETURN(const io::CheckpointData data, trainer->CaptureState());
    capture.push_back(SecondsSince(t));
    t = SteadyClock::now();
    LPT_RETURN_IF_ERROR(io::WriteCheckpoint(opts.run_dir + "/probe.h5", data));
    write.push_back(SecondsSince(t));
    t = SteadyClock::now();
    LPT_ASSIGN_OR_RETURN(path, trainer->SaveCheckpoint());
    save.push_back(SecondsSince(t));
    t = SteadyClock::now();
    LPT_ASSIGN_OR_RETURN(io::CheckpointData back, io::ReadCheckpoint(path));
    read.push_back(SecondsSince(t));
    t = SteadyClock::now();
    LPT_RETURN_IF_ERROR(trainer::CheckCheckpoint(back, config, 1));
    check.push_back(SecondsSince(t));
    t = SteadyClock::now();
    TrainOptions again = opts;
    again.resume = true;
    again.checkpoint = std::make_shared<const io::CheckpointData>(std::move(back));
    LPT_ASSIGN_OR_RETURN(std::unique_ptr<Trainer> resumed, Trainer::Create(config, again));
    restore.push_back(SecondsSince(t));
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

StatusOr<Report> Run(const BenchArgs& args, const BenchContext&) {
  LPT_ASSIGN_OR_RETURN(const int64_t repeats, args.Integer("repeats", 1, 1000));
  const run::RunConfig& config = args.config;
  char tmpl[] = "/tmp/lptrain_bench_ckpt_XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return Status::IoError("cannot create a temporary directory");
  const std::string dir = tmpl;
  std::vector<PoolFigures> all;
  Status failed;
  for (int pool : {1000, 10000}) {
    StatusOr<PoolFigures> f = Measure(config, pool, static_cast<int>(repeats), dir);
    if (!f.ok()) {
      failed = f.status().WithPrefix("pool " + std::to_string(pool));
      break;
    }
    all.push_back(*f);
  }
  const Status removed = RemoveTree(dir);
  LPT_RETURN_IF_ERROR(failed);
  LPT_RETURN_IF_ERROR(removed);
  Report report;
  std::string& t = report.text;
  t += StrFormat(
      "checkpoint of the default model (%d envs x %d agents per rank), medians of %lld; interval "
      "%d "
      "iterations\n",
      config.num_envs, config.task.num_agents, static_cast<long long>(repeats),
      config.checkpoint.interval);
  t += StrFormat("%8s %10s %9s %9s %9s %9s %9s %9s %11s %9s\n", "pool", "size", "capture", "write",
                 "save", "read", "check", "restore", "iteration", "share");
  for (const PoolFigures& f : all) {
    t += StrFormat("%8d %9.2fM %8.1fms %8.1fms %8.1fms %8.1fms %8.1fms %8.1fms %10.2fs %8.3f%%\n",
                   f.pool, f.bytes / 1e6, 1e3 * f.capture_s, 1e3 * f.write_s, 1e3 * f.save_s,
                   1e3 * f.read_s, 1e3 * f.check_s, 1e3 * f.restore_s, f.iteration_s, f.share_pct);
  }
  t += "(save = capture + write + fsync/rename + pruning; share = save / (iteration x interval))\n";
  JsonWriter json(/*digits=*/9);
  json.BeginObject()
      .String("bench", "checkpoint")
      .Int("interval", config.checkpoint.interval)
      .Key("pools")
      .BeginArray();
  for (const PoolFigures& f : all) {
    json.BeginObject()
        .Int("pool", f.pool)
        .Number("bytes", f.bytes)
        .Number("capture_ms", 1e3 * f.capture_s)
        .Number("write_ms", 1e3 * f.write_s)
        .Number("save_ms", 1e3 * f.save_s)
        .Number("read_ms", 1e3 * f.read_s)
        .Number("check_ms", 1e3 * f.check_s)
        .Number("restore_ms", 1e3 * f.restore_s)
        .Number("iteration_s", f.iteration_s)
        .Number("share_pct", f.share_pct)
        .EndObject();
  }
  json.EndArray().EndObject();
  report.json = json.text();
  return report;
}

}  // namespace

Bench CheckpointBench() {
  Bench b;
  b.name = "checkpoint";
  b.summary = "checkpoint write/read/restore times and size, share of training time";
  b.description =
      "Checkpoint capture/write/read/check/restore times and file size, default model, curriculum "
      "pools of 1k and "
      "10k tasks; the share of training time at the checkpoint interval.";
  b.options = {{"repeats", "measurements per pool (medians)", "5"}};
  b.takes_config = true;
  b.run = Run;
  return b;
}

}  // namespace lpt::bench
