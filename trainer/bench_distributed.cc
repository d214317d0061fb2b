// lptrain bench comm (under mpirun): the costs of the distributed pieces.
// lptrain bench scaling: training with 1 and 2 ranks (one thread each), launched under mpirun
// by the benchmark itself.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <cxxopts.hpp>
#include <torch/torch.h>

#include "common/rng.h"
#include "common/strings.h"
#include "curriculum/curriculum.h"
#include "distributed/comm.h"
#include "distributed/world.h"
#include "trainer/bench_util.h"
#include "trainer/command_options.h"
#include "trainer/commands.h"
#include "trainer/config.h"
#include "trainer/exit_codes.h"
#include "trainer/metrics.h"
#include "trainer/policy.h"

namespace lpt {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }


// Times fn on every rank `reps` times between barriers; the slowest rank's median.
template <typename Fn>
double TimeCollective(distributed::Control* control, int reps, Fn fn) {
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    LPT_CHECK(control->Barrier().ok());
    const Clock::time_point t = Clock::now();
    fn();
    std::vector<double> dt = {Since(t)};
    LPT_CHECK(control->AllreduceMax(&dt).ok());
    times.push_back(dt[0]);
  }
  return Median(times);
}

std::shared_ptr<const curriculum::TaskGenerator> DefaultGenerator() {
  return MakeTaskGenerator(ConfigBuilder().Resolve().value()).value();
}

}  // namespace

int RunBenchCommCommand(int argc, char** argv, const distributed::WorldInfo& world) {
  cxxopts::Options options("lptrain bench comm",
                           "Under mpirun: gradient allreduce time for the policy's size, snapshot broadcast "
                           "time and bytes for pools of 1k and 10k, result gather time, and rank 0's "
                           "curriculum ingest capacity.");
  options.add_options()("json", "print one JSON object as the last line")("h,help", "show this help");
  const cxxopts::ParseResult args = options.parse(argc, argv);
  if (args.count("help")) {
    std::fputs(options.help().c_str(), stdout);
    return kExitOk;
  }
  distributed::Control control(world);
  const bool root = world.rank == 0;
  const RunConfig defaults = ConfigBuilder().Resolve().value();

  // --- gradient allreduce, the default policy's parameter count ---
  Policy policy(PolicySpec{defaults.trainer.hidden_size, defaults.trainer.conv_channels, defaults.trainer.use_lstm});
  int64_t params = 0;
  for (const torch::Tensor& p : policy->parameters()) params += p.numel();
  std::unique_ptr<distributed::GradientComm> comm =
      world.mpi ? std::move(distributed::MakeMpiComm(world)).value() : distributed::MakeSelfComm();
  std::vector<float> grads(static_cast<size_t>(params), 1.0f + world.rank);
  const double allreduce_s = TimeCollective(&control, 50, [&] {
    LPT_CHECK(comm->AllreduceMean(grads.data(), grads.size()).ok());
  });

  // --- snapshot broadcast, pools of 1k and 10k ---
  std::vector<std::pair<int, double>> bcast_times;
  std::vector<size_t> bcast_bytes;
  for (int pool : {1000, 10000}) {
    std::unique_ptr<curriculum::Curriculum> cur;
    std::vector<uint8_t> wire;
    curriculum::CurriculumConfig cc;
    cc.num_active_tasks = pool;
    if (root) {
      cur = curriculum::Curriculum::Create(cc, DefaultGenerator()).value();
      wire = curriculum::PackSnapshot(*cur->snapshot());
    }
    const std::vector<uint8_t> original = wire;
    bcast_times.emplace_back(pool, TimeCollective(&control, 20, [&] {
                               wire = original;
                               LPT_CHECK(control.BroadcastBytes(&wire).ok());
                               LPT_CHECK(curriculum::UnpackSnapshot(wire).ok());
                             }));
    bcast_bytes.push_back(wire.size());
  }

  // --- gather of one iteration's results (16 envs' worth from each rank) ---
  std::vector<uint8_t> batch(8 + 16 * 24, static_cast<uint8_t>(world.rank));
  std::vector<std::vector<uint8_t>> all;
  const double gather_s = TimeCollective(&control, 50, [&] { LPT_CHECK(control.GatherBytes(batch, &all).ok()); });

  // --- rank 0's ingest: updates (and their recomputes) per second, pool 1000, batch 100 ---
  double ingest = 0;
  if (root) {
    curriculum::CurriculumConfig cc;
    auto cur = curriculum::Curriculum::Create(cc, DefaultGenerator()).value();
    const std::vector<uint64_t> ids = cur->ActiveTaskIds();
    CounterRng rng(3);
    constexpr int kResults = 2000000;
    const Clock::time_point t = Clock::now();
    for (int i = 0; i < kResults; ++i) cur->Update(ids[rng.Below(static_cast<uint32_t>(ids.size()))], rng.Uniform());
    ingest = kResults / Since(t);
  }
  if (root) {
    std::printf("bench comm: %d rank(s) (%s), gradient backend %s\n", world.size, world.launcher.c_str(),
                comm->name().c_str());
    std::printf("  allreduce of %s floats (the policy's gradients)   %9.1f us\n",
                WithThousands(params).c_str(), 1e6 * allreduce_s);
    for (size_t i = 0; i < bcast_times.size(); ++i) {
      std::printf("  snapshot broadcast, pool %6d: %8zu bytes   %9.1f us\n", bcast_times[i].first, bcast_bytes[i],
                  1e6 * bcast_times[i].second);
    }
    std::printf("  gather of a result batch per rank (%zu bytes)     %9.1f us\n", batch.size(), 1e6 * gather_s);
    std::printf("  rank-0 curriculum ingest                        %9s results/s\n",
                WithThousands(static_cast<long long>(ingest)).c_str());
    if (args.count("json")) {
      std::printf("{\"bench\":\"comm\",\"ranks\":%d,\"backend\":\"%s\",\"gradient_floats\":%lld,\"allreduce_us\":%.2f,"
                  "\"broadcast_1k_us\":%.2f,\"broadcast_1k_bytes\":%zu,\"broadcast_10k_us\":%.2f,"
                  "\"broadcast_10k_bytes\":%zu,\"gather_us\":%.2f,\"ingest_results_per_sec\":%.0f}\n",
                  world.size, comm->name().c_str(), static_cast<long long>(params), 1e6 * allreduce_s,
                  1e6 * bcast_times[0].second, bcast_bytes[0], 1e6 * bcast_times[1].second, bcast_bytes[1],
                  1e6 * gather_s, ingest);
    }
  }
  return kExitOk;
}

