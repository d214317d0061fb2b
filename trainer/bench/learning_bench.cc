// lptrain bench learning: does the curriculum help? Paired seeds, LP against DiscreteRandom on
// the same task set at equal agent-steps; each run evaluates its policy on every task of the set
// at several points (eval.interval), and the bench compares the arms on the eval success of the
// possible tasks (and, apart, the learnable ones): mean and 95% CI per arm, and the paired
// differences LP - random with their CI. It also reports where each arm's episodes went (the
// share of results per task class over the run), the LP snapshot's Gini over time and when it
// first left uniform. The runs are `lptrain train` processes (one thread each, several at a time),
// their run directories kept under --out; a PNG of the curves is drawn by scripts/plot_learning.py.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/files.h"
#include "common/json.h"
#include "common/strings.h"
#include "trainer/bench/benches.h"
#include "trainer/bench/stats.h"
#include "trainer/run/run_dir.h"
#include "trainer/run/tasks.h"

#ifndef LPT_SOURCE_DIR
#define LPT_SOURCE_DIR "."
#endif

namespace lpt::bench {
namespace {

std::string Quoted(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs every command (through /bin/sh), at most `parallel` at a time; their exit codes.
std::vector<int> RunAll(const std::vector<std::string>& commands, int parallel,
                        const std::function<void(const std::string&)>& progress) {
  std::vector<int> codes(commands.size(), -1);
  std::map<pid_t, size_t> running;
  size_t next = 0, done = 0;
  const Stopwatch watch;
  while (done < commands.size()) {
    while (next < commands.size() && static_cast<int>(running.size()) < parallel) {
      const pid_t pid = fork();
      if (pid == 0) {
        execl("/bin/sh", "sh", "-c", commands[next].c_str(), static_cast<char*>(nullptr));
        _exit(127);
      }
      if (pid < 0) {
        codes[next++] = -1;
        ++done;
        continue;
      }
      running[pid] = next++;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) break;
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    codes[it->second] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    running.erase(it);
    ++done;
    if (progress) {
      progress(StrFormat("bench learning: %zu of %zu runs done, %.0f min", done, commands.size(),
                         watch.Seconds() / 60));
    }
  }
  return codes;
}

struct RunData {
  std::vector<double> eval_steps;                      // agent-steps of each evaluation
  std::map<std::string, std::vector<double>> eval;     // "possible", "learnable", ... -> success
  std::vector<double> steps;                           // per iteration
  std::vector<double> gini;                            // per iteration
  std::map<std::string, std::vector<double>> results;  // class -> results per iteration
};

StatusOr<RunData> ReadRun(const std::string& run_dir) {
  std::ifstream in(run::MetricsFile(run_dir));
  if (!in) return Status::NotFound(run::MetricsFile(run_dir) + ": missing");
  RunData d;
  for (std::string line; std::getline(in, line);) {
    LPT_ASSIGN_OR_RETURN(const auto row, ParseFlatJsonNumbers(line));
    double step = 0;
    std::map<std::string, double> eval;
    for (const auto& [k, v] : row) {
      if (k == "charts/global_step") step = v;
      if (k.rfind("eval/success.", 0) == 0) eval[k.substr(13)] = v;
    }
    d.steps.push_back(step);
    double gini = 0;
    for (const auto& [k, v] : row) {
      if (k == "curriculum/gini_sampling") gini = v;
      if (k.rfind("curriculum/results.", 0) == 0)
        d.results[k.substr(19)].push_back(std::isfinite(v) ? v : 0);
    }
    d.gini.push_back(gini);
    if (!eval.empty()) {
      d.eval_steps.push_back(step);
      for (const auto& [k, v] : eval) d.eval[k].push_back(v);
    }
  }
  if (d.eval_steps.empty()) return Status::Internal(run_dir + ": no evaluation in its metrics");
  return d;
}

// The share of results of `cls` over iterations [begin, end) of a run.
double ClassShare(const RunData& d, const std::string& cls, size_t begin, size_t end) {
  double mine = 0, all = 0;
  for (const auto& [c, v] : d.results) {
    for (size_t i = begin; i < end && i < v.size(); ++i) {
      all += v[i];
      if (c == cls) mine += v[i];
    }
  }
  return all > 0 ? mine / all : 0.0;
}

StatusOr<Report> Run(const BenchArgs& args, const BenchContext& context) {
  LPT_ASSIGN_OR_RETURN(const int64_t seeds, args.Integer("seeds", 2, 100));
  LPT_ASSIGN_OR_RETURN(const double steps, args.Number("steps", 1e4, 1e12));
  LPT_ASSIGN_OR_RETURN(const int64_t parallel, args.Integer("parallel", 1, 256));
  LPT_ASSIGN_OR_RETURN(const int64_t evals, args.Integer("evals", 1, 100));
  LPT_ASSIGN_OR_RETURN(const int64_t episodes, args.Integer("eval-episodes", 1, 10000));
  const std::string out = args.Text("out");
  run::RunConfig config = args.config;
  config.trainer.total_timesteps = steps;
  const std::vector<std::string> classes = run::TaskClasses(config);
  const int64_t per_iteration =
      static_cast<int64_t>(config.trainer.num_steps) * config.num_envs * config.task.num_agents;
  const int64_t iterations =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(steps / per_iteration)));
  const int64_t interval = std::max<int64_t>(1, iterations / evals);
  LPT_RETURN_IF_ERROR(MakeDirs(out));
  const std::vector<std::string> arms = {"lp", "discrete_random"};
  std::vector<std::string> commands, dirs;
  for (int64_t s = 1; s <= seeds; ++s) {
    for (const std::string& arm : arms) {  // interleaved: the pair of a seed runs side by side
      const std::string dir = out + "/" + arm + "-seed" + std::to_string(s);
      LPT_RETURN_IF_ERROR(RemoveTree(dir));
      std::string cmd = Quoted(context.self) + " train --run-dir " + Quoted(dir);
      for (const std::string& kv : args.settings) cmd += " " + Quoted(kv);
      cmd += " seed=" + std::to_string(s) + " curriculum.algorithm=" + arm +
             " trainer.total_timesteps=" + FormatNumber(steps) +
             " eval.interval=" + std::to_string(interval) +
             " eval.episodes=" + std::to_string(episodes) +
             " trainer.torch_threads=1 trainer.env_threads=1 checkpoint.interval=0 > " +
             Quoted(dir + ".log") + " 2>&1";
      commands.push_back(cmd);
      dirs.push_back(dir);
    }
  }
  if (context.progress) {
    context.progress(StrFormat("bench learning: %zu runs of %s agent-steps, %lld at a time, in %s",
                               commands.size(),
                               WithThousands(static_cast<long long>(steps)).c_str(),
                               static_cast<long long>(parallel), out.c_str()));
  }
  const Stopwatch watch;
  const std::vector<int> codes = RunAll(commands, static_cast<int>(parallel), context.progress);
  const double minutes = watch.Seconds() / 60;
  for (size_t i = 0; i < codes.size(); ++i) {
    if (codes[i] != 0) {
      return Status::Internal("run " + dirs[i] + " failed (exit " + std::to_string(codes[i]) +
                              "); see " + dirs[i] + ".log");
    }
  }
  std::map<std::string, std::vector<RunData>> data;
  for (size_t i = 0; i < dirs.size(); ++i) {
    LPT_ASSIGN_OR_RETURN(RunData d, ReadRun(dirs[i]));
    data[arms[i % 2]].push_back(std::move(d));
  }

