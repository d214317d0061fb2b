// lptrain inspect CKPT [--json]: what a checkpoint holds — metadata, the config, the
// parameters, the curriculum (pool, top tasks by learning progress) and every rank's envs.
// Reads the file with io/ only (no LibTorch).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cxxopts.hpp>
#include <numeric>
#include <string>

#include "common/counters.h"
#include "common/json.h"
#include "common/strings.h"
#include "io/checkpoint_file.h"
#include "trainer/cli/command_options.h"
#include "trainer/cli/commands.h"
#include "trainer/cli/exit_codes.h"
#include "trainer/run/curriculum_driver.h"

namespace lpt::cli {
namespace {

std::string ShapeText(const std::vector<int64_t>& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "x" : "") + std::to_string(s[i]);
  return out;
}

struct Param {
  std::string name;
  std::vector<int64_t> shape;
  size_t count = 0;
  double norm = 0;
};

struct TopTask {
  uint64_t id = 0;
  std::string label;
  double lp = 0, fast = 0, slow = 0;
  int64_t results = 0;
};

struct RankSummary {
  int rank = 0;
  int64_t envs = 0, agents = 0, episodes = 0, results = 0;
  double mean_step = 0;
};

struct Summary {
  std::vector<Param> params;
  size_t total_params = 0;
  int64_t adam_step = 0;
  double lr = 0;
  int64_t pool = 0, active = 0, labels = 0;
  std::vector<std::pair<std::string, int64_t>> counters;
  std::vector<TopTask> top;
  std::vector<RankSummary> ranks;
};

template <typename T>
const std::vector<T>* Find(const std::map<std::string, std::vector<T>>& m,
                           const std::string& name) {
  const auto it = m.find(name);
  return it == m.end() ? nullptr : &it->second;
}

Summary Summarize(const io::CheckpointData& d, int top_n) {
  Summary s;
  if (const auto it = d.groups.find("model"); it != d.groups.end()) {
    for (const auto& [name, v] : it->second.f32) {
      Param p{name, {static_cast<int64_t>(v.size())}, v.size(), 0};
      if (const auto* shape = Find(it->second.shapes, name)) p.shape = *shape;
      for (float x : v) p.norm += static_cast<double>(x) * x;
      p.norm = std::sqrt(p.norm);
      s.total_params += v.size();
      s.params.push_back(p);
    }
  }
  if (const auto it = d.groups.find("optimizer"); it != d.groups.end()) {
    if (const auto* steps = Find(it->second.i64, "step"); steps != nullptr && !steps->empty()) {
      s.adam_step = *std::max_element(steps->begin(), steps->end());
    }
    if (const auto* lr = Find(it->second.f64, "lr"); lr != nullptr && !lr->empty()) s.lr = (*lr)[0];
  }
  if (const auto it = d.groups.find("curriculum"); it != d.groups.end()) {
    const ArrayBundle& c = it->second;
    const auto* active = Find(c.i64, "slot_active");
    const auto* ids = Find(c.u64, "slot_task_id");
    const auto* raw = Find(c.f64, "slot_raw_score");
    const auto* fast = Find(c.f64, "slot_fast_ema");
    const auto* slow = Find(c.f64, "slot_slow_ema");
    const auto* samples = Find(c.i64, "slot_count");  // results applied to the task
    const auto* label = Find(c.i64, "slot_label");
    const auto* names = Find(c.str, "label_names");
    if (const auto* cap = Find(c.i64, "capacity"); cap != nullptr && !cap->empty())
      s.pool = (*cap)[0];
    if (names != nullptr) s.labels = static_cast<int64_t>(names->size());
    s.counters = ListCounters(c);
    const size_t n = active != nullptr ? active->size() : 0;
    const bool complete = ids && raw && fast && slow && samples && label && ids->size() == n &&
                          raw->size() == n && fast->size() == n && slow->size() == n &&
                          samples->size() == n && label->size() == n;
    std::vector<size_t> slots;
    for (size_t i = 0; complete && i < n; ++i) {
      if ((*active)[i]) slots.push_back(i);
    }
    s.active = static_cast<int64_t>(slots.size());
    std::stable_sort(slots.begin(), slots.end(),
                     [&](size_t a, size_t b) { return (*raw)[a] > (*raw)[b]; });
    for (size_t k = 0; k < slots.size() && static_cast<int>(k) < top_n; ++k) {
      const size_t i = slots[k];
      TopTask t{(*ids)[i], "", (*raw)[i], (*fast)[i], (*slow)[i], (*samples)[i]};
      const int64_t l = (*label)[i];
      if (names != nullptr && l >= 0 && l < static_cast<int64_t>(names->size()))
        t.label = (*names)[l];
      s.top.push_back(t);
    }
  }
  for (int r = 0;; ++r) {
    const std::string base = "ranks/" + std::to_string(r) + "/";
    const auto env = d.groups.find(base + "env");
    if (env == d.groups.end()) break;
    RankSummary rs;
    rs.rank = r;
    if (const auto* layout = Find(env->second.i64, "layout");
        layout != nullptr && layout->size() >= 2) {
      rs.envs = (*layout)[0];
      rs.agents = (*layout)[1];
    }
    if (const auto* steps = Find(env->second.i64, "env.step");
        steps != nullptr && !steps->empty()) {
      rs.mean_step =
          std::accumulate(steps->begin(), steps->end(), 0.0) / static_cast<double>(steps->size());
    }
    if (const auto tasks = d.groups.find(base + "tasks"); tasks != d.groups.end()) {
      run::DriverCounters c;
      if (GetCounters(tasks->second, &c).ok()) {
        rs.episodes = c.episodes;
        rs.results = c.results;
      }
    }
    s.ranks.push_back(rs);
  }
  return s;
}

void PrintJson(const std::string& path, const io::CheckpointData& d, const Summary& s) {
  JsonWriter j;
  j.BeginObject().String("file", path).Key("attributes").BeginObject();
  for (const auto& [k, v] : d.int_attrs) j.Int(k, v);
  for (const auto& [k, v] : d.text_attrs) j.String(k, v);
  j.EndObject().Key("groups").BeginArray();
  for (const auto& [g, b] : d.groups) j.String("/" + g);
  j.EndArray().Key("parameters").BeginArray();
  for (const Param& p : s.params) {
    j.BeginObject().String("name", p.name).Key("shape").BeginArray();
    for (int64_t x : p.shape) j.Int(x);
    j.EndArray().Int("count", static_cast<int64_t>(p.count)).Number("l2_norm", p.norm).EndObject();
  }
  j.EndArray().Int("total_parameters", static_cast<int64_t>(s.total_params));
  j.Key("optimizer")
      .BeginObject()
      .Int("adam_step", s.adam_step)
      .Number("learning_rate", s.lr)
      .EndObject();
  j.Key("curriculum")
      .BeginObject()
      .Int("pool_size", s.pool)
      .Int("active_tasks", s.active)
      .Int("labels", s.labels);
  for (const auto& [k, v] : s.counters) j.Int(k, v);
  j.Key("top_tasks").BeginArray();
  for (const TopTask& t : s.top) {
    j.BeginObject()
        .String("task_id", std::to_string(t.id))  // 64-bit ids do not fit a JSON number exactly
        .String("label", t.label)
        .Number("learning_progress", t.lp)
        .Number("fast_ema", t.fast)
        .Number("slow_ema", t.slow)
        .Int("results", t.results)
        .EndObject();
  }
  j.EndArray().EndObject().Key("ranks").BeginArray();
  for (const RankSummary& r : s.ranks) {
    j.BeginObject()
        .Int("rank", r.rank)
        .Int("envs", r.envs)
        .Int("agents_per_env", r.agents)
        .Number("mean_episode_step", r.mean_step)
        .Int("episodes", r.episodes)
        .Int("results", r.results)
        .EndObject();
  }
  j.EndArray().EndObject();
  std::printf("%s\n", j.text().c_str());
}

void PrintText(const std::string& path, const io::CheckpointData& d, const Summary& s,
               bool show_config) {
  std::printf("%s\n", path.c_str());
  for (const auto& [k, v] : d.text_attrs) {
    if (k != "config") std::printf("  %-16s %s\n", k.c_str(), v.c_str());
  }
  for (const auto& [k, v] : d.int_attrs)
    std::printf("  %-16s %s\n", k.c_str(), WithThousands(v).c_str());
  std::printf("  groups          ");
  for (const auto& [g, b] : d.groups) {
    if (g.rfind("ranks/", 0) != 0) std::printf(" /%s", g.c_str());
  }
  std::printf(" /ranks/0..%zu\n", s.ranks.empty() ? 0 : s.ranks.size() - 1);

  std::printf("\nparameters (%s in %zu tensors; Adam step %lld, learning rate %.3g)\n",
              WithThousands(static_cast<long long>(s.total_params)).c_str(), s.params.size(),
              static_cast<long long>(s.adam_step), s.lr);
  std::printf("  %-24s %-14s %10s %12s\n", "name", "shape", "count", "L2 norm");
  for (const Param& p : s.params) {
    std::printf("  %-24s %-14s %10zu %12.5g\n", p.name.c_str(), ShapeText(p.shape).c_str(), p.count,
                p.norm);
  }

  std::printf("\ncurriculum: pool %lld, %lld active tasks, %lld labels\n",
              static_cast<long long>(s.pool), static_cast<long long>(s.active),
              static_cast<long long>(s.labels));
  std::string line = " ";
  for (const auto& [k, v] : s.counters) line += " " + k + " " + WithThousands(v);
  std::printf("%s\n", line.c_str());
  if (!s.top.empty()) {
    std::printf("  top tasks by learning progress:\n  %-20s %9s %8s %8s %8s  %s\n", "task id", "LP",
                "fast", "slow", "results", "label");
    for (const TopTask& t : s.top) {
      std::printf("  %-20llu %9.4f %8.4f %8.4f %8lld  %s\n", static_cast<unsigned long long>(t.id),
                  t.lp, t.fast, t.slow, static_cast<long long>(t.results), t.label.c_str());
    }
  }

  std::printf("\nranks\n  %-5s %6s %8s %14s %10s %10s\n", "rank", "envs", "agents", "mean env step",
              "episodes", "results");
  for (const RankSummary& r : s.ranks) {
    std::printf("  %-5d %6lld %8lld %14.1f %10lld %10lld\n", r.rank, static_cast<long long>(r.envs),
                static_cast<long long>(r.agents), r.mean_step, static_cast<long long>(r.episodes),
                static_cast<long long>(r.results));
  }
  const auto config = d.text_attrs.find("config");
  if (show_config && config != d.text_attrs.end())
    std::printf("\nconfig\n%s", config->second.c_str());
}

}  // namespace

