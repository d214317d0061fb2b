// lptrain inspect CKPT [--json]: what a checkpoint holds — metadata, the config, the
// parameters, the curriculum (pool, top tasks by learning progress) and every rank's envs.
// Reads the file with io/ only (no LibTorch).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>

#include <cxxopts.hpp>

#include "common/strings.h"
#include "io/checkpoint_file.h"
#include "trainer/command_options.h"
#include "trainer/commands.h"
#include "trainer/exit_codes.h"

namespace lpt {
namespace {

// A minimal JSON writer (keys and strings escaped; non-finite numbers as null).
class Json {
 public:
  std::string out;
  void Key(const std::string& k) {
    Comma();
    out += Quote(k) + ":";
    fresh_ = true;
  }
  void Num(const std::string& key, double v) {
    Key(key);
    Num(v);
  }
  void Str(const std::string& key, const std::string& s) {
    Key(key);
    Str(s);
  }
  void Str(const std::string& s) {
    Comma();
    out += Quote(s);
  }
  void Num(double v) {
    Comma();
    char buf[32];
    if (std::isfinite(v)) {
      std::snprintf(buf, sizeof(buf), "%.17g", v);
      out += buf;
    } else {
      out += "null";
    }
  }
  void Open(char c) {
    Comma();
    out += c;
    fresh_ = true;
  }
  void Close(char c) {
    out += c;
    fresh_ = false;
  }

 private:
  void Comma() {
    if (!fresh_ && !out.empty()) out += ",";
    fresh_ = false;
  }
  static std::string Quote(const std::string& s) {
    std::string q = "\"";
    for (unsigned char ch : s) {
      if (ch == '"' || ch == '\\') {
        q += '\\';
        q += static_cast<char>(ch);
      } else if (ch == '\n') {
        q += "\\n";
      } else if (ch < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", ch);
        q += buf;
      } else {
        q += static_cast<char>(ch);
      }
    }
    return q + "\"";
  }
  bool fresh_ = true;
};

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
const std::vector<T>* Find(const std::map<std::string, std::vector<T>>& m, const std::string& name) {
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
    if (const auto* cap = Find(c.i64, "capacity"); cap != nullptr && !cap->empty()) s.pool = (*cap)[0];
    if (names != nullptr) s.labels = static_cast<int64_t>(names->size());
    if (const auto* counters = Find(c.i64, "counters"); counters != nullptr && counters->size() == 8) {
      const char* keys[] = {"updates", "stale_results", "invalidations", "cache_hits", "cache_misses",
                            "created", "evicted", "since_recompute"};
      for (int k = 0; k < 8; ++k) s.counters.emplace_back(keys[k], (*counters)[k]);
    }
    const size_t n = active != nullptr ? active->size() : 0;
    const bool complete = ids && raw && fast && slow && samples && label && ids->size() == n && raw->size() == n &&
                          fast->size() == n && slow->size() == n && samples->size() == n && label->size() == n;
    std::vector<size_t> slots;
    for (size_t i = 0; complete && i < n; ++i) {
      if ((*active)[i]) slots.push_back(i);
    }
    s.active = static_cast<int64_t>(slots.size());
    std::stable_sort(slots.begin(), slots.end(), [&](size_t a, size_t b) { return (*raw)[a] > (*raw)[b]; });
    for (size_t k = 0; k < slots.size() && static_cast<int>(k) < top_n; ++k) {
      const size_t i = slots[k];
      TopTask t{(*ids)[i], "", (*raw)[i], (*fast)[i], (*slow)[i], (*samples)[i]};
      const int64_t l = (*label)[i];
      if (names != nullptr && l >= 0 && l < static_cast<int64_t>(names->size())) t.label = (*names)[l];
      s.top.push_back(t);
    }
  }
  for (int r = 0;; ++r) {
    const std::string base = "ranks/" + std::to_string(r) + "/";
    const auto env = d.groups.find(base + "env");
    if (env == d.groups.end()) break;
    RankSummary rs;
    rs.rank = r;
    if (const auto* layout = Find(env->second.i64, "layout"); layout != nullptr && layout->size() >= 2) {
      rs.envs = (*layout)[0];
      rs.agents = (*layout)[1];
    }
    if (const auto* steps = Find(env->second.i64, "env.step"); steps != nullptr && !steps->empty()) {
      rs.mean_step = std::accumulate(steps->begin(), steps->end(), 0.0) / static_cast<double>(steps->size());
    }
    if (const auto tasks = d.groups.find(base + "tasks"); tasks != d.groups.end()) {
      if (const auto* c = Find(tasks->second.i64, "counters"); c != nullptr && c->size() >= 2) {
        rs.episodes = (*c)[0];
        rs.results = (*c)[1];
      }
    }
    s.ranks.push_back(rs);
  }
  return s;
}

void PrintJson(const std::string& path, const io::CheckpointData& d, const Summary& s) {
  Json j;
  j.Open('{');
  j.Str("file", path);
  j.Key("attributes");
  j.Open('{');
  for (const auto& [k, v] : d.int_attrs) {
    j.Num(k, static_cast<double>(v));
  }
  for (const auto& [k, v] : d.text_attrs) {
    j.Str(k, v);
  }
  j.Close('}');
  j.Key("groups");
  j.Open('[');
  for (const auto& [g, b] : d.groups) j.Str("/" + g);
  j.Close(']');
  j.Key("parameters");
  j.Open('[');
  for (const Param& p : s.params) {
    j.Open('{');
    j.Str("name", p.name);
    j.Key("shape");
    j.Open('[');
    for (int64_t x : p.shape) j.Num(static_cast<double>(x));
    j.Close(']');
    j.Num("count", static_cast<double>(p.count));
    j.Num("l2_norm", p.norm);
    j.Close('}');
  }
  j.Close(']');
  j.Num("total_parameters", static_cast<double>(s.total_params));
  j.Key("optimizer");
  j.Open('{');
  j.Num("adam_step", static_cast<double>(s.adam_step));
  j.Num("learning_rate", s.lr);
  j.Close('}');
  j.Key("curriculum");
  j.Open('{');
  j.Num("pool_size", static_cast<double>(s.pool));
  j.Num("active_tasks", static_cast<double>(s.active));
  j.Num("labels", static_cast<double>(s.labels));
  for (const auto& [k, v] : s.counters) {
    j.Num(k, static_cast<double>(v));
  }
  j.Key("top_tasks");
  j.Open('[');
  for (const TopTask& t : s.top) {
    j.Open('{');
    j.Str("task_id", std::to_string(t.id));  // 64-bit ids do not fit a JSON number exactly
    j.Str("label", t.label);
    j.Num("learning_progress", t.lp);
    j.Num("fast_ema", t.fast);
    j.Num("slow_ema", t.slow);
    j.Num("results", static_cast<double>(t.results));
    j.Close('}');
  }
  j.Close(']');
  j.Close('}');
  j.Key("ranks");
  j.Open('[');
  for (const RankSummary& r : s.ranks) {
    j.Open('{');
    j.Num("rank", r.rank);
    j.Num("envs", static_cast<double>(r.envs));
    j.Num("agents_per_env", static_cast<double>(r.agents));
    j.Num("mean_episode_step", r.mean_step);
    j.Num("episodes", static_cast<double>(r.episodes));
    j.Num("results", static_cast<double>(r.results));
    j.Close('}');
  }
  j.Close(']');
  j.Close('}');
  std::printf("%s\n", j.out.c_str());
}

void PrintText(const std::string& path, const io::CheckpointData& d, const Summary& s, bool show_config) {
  std::printf("%s\n", path.c_str());
  for (const auto& [k, v] : d.text_attrs) {
    if (k != "config") std::printf("  %-16s %s\n", k.c_str(), v.c_str());
  }
  for (const auto& [k, v] : d.int_attrs) std::printf("  %-16s %s\n", k.c_str(), WithThousands(v).c_str());
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
    std::printf("  %-24s %-14s %10zu %12.5g\n", p.name.c_str(), ShapeText(p.shape).c_str(), p.count, p.norm);
  }