  // --- final evaluation, per arm and paired ---
  const auto finals = [&](const std::string& arm, const std::string& cls) {
    std::vector<double> v;
    for (const RunData& d : data[arm])
      v.push_back(d.eval.count(cls) ? d.eval.at(cls).back() : std::nan(""));
    return v;
  };
  const std::vector<double> lp_possible = finals("lp", "possible"),
                            dr_possible = finals("discrete_random", "possible");
  const std::vector<double> lp_learnable = finals("lp", "learnable"),
                            dr_learnable = finals("discrete_random", "learnable");
  const MeanCi a = MeanWithCi(lp_possible), b = MeanWithCi(dr_possible),
               diff = PairedDifference(lp_possible, dr_possible);
  const MeanCi la = MeanWithCi(lp_learnable), lb = MeanWithCi(dr_learnable),
               ldiff = PairedDifference(lp_learnable, dr_learnable);

  // --- where the episodes went: class shares over tenths of the run, and at the end ---
  const size_t n_iter = data["lp"].front().steps.size();
  const size_t tenth = std::max<size_t>(1, n_iter / 10);
  std::map<std::string, std::vector<std::vector<double>>> shares;  // arm -> tenth -> per class
  std::map<std::string, double> impossible_end;
  for (const std::string& arm : arms) {
    for (size_t t = 0; t < 10; ++t) {
      std::vector<double> row;
      for (const std::string& cls : classes) {
        double sum = 0;
        for (const RunData& d : data[arm])
          sum += ClassShare(d, cls, t * tenth, t == 9 ? n_iter : (t + 1) * tenth);
        row.push_back(sum / static_cast<double>(data[arm].size()));
      }
      shares[arm].push_back(row);
    }
    std::vector<double> end;
    for (const RunData& d : data[arm])
      end.push_back(ClassShare(d, "impossible", n_iter - tenth, n_iter));
    impossible_end[arm] = MeanWithCi(end).mean;
  }
  // --- the LP snapshot: Gini over tenths, and the first non-uniform snapshot ---
  std::vector<double> gini_tenths(10, 0.0), first_non_uniform;
  for (const RunData& d : data["lp"]) {
    for (size_t t = 0; t < 10; ++t) {
      double sum = 0;
      const size_t end = t == 9 ? d.gini.size() : std::min(d.gini.size(), (t + 1) * tenth);
      for (size_t i = t * tenth; i < end; ++i) sum += d.gini[i];
      gini_tenths[t] +=
          end > t * tenth ? sum / static_cast<double>(end - t * tenth) / data["lp"].size() : 0.0;
    }
    double first = std::nan("");
    for (size_t i = 0; i < d.gini.size(); ++i) {
      if (d.gini[i] > 1e-9) {
        first = d.steps[i];
        break;
      }
    }
    first_non_uniform.push_back(first);
  }
  const MeanCi first_nu = MeanWithCi(first_non_uniform);