int RunInspect(int argc, char** argv, const CommandContext&) {
  cxxopts::Options options("lptrain inspect", "Show what a checkpoint holds.");
  options.add_options()("checkpoint", "checkpoint file (RUN_DIR/checkpoints/ckpt-<iteration>.h5)",
                        cxxopts::value<std::string>())(
      "json", "one JSON object instead of text (for scripts)")(
      "top", "tasks listed by learning progress", cxxopts::value<int>()->default_value("10"))(
      "no-config", "leave the config out of the text output");
  options.parse_positional({"checkpoint"});
  options.positional_help("CKPT");
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc, argv);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  if (!args.count("checkpoint")) {
    std::fprintf(stderr, "lptrain inspect: give a checkpoint file\n");
    return kExitUsage;
  }
  const std::string path = args["checkpoint"].as<std::string>();
  StatusOr<io::CheckpointData> data = io::ReadCheckpoint(path);
  if (!data.ok()) {
    std::fprintf(stderr, "lptrain inspect: %s\n", data.status().message().c_str());
    return kExitUsage;
  }
  const Summary s = Summarize(*data, std::max(0, args["top"].as<int>()));
  if (args.count("json")) {
    PrintJson(path, *data, s);
  } else {
    PrintText(path, *data, s, !args.count("no-config"));
  }
  return kExitOk;
}

}  // namespace lpt::cli
