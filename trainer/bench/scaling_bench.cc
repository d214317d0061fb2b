// lptrain bench scaling: training with 1 and 2 ranks (one thread each), launched under mpirun
// by the benchmark itself; the total SPS ratio and the share of an iteration spent in sync.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "common/files.h"
#include "common/json.h"
#include "common/strings.h"
#include "trainer/bench/benches.h"
#include "trainer/run/run_dir.h"

#ifndef LPT_MPIEXEC
#define LPT_MPIEXEC ""
#endif

namespace lpt::bench {
namespace {

struct ScalingRun {
  double sps = 0;
  double sync_fraction = 0;
  int iterations = 0;
};

std::string Quoted(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Trains for `seconds` under mpirun with `ranks` ranks, one thread each; medians over the
// iterations after the first.
StatusOr<ScalingRun> TrainUnderMpirun(const std::string& self, int ranks, double seconds,
                                      const std::vector<std::string>& settings) {
  char tmpl[] = "/tmp/lptrain_scaling_XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return Status::IoError("cannot make a temporary directory");
  const std::string dir = tmpl;
  const std::string run_dir = dir + "/run";
  std::string cmd = std::string(LPT_MPIEXEC) + (geteuid() == 0 ? " --allow-run-as-root" : "") +
                    " --oversubscribe --bind-to none -np " + std::to_string(ranks) + " " +
                    Quoted(self) + " train --run-dir " + Quoted(run_dir) + " --max-seconds " +
                    std::to_string(seconds) +
                    " trainer.torch_threads=1 trainer.env_threads=1 trainer.total_timesteps=1e15";
  for (const std::string& kv : settings) cmd += " " + Quoted(kv);
  cmd += " > " + Quoted(dir + "/log") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream metrics(run::MetricsFile(run_dir));
  std::vector<double> sps, sync;
  int n = 0;
  for (std::string line; std::getline(metrics, line); ++n) {
    if (n == 0) continue;  // warm-up
    const auto row = ParseFlatJsonNumbers(line);
    if (!row.ok()) continue;
    for (const auto& [key, value] : *row) {
      if (key == "charts/sps") sps.push_back(value);
      if (key == "timing/sync_fraction") sync.push_back(value);
    }
  }
  const std::string log = ReadFileText(dir + "/log").ok() ? *ReadFileText(dir + "/log") : "";
  (void)RemoveTree(dir);
  if (rc != 0 || sps.empty()) {
    return Status::Internal("training under mpirun with " + std::to_string(ranks) +
                            " rank(s) failed or was too short:\n" + log);
  }
  return ScalingRun{Median(sps), Median(sync), n};
}

StatusOr<Report> Run(const BenchArgs& args, const BenchContext& context) {
  if (std::string(LPT_MPIEXEC).empty())
    return Status::FailedPrecondition("this build has no MPI (no mpirun)");
  LPT_ASSIGN_OR_RETURN(const double seconds, args.Number("seconds", 5, 86400));
  std::vector<ScalingRun> runs;
  Report report;
  for (int ranks : {1, 2}) {
    if (context.progress)
      context.progress("bench scaling: training with " + std::to_string(ranks) + " rank(s)");
    LPT_ASSIGN_OR_RETURN(const ScalingRun run,
                         TrainUnderMpirun(context.self, ranks, seconds, args.settings));
    report.text +=
        StrFormat("%d rank(s): %s SPS (median of %d iterations), sync %.2f%% of an iteration\n",
                  ranks, WithThousands(static_cast<long long>(run.sps)).c_str(), run.iterations - 1,
                  100 * run.sync_fraction);
    runs.push_back(run);
  }
  const double scaling = runs[1].sps / runs[0].sps;
  report.text +=
      StrFormat("scaling_2_ranks %.3f   sync_fraction %.4f\n", scaling, runs[1].sync_fraction);
  JsonWriter json(/*digits=*/9);
  json.BeginObject()
      .String("bench", "scaling")
      .Number("sps_1_rank", runs[0].sps)
      .Number("sps_2_ranks", runs[1].sps)
      .Number("scaling_2_ranks", scaling)
      .Number("sync_fraction", runs[1].sync_fraction)
      .EndObject();
  report.json = json.text();
  return report;
}

}  // namespace

Bench ScalingBench() {
  Bench b;
  b.name = "scaling";
  b.summary = "training with 1 and 2 ranks under mpirun: scaling and sync share";
  b.description =
      "Train with 1 and then 2 ranks under mpirun (one thread per rank) and report scaling_2_ranks "
      "(total SPS, 2 "
      "ranks / 1 rank) and sync_fraction (curriculum + gradient sync share of iteration time with "
      "2 ranks).";
  b.options = {{"seconds", "training time per run", "90"}};
  b.takes_config = true;
  b.run = Run;
  return b;
}

}  // namespace lpt::bench