  Report report;
  std::string& t = report.text;
  t += StrFormat(
      "bench learning: %lld paired seeds, LP vs DiscreteRandom on %s (%zu classes), %s agent-steps "
      "per run, "
      "evaluated every %lld iterations on every task (%lld episodes each); %.1f min for %zu "
      "runs\n\n",
      static_cast<long long>(seeds), config.task_set.c_str(), classes.size(),
      WithThousands(static_cast<long long>(steps)).c_str(), static_cast<long long>(interval),
      static_cast<long long>(episodes), minutes, commands.size());
  t += "final eval success (mean over tasks of the share of a room's agents that made a heart), "
       "mean [95% CI]:\n";
  t += StrFormat("  %-18s %-26s %-26s %-30s\n", "tasks", "LP", "DiscreteRandom",
                 "paired LP - random");
  const auto line = [&](const char* name, const MeanCi& x, const MeanCi& y, const MeanCi& d) {
    t += StrFormat("  %-18s %.3f [%.3f, %.3f]      %.3f [%.3f, %.3f]      %+.3f [%+.3f, %+.3f]\n",
                   name, x.mean, x.low, x.high, y.mean, y.low, y.high, d.mean, d.low, d.high);
  };
  line("possible", a, b, diff);
  line("learnable", la, lb, ldiff);
  t += "\neval success of the possible tasks over the run (mean over seeds):\n  agent-steps ";
  const RunData& first_run = data["lp"].front();
  for (double s : first_run.eval_steps)
    t += StrFormat("%10s", WithThousands(static_cast<long long>(s)).c_str());
  t += "\n";
  // One value per run of an arm: its possible tasks' success at evaluation k (NaN if missing).
  const auto at_eval = [&](const std::string& arm, size_t k) {
    std::vector<double> v;
    for (const RunData& d : data[arm]) {
      const bool has = d.eval.count("possible") && k < d.eval.at("possible").size();
      v.push_back(has ? d.eval.at("possible")[k] : std::nan(""));
    }
    return v;
  };
  for (const std::string& arm : arms) {
    t += StrFormat("  %-11s ", arm == "lp" ? "LP" : "random");
    for (size_t k = 0; k < first_run.eval_steps.size(); ++k)
      t += StrFormat("%10.3f", MeanWithCi(at_eval(arm, k)).mean);
    t += "\n";
  }
  t += "  LP - random";
  std::vector<MeanCi> diff_by_eval;
  for (size_t k = 0; k < first_run.eval_steps.size(); ++k) {
    diff_by_eval.push_back(PairedDifference(at_eval("lp", k), at_eval("discrete_random", k)));
    t += StrFormat("%+10.3f", diff_by_eval.back().mean);
  }
  t += "\n  95% CI low ";
  for (const MeanCi& m : diff_by_eval) t += StrFormat("%+10.3f", m.low);
  t += "\n  95% CI high";
  for (const MeanCi& m : diff_by_eval) t += StrFormat("%+10.3f", m.high);
  // The whole curve: each run's mean over its evaluations (the area under its curve).
  const auto curve_mean = [&](const std::string& arm) {
    std::vector<double> v;
    for (const RunData& d : data[arm]) {
      const std::vector<double>& e =
          d.eval.count("possible") ? d.eval.at("possible") : std::vector<double>{};
      double sum = 0;
      for (double x : e) sum += x;
      v.push_back(e.empty() ? std::nan("") : sum / static_cast<double>(e.size()));
    }
    return v;
  };
  const MeanCi curve_diff = PairedDifference(curve_mean("lp"), curve_mean("discrete_random"));
  t += StrFormat(
      "\n  over the whole run (each run's mean over its evaluations), paired LP - random: "
      "%+.3f [%+.3f, %+.3f]\n",
      curve_diff.mean, curve_diff.low, curve_diff.high);
  t += "\nshare of results by task class, tenth by tenth of the run (mean over seeds):\n";
  for (const std::string& arm : arms) {
    for (size_t c = 0; c < classes.size(); ++c) {
      t += StrFormat("  %-7s %-12s", arm == "lp" ? "LP" : "random", classes[c].c_str());
      for (size_t k = 0; k < 10; ++k) t += StrFormat(" %5.3f", shares[arm][k][c]);
      t += "\n";
    }
  }
  t += StrFormat("\nimpossible tasks' share in the last tenth: LP %.3f, random %.3f (ratio %.2f)\n",
                 impossible_end["lp"], impossible_end["discrete_random"],
                 impossible_end["discrete_random"] > 0
                     ? impossible_end["lp"] / impossible_end["discrete_random"]
                     : 0.0);
  t += "LP snapshot Gini by tenth:";
  for (double g : gini_tenths) t += StrFormat(" %.3f", g);
  t += StrFormat("\nfirst non-uniform LP snapshot: %s agent-steps on average (%.1f%% of the run)\n",
                 WithThousands(static_cast<long long>(first_nu.mean)).c_str(),
                 100 * first_nu.mean / steps);

