// lptrain bench steering: where the curriculum sends its samples, and how much that teaches,
// on synthetic learners at the scale CPU runs give (a few thousand results). No simulator and
// no network: a task's success probability rises with the practice it got, so the measure of
// a curriculum is how much of the learnable tasks it gets learnt within the budget.
//
// The task set (48 tasks, an enumerated pool): 16 impossible (never succeed), 8 solved (always
// succeed), 24 learnable, 8 each mastered after 100, 300 and 1000 practices (success
// probability min(1, practices / period)). Results arrive in batches (one iteration's worth),
// each batch followed by a recompute, as in training.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/fields.h"
#include "common/json.h"
#include "common/rng.h"
#include "common/strings.h"
#include "curriculum/curriculum.h"
#include "trainer/bench/benches.h"
#include "trainer/bench/stats.h"
#include "trainer/bench/steering.h"

namespace lpt::bench {
namespace {

using curriculum::CurriculumConfig;

struct Arm {
  std::string name;
  CurriculumConfig config;
};

StatusOr<Report> Run(const BenchArgs& args, const BenchContext& context) {
  LPT_ASSIGN_OR_RETURN(const int64_t results, args.Integer("results", 100, 100000000));
  LPT_ASSIGN_OR_RETURN(const int64_t seeds, args.Integer("seeds", 2, 1000));
  LPT_ASSIGN_OR_RETURN(const int64_t batch, args.Integer("batch", 1, 1000000));
  CurriculumConfig lp;
  for (const std::string& kv : args.settings) {
    const size_t eq = kv.find('=');
    std::string key = kv.substr(0, eq);
    if (key.rfind("curriculum.", 0) == 0) key = key.substr(11);
    char* end = nullptr;
    const std::string text = eq == std::string::npos ? "" : kv.substr(eq + 1);
    const double v = std::strtod(text.c_str(), &end);
    if (eq == std::string::npos || text.empty() || *end != '\0') {
      return Status::InvalidArgument("'" + kv + "' is not curriculum.<key>=<number>");
    }
    LPT_RETURN_IF_ERROR(SetField(curriculum::CurriculumFields(), &lp, key, v));
  }
  std::vector<Arm> arms;
  CurriculumConfig random = lp;
  random.use_lp = false;
  arms.push_back({"discrete_random", random});
  arms.push_back({"lp", lp});
  if (args.Flag("sweep")) {
    // One knob at a time around the LP arm: how each default was chosen.
    const auto vary = [&](const std::string& name, auto set) {
      CurriculumConfig c = lp;
      set(&c);
      arms.push_back({name, c});
    };
    for (double g : {0.05, 0.1, 0.25})
      vary("lp_gain=" + FormatNumber(g), [g](CurriculumConfig* c) { c->lp_gain = g; });
    for (double a : {1.0, 2.0, 4.0, 8.0}) {
      vary("z_score_amplification=" + FormatNumber(a),
           [a](CurriculumConfig* c) { c->z_score_amplification = a; });
    }
    for (double r : {0.05, 0.1, 0.25, 0.5}) {
      vary("rand_task_rate=" + FormatNumber(r),
           [r](CurriculumConfig* c) { c->rand_task_rate = r; });
    }
    for (double e : {0.01, 0.05, 0.1, 0.3}) {
      vary("ema_timescale=" + FormatNumber(e), [e](CurriculumConfig* c) { c->ema_timescale = e; });
    }
    for (int m : {1, 3, 10}) {
      vary("min_samples_for_lp=" + std::to_string(m),
           [m](CurriculumConfig* c) { c->min_samples_for_lp = m; });
    }
    for (double t : {0.0, 0.1}) {
      vary("progress_smoothing=" + FormatNumber(t),
           [t](CurriculumConfig* c) { c->progress_smoothing = t; });
    }
  }
  Report report;
  std::string& t = report.text;
  t += StrFormat(
      "bench steering: 48 synthetic tasks (16 impossible, 8 solved, 24 learnable mastered after "
      "100/300/1000 "
      "practices), %lld results in batches of %lld, %lld seeds; mean and 95%% CI over seeds\n",
      static_cast<long long>(results), static_cast<long long>(batch),
      static_cast<long long>(seeds));
  t += StrFormat("%-28s %22s %16s %16s %9s %9s %9s\n", "curriculum", "learnt (learnable)",
                 "impossible share", "solved share", "p=100", "p=300", "p=1000");
  JsonWriter json(/*digits=*/6);
  json.BeginObject()
      .String("bench", "steering")
      .Int("results", results)
      .Int("seeds", seeds)
      .Key("arms")
      .BeginArray();
  for (const Arm& arm : arms) {
    if (context.progress) context.progress("bench steering: " + arm.name);
    std::vector<double> learnt, impossible, solved, by_period[3];
    for (int64_t s = 0; s < seeds; ++s) {
      LPT_ASSIGN_OR_RETURN(const SteeringOutcome o,
                           SimulateSteering(arm.config, static_cast<uint64_t>(s + 1), results,
                                            static_cast<int>(batch)));
      learnt.push_back(o.learnt);
      impossible.push_back(o.impossible);
      solved.push_back(o.solved);
      for (int g = 0; g < 3; ++g) by_period[g].push_back(o.learnt_by_period[g]);
    }
    const MeanCi l = MeanWithCi(learnt), i = MeanWithCi(impossible), so = MeanWithCi(solved);
    t += StrFormat("%-28s %8.3f [%.3f, %.3f] %7.3f ± %.3f %7.3f ± %.3f %9.3f %9.3f %9.3f\n",
                   arm.name.c_str(), l.mean, l.low, l.high, i.mean, i.high - i.mean, so.mean,
                   so.high - so.mean, MeanWithCi(by_period[0]).mean, MeanWithCi(by_period[1]).mean,
                   MeanWithCi(by_period[2]).mean);
    json.BeginObject()
        .String("name", arm.name)
        .Number("learnt", l.mean)
        .Number("learnt_ci_low", l.low)
        .Number("learnt_ci_high", l.high)
        .Number("impossible_share", i.mean)
        .Number("solved_share", so.mean)
        .EndObject();
  }
  json.EndArray().EndObject();
  report.json = json.text();
  return report;
}

}  // namespace

Bench SteeringBench() {
  Bench b;
  b.name = "steering";
  b.summary = "where the curriculum's samples go and how much they teach, on synthetic learners";
  b.description =
      "LP against DiscreteRandom on 48 synthetic tasks (impossible, solved, learnable at three "
      "speeds) at CPU-run "
      "scale: the share of results per kind and the learnable tasks' success at the end, mean and "
      "95% CI over "
      "seeds. key=value settings (curriculum.<key>=<number>) change the LP arm; --sweep varies one "
      "knob at a time.";
  b.options = {{"results", "results per run", "3000"},
               {"seeds", "runs per curriculum", "20"},
               {"batch", "results between recomputes (an iteration's worth)", "16"},
               {"sweep", "also vary each knob around the LP arm", "", true}};
  b.takes_config = false;
  b.takes_settings = true;
  b.run = Run;
  return b;
}

}  // namespace lpt::bench
