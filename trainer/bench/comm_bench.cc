// lptrain bench comm (under mpirun): the costs of the distributed pieces — the gradient
// allreduce for the policy's size, the snapshot broadcast for pools of 1k and 10k, the result
// gather, and rank 0's curriculum ingest rate.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/rng.h"
#include "common/strings.h"
#include "curriculum/curriculum.h"
#include "distributed/comm.h"
#include "distributed/world.h"
#include "trainer/bench/benches.h"
#include "trainer/policy.h"
#include "trainer/run/curriculum_driver.h"
#include "trainer/run/tasks.h"

namespace lpt::bench {
namespace {

// Times fn on every rank `reps` times between barriers; the slowest rank's median.
template <typename Fn>
StatusOr<double> TimeCollective(distributed::Control* control, int reps, Fn fn) {
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    LPT_RETURN_IF_ERROR(control->Barrier());
    const Stopwatch watch;
    LPT_RETURN_IF_ERROR(fn());
    std::vector<double> dt = {watch.Seconds()};
    LPT_RETURN_IF_ERROR(control->AllreduceMax(&dt));
    times.push_back(dt[0]);
  }
  return Median(times);
}

StatusOr<Report> Run(const BenchArgs&, const BenchContext& context) {
  const distributed::WorldInfo& world = context.world;
  distributed::Control control(world);
  const bool root = world.rank == 0;
  LPT_ASSIGN_OR_RETURN(const run::RunConfig defaults, run::ConfigBuilder().Resolve());
  LPT_ASSIGN_OR_RETURN(const std::shared_ptr<const curriculum::TaskGenerator> generator,
                       run::MakeTaskGenerator(defaults));

  // --- gradient allreduce, the default policy's parameter count ---
  LPT_ASSIGN_OR_RETURN(const run::TaskFeatures features, run::TaskFeatures::Create(defaults));
  trainer::Policy policy = trainer::MakePolicy(defaults.trainer, features.size(), defaults.seed);
  int64_t params = 0;
  for (const torch::Tensor& p : policy->parameters()) params += p.numel();
  std::unique_ptr<distributed::GradientComm> comm;
  if (world.mpi) {
    LPT_ASSIGN_OR_RETURN(comm, distributed::MakeMpiComm(world));
  } else {
    comm = distributed::MakeSelfComm();
  }
  std::vector<float> grads(static_cast<size_t>(params), 1.0f + static_cast<float>(world.rank));
  LPT_ASSIGN_OR_RETURN(const double allreduce_s, TimeCollective(&control, 50, [&] {
                         return comm->AllreduceMean(grads.data(), grads.size());
                       }));

  // --- snapshot broadcast, pools of 1k and 10k ---
  std::vector<std::pair<int, double>> bcast_times;
  std::vector<size_t> bcast_bytes;
  for (int pool : {1000, 10000}) {
    std::vector<uint8_t> wire;
    curriculum::CurriculumConfig cc;
    cc.num_active_tasks = pool;
    if (root) {
      LPT_ASSIGN_OR_RETURN(const std::unique_ptr<curriculum::Curriculum> cur,
                           curriculum::Curriculum::Create(cc, generator));
      wire = curriculum::PackSnapshot(*cur->snapshot());
    }
    const std::vector<uint8_t> original = wire;
    LPT_ASSIGN_OR_RETURN(const double s, TimeCollective(&control, 20, [&]() -> Status {
                           wire = original;
                           LPT_RETURN_IF_ERROR(control.BroadcastBytes(&wire));
                           return curriculum::UnpackSnapshot(wire).status();
                         }));
    bcast_times.emplace_back(pool, s);
    bcast_bytes.push_back(wire.size());
  }

  // --- gather of one iteration's results (16 envs' worth from each rank) ---
  std::vector<run::ResultRecord> records(
      16, run::ResultRecord{static_cast<uint64_t>(world.rank), 0.5, 1.0});
  const std::vector<uint8_t> batch = run::PackResults(records);
  std::vector<std::vector<uint8_t>> all;
  LPT_ASSIGN_OR_RETURN(const double gather_s, TimeCollective(&control, 50, [&] {
                         return control.GatherBytes(batch, &all);
                       }));

  // --- rank 0's ingest: updates (and their recomputes) per second, pool 1000, batch 100 ---
  double ingest = 0;
  if (root) {
    curriculum::CurriculumConfig cc;
    LPT_ASSIGN_OR_RETURN(const std::unique_ptr<curriculum::Curriculum> cur,
                         curriculum::Curriculum::Create(cc, generator));
    const std::vector<uint64_t> ids = cur->ActiveTaskIds();
    CounterRng rng(3);
    constexpr int kResults = 2000000;
    const Stopwatch watch;
    for (int i = 0; i < kResults; ++i)
      cur->Update(ids[rng.Below(static_cast<uint32_t>(ids.size()))], rng.Uniform());
    ingest = kResults / watch.Seconds();
  }
  Report report;
  if (!root) return report;  // only rank 0 reports
  std::string& t = report.text;
  t += StrFormat("bench comm: %d rank(s) (%s), gradient backend %s\n", world.size,
                 world.launcher.c_str(), comm->name().c_str());
  t += StrFormat("  allreduce of %s floats (the policy's gradients)   %9.1f us\n",
                 WithThousands(params).c_str(), 1e6 * allreduce_s);
  for (size_t i = 0; i < bcast_times.size(); ++i) {
    t += StrFormat("  snapshot broadcast, pool %6d: %8zu bytes   %9.1f us\n", bcast_times[i].first,
                   bcast_bytes[i], 1e6 * bcast_times[i].second);
  }
  t += StrFormat("  gather of a result batch per rank (%zu bytes)     %9.1f us\n", batch.size(),
                 1e6 * gather_s);
  t += StrFormat("  rank-0 curriculum ingest                        %9s results/s\n",
                 WithThousands(static_cast<long long>(ingest)).c_str());
  JsonWriter json(/*digits=*/9);
  json.BeginObject()
      .String("bench", "comm")
      .Int("ranks", world.size)
      .String("backend", comm->name())
      .Int("gradient_floats", params)
      .Number("allreduce_us", 1e6 * allreduce_s)
      .Number("broadcast_1k_us", 1e6 * bcast_times[0].second)
      .Int("broadcast_1k_bytes", static_cast<int64_t>(bcast_bytes[0]))
      .Number("broadcast_10k_us", 1e6 * bcast_times[1].second)
      .Int("broadcast_10k_bytes", static_cast<int64_t>(bcast_bytes[1]))
      .Number("gather_us", 1e6 * gather_s)
      .Number("ingest_results_per_sec", ingest)
      .EndObject();
  report.json = json.text();
  return report;
}

}  // namespace

Bench CommBench() {
  Bench b;
  b.name = "comm";
  b.summary = "(under mpirun) allreduce, snapshot broadcast, gather, rank-0 ingest";
  b.description =
      "Under mpirun: gradient allreduce time for the policy's size, snapshot broadcast time and "
      "bytes for pools of "
      "1k and 10k, result gather time, and rank 0's curriculum ingest capacity.";
  b.run = Run;
  return b;
}

}  // namespace lpt::bench