  // Data for the plot, and the JSON line.
  JsonWriter d(9);
  d.BeginObject()
      .String("task_set", config.task_set)
      .Number("agent_steps", steps)
      .Key("classes")
      .BeginArray();
  for (const std::string& c : classes) d.String(c);
  d.EndArray().Key("arms").BeginObject();
  for (const std::string& arm : arms) {
    d.Key(arm).BeginObject().Key("runs").BeginArray();
    for (const RunData& r : data[arm]) {
      d.BeginObject().Key("eval_steps").BeginArray();
      for (double s : r.eval_steps) d.Number(s);
      d.EndArray();
      for (const char* cls : {"possible", "learnable"}) {
        d.Key(cls).BeginArray();
        if (r.eval.count(cls)) {
          for (double v : r.eval.at(cls)) d.Number(v);
        }
        d.EndArray();
      }
      d.EndObject();
    }
    d.EndArray().Key("shares").BeginArray();
    for (const std::vector<double>& row : shares[arm]) {
      d.BeginArray();
      for (double v : row) d.Number(v);
      d.EndArray();
    }
    d.EndArray().EndObject();
  }
  d.EndObject().EndObject();
  const std::string data_path = out + "/learning.json";
  const std::string png = out + "/learning.png";
  LPT_RETURN_IF_ERROR(WriteFileAtomically(data_path, d.text() + "\n"));
  const std::string plot = std::string(LPT_SOURCE_DIR) + "/scripts/plot_learning.py";
  const int plotted = std::system(("/usr/bin/python3 " + Quoted(plot) + " " + Quoted(data_path) +
                                   " " + Quoted(png) + " > /dev/null 2>&1")
                                      .c_str());
  t += plotted == 0
           ? "plot: " + png + "\n"
           : "plot: not drawn (scripts/plot_learning.py failed; data in " + data_path + ")\n";