#ifdef LPT_MPIEXEC
namespace {

struct ScalingRun {
  double sps = 0;
  double sync_fraction = 0;
  int iterations = 0;
};

// Trains for `seconds` under mpirun with `ranks` ranks, one thread each; medians over the
// iterations after the first.
StatusOr<ScalingRun> TrainUnderMpirun(const std::string& self, int ranks, double seconds,
                                      const std::vector<std::string>& overrides) {
  char dir[] = "/tmp/lptrain_scaling_XXXXXX";
  if (mkdtemp(dir) == nullptr) return Status::IoError("cannot make a temporary directory");
  std::string cmd = std::string(LPT_MPIEXEC) + (geteuid() == 0 ? " --allow-run-as-root" : "") +
                    " --oversubscribe --bind-to none -np " + std::to_string(ranks) + " " + self +
                    " train --run-dir " + dir + "/run --max-seconds " + std::to_string(seconds) +
                    " trainer.torch_threads=1 trainer.env_threads=1 trainer.total_timesteps=1e15";
  for (const std::string& kv : overrides) cmd += " '" + kv + "'";
  cmd += " > " + std::string(dir) + "/log 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream metrics(std::string(dir) + "/run/metrics.jsonl");
  std::vector<double> sps, sync;
  int n = 0;
  for (std::string line; std::getline(metrics, line); ++n) {
    if (n == 0) continue;  // warm-up
    const auto value = [&](const std::string& key) {
      const size_t at = line.find("\"" + key + "\":");
      return at == std::string::npos ? 0.0 : std::stod(line.substr(at + key.size() + 3));
    };
    sps.push_back(value("charts/sps"));
    sync.push_back(value("timing/sync_fraction"));
  }
  std::system(("rm -rf " + std::string(dir)).c_str());
  if (rc != 0 || sps.empty()) {
    return Status::Internal("training under mpirun with " + std::to_string(ranks) + " rank(s) failed or was too short");
  }
  return ScalingRun{Median(sps), Median(sync), n};
}

}  // namespace

int RunBenchScalingCommand(int argc, char** argv, const char* self) {
  cxxopts::Options options("lptrain bench scaling",
                           "Train with 1 and then 2 ranks under mpirun (one thread per rank) and report "
                           "scaling_2_ranks (total SPS, 2 ranks / 1 rank) and sync_fraction (curriculum + "
                           "gradient sync share of iteration time with 2 ranks).");
  options.add_options()
      ("seconds", "training time per run", cxxopts::value<double>()->default_value("90"))
      ("json", "print one JSON object as the last line")
      ("overrides", "key=value settings for both runs", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"overrides"});
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc, argv);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  const double seconds = args["seconds"].as<double>();
  std::vector<std::string> overrides;
  if (args.count("overrides")) overrides = args["overrides"].as<std::vector<std::string>>();
  std::vector<ScalingRun> runs;
  for (int ranks : {1, 2}) {
    StatusOr<ScalingRun> run = TrainUnderMpirun(self, ranks, seconds, overrides);
    if (!run.ok()) {
      std::fprintf(stderr, "lptrain bench scaling: %s\n", run.status().message().c_str());
      return kExitRuntimeError;
    }
    std::printf("%d rank(s): %s SPS (median of %d iterations), sync %.2f%% of an iteration\n", ranks,
                WithThousands(static_cast<long long>(run->sps)).c_str(), run->iterations - 1,
                100 * run->sync_fraction);
    std::fflush(stdout);
    runs.push_back(*run);
  }
  const double scaling = runs[1].sps / runs[0].sps;
  std::printf("scaling_2_ranks %.3f   sync_fraction %.4f\n", scaling, runs[1].sync_fraction);
  if (args.count("json")) {
    std::printf("{\"bench\":\"scaling\",\"sps_1_rank\":%.1f,\"sps_2_ranks\":%.1f,\"scaling_2_ranks\":%.4f,"
                "\"sync_fraction\":%.5f}\n",
                runs[0].sps, runs[1].sps, scaling, runs[1].sync_fraction);
  }
  return kExitOk;
}
#endif

}  // namespace lpt