  std::printf("\ncurriculum: pool %lld, %lld active tasks, %lld labels\n", static_cast<long long>(s.pool),
              static_cast<long long>(s.active), static_cast<long long>(s.labels));
  std::string line = " ";
  for (const auto& [k, v] : s.counters) line += " " + k + " " + WithThousands(v);
  std::printf("%s\n", line.c_str());
  if (!s.top.empty()) {
    std::printf("  top tasks by learning progress:\n  %-20s %9s %8s %8s %8s  %s\n", "task id", "LP", "fast", "slow",
                "results", "label");
    for (const TopTask& t : s.top) {
      std::printf("  %-20llu %9.4f %8.4f %8.4f %8lld  %s\n", static_cast<unsigned long long>(t.id), t.lp, t.fast,
                  t.slow, static_cast<long long>(t.results), t.label.c_str());
    }
  }

  std::printf("\nranks\n  %-5s %6s %8s %14s %10s %10s\n", "rank", "envs", "agents", "mean env step", "episodes",
              "results");
  for (const RankSummary& r : s.ranks) {
    std::printf("  %-5d %6lld %8lld %14.1f %10lld %10lld\n", r.rank, static_cast<long long>(r.envs),
                static_cast<long long>(r.agents), r.mean_step, static_cast<long long>(r.episodes),
                static_cast<long long>(r.results));
  }
  const auto config = d.text_attrs.find("config");
  if (show_config && config != d.text_attrs.end()) std::printf("\nconfig\n%s", config->second.c_str());
}

}  // namespace

int RunInspectCommand(int argc, char** argv) {
  cxxopts::Options options("lptrain inspect", "Show what a checkpoint holds.");
  options.add_options()
      ("checkpoint", "checkpoint file (RUN_DIR/checkpoints/ckpt-<iteration>.h5)", cxxopts::value<std::string>())
      ("json", "one JSON object instead of text (for scripts)")
      ("top", "tasks listed by learning progress", cxxopts::value<int>()->default_value("10"))
      ("no-config", "leave the config out of the text output");
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

}  // namespace lpt