  JsonWriter j(9);
  j.BeginObject()
      .String("bench", "learning")
      .Int("seeds", seeds)
      .Number("agent_steps", steps)
      .Number("lp_eval_mean", a.mean)
      .Number("random_eval_mean", b.mean)
      .Number("paired_diff_mean", diff.mean)
      .Number("paired_diff_ci_low", diff.low)
      .Number("paired_diff_ci_high", diff.high)
      .Number("lp_learnable_mean", la.mean)
      .Number("random_learnable_mean", lb.mean)
      .Number("learnable_diff_mean", ldiff.mean)
      .Number("learnable_diff_ci_low", ldiff.low)
      .Number("learnable_diff_ci_high", ldiff.high)
      .Number("curve_diff_mean", curve_diff.mean)
      .Number("curve_diff_ci_low", curve_diff.low)
      .Number("curve_diff_ci_high", curve_diff.high)
      .Number("lp_impossible_share", impossible_end["lp"])
      .Number("random_impossible_share", impossible_end["discrete_random"])
      .Number("first_non_uniform_steps", first_nu.mean)
      .Number("minutes", minutes)
      .EndObject();
  report.json = j.text();
  return report;
}

}  // namespace

Bench LearningBench() {
  Bench b;
  b.name = "learning";
  b.summary = "does LP help: paired seeds, LP vs DiscreteRandom, eval success with CIs";
  b.description =
      "Paired seeds, LP against DiscreteRandom on the run's task set (default: env.recipe=hearts, "
      "whose task set is mixed_difficulty) at "
      "equal "
      "agent-steps; every run evaluated on every task of the set at several points. Prints per arm "
      "the eval "
      "success of the possible (and learnable) tasks, mean and 95% CI, the paired differences, the "
      "share of "
      "results per task class over the run, the LP snapshot's Gini and its first non-uniform "
      "snapshot; writes "
      "OUT/learning.png. key=value settings go to every run.";
  b.options = {{"seeds", "paired seeds", "10"},
               {"steps", "agent-steps per run", "2000000"},
               {"parallel", "runs at a time (one thread each)",
                std::to_string(std::max(1u, std::thread::hardware_concurrency()))},
               {"evals", "evaluations per run", "5"},
               {"eval-episodes", "env-episodes per task and evaluation", "2"},
               {"out", "directory for the runs, the data and the plot", "runs/bench-learning"}};
  b.takes_config = true;
  b.base_settings = {"env.recipe=hearts"};  // its task set: mixed_difficulty
  b.run = Run;
  return b;
}

}  // namespace lpt::bench
