// lptrain curriculum replay TRACE: feeds a trace of results to a fresh curriculum of the given
// config, recomputes once, and prints every task's statistics, raw score and sampling
// probability as JSON (17 significant digits), so an independent implementation of the same
// formulas (docs/design.md §4) can be compared with it.
//
// TRACE is a JSON file: {"results": [[task_id, score], [task_id, score, max_score], ...]} (or
// the array alone); results are applied in order, with no recompute in between. A task id is a
// number or, for ids beyond 2^53 (a sampled pool's), a string of digits.
#include <algorithm>
#include <cstdio>
#include <cxxopts.hpp>
#include <string>
#include <vector>

#include "common/files.h"
#include "common/json.h"
#include "curriculum/curriculum.h"
#include "trainer/cli/command_options.h"
#include "trainer/cli/commands.h"
#include "trainer/cli/exit_codes.h"
#include "trainer/run/tasks.h"

namespace lpt::cli {
namespace {

struct Result {
  uint64_t task_id;
  double score;
  double max_score;
};

StatusOr<std::vector<Result>> ReadTrace(const std::string& path) {
  LPT_ASSIGN_OR_RETURN(const std::string text, ReadFileText(path));
  StatusOr<JsonValue> doc = ParseJson(text);
  if (!doc.ok()) return doc.status().WithPrefix(path);
  const JsonValue* list = doc->kind == JsonValue::Kind::kArray ? &*doc : doc->Find("results");
  if (list == nullptr || list->kind != JsonValue::Kind::kArray) {
    return Status::InvalidArgument(path + ": expected {\"results\": [[task_id, score], ...]}");
  }
  std::vector<Result> out;
  for (size_t i = 0; i < list->items.size(); ++i) {
    const JsonValue& r = list->items[i];
    const Status bad = Status::InvalidArgument(path + ": results[" + std::to_string(i) +
                                               "]: not [task_id, score(, max_score)]");
    if (r.kind != JsonValue::Kind::kArray || r.items.size() < 2 || r.items.size() > 3) return bad;
    for (size_t k = 1; k < r.items.size(); ++k) {
      if (r.items[k].kind != JsonValue::Kind::kNumber) return bad;
    }
    uint64_t id = 0;
    const JsonValue& first = r.items[0];
    if (first.kind == JsonValue::Kind::kString && !first.text.empty() &&
        first.text.find_first_not_of("0123456789") == std::string::npos &&
        first.text.size() <= 20) {
      id = std::stoull(first.text);
    } else if (first.kind == JsonValue::Kind::kNumber && first.number >= 0 &&
               first.number < 9007199254740992.0 &&
               first.number == static_cast<double>(static_cast<uint64_t>(first.number))) {
      id = static_cast<uint64_t>(first.number);
    } else {
      return bad;
    }
    out.push_back({id, r.items[1].number, r.items.size() == 3 ? r.items[2].number : 1.0});
  }
  return out;
}

int RunReplay(int argc, char** argv) {
  cxxopts::Options options(
      "lptrain curriculum replay",
      "Apply a trace of (task, score) results to a fresh curriculum of the config, "
      "recompute once, and print every task's raw score and probability as JSON.");
  options.add_options()("trace", "trace file", cxxopts::value<std::string>());
  AddConfigOptions(&options);
  options.parse_positional({"trace", "overrides"});
  options.positional_help("TRACE [key=value ...]");
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc, argv);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  const auto usage = [](const std::string& message) {
    return UsageError("lptrain curriculum replay", message);
  };
  if (!args.count("trace")) return usage("give a trace file");
  StatusOr<run::RunConfig> config = ConfigFromArguments(args);
  if (!config.ok()) return usage(config.status().message());
  StatusOr<std::vector<Result>> trace = ReadTrace(args["trace"].as<std::string>());
  if (!trace.ok()) return usage(trace.status().message());
  StatusOr<std::shared_ptr<const curriculum::TaskGenerator>> gen = run::MakeTaskGenerator(*config);
  if (!gen.ok()) return usage(gen.status().message());
  curriculum::CurriculumConfig cc = config->curriculum;
  if (cc.seed == 0) cc.seed = config->seed;
  cc.perf_invalidation_batch_size = 1000000000;  // one recompute, at the end
  StatusOr<std::unique_ptr<curriculum::Curriculum>> cur = curriculum::Curriculum::Create(cc, *gen);
  if (!cur.ok()) return usage(cur.status().message());
  for (const Result& r : *trace) (*cur)->Update(r.task_id, r.score, r.max_score);
  (*cur)->Recompute();
  const curriculum::Snapshot& snap = *(*cur)->snapshot();
  JsonWriter j(17);
  j.BeginObject().Int("results", static_cast<int64_t>(trace->size())).Key("tasks").BeginArray();
  for (size_t i = 0; i < snap.size(); ++i) {
    const uint64_t id = (*snap.task_ids)[i];
    const curriculum::TaskView t = *(*cur)->Task(id);
    j.BeginObject()
        .String("task_id", std::to_string(id))  // 64-bit ids do not fit a JSON number exactly
        .String("label", t.label)
        .Int("results", t.count)
        .Number("fast", t.fast)
        .Number("slow", t.slow)
        .Number("p_true", t.p_true)
        .Number("raw_score", t.raw_score)
        .Number("in_play", t.in_play)
        .Number("probability", snap.probabilities[i])
        .EndObject();
  }
  j.EndArray().EndObject();
  std::printf("%s\n", j.text().c_str());
  return kExitOk;
}

}  // namespace

int RunCurriculum(int argc, char** argv, const CommandContext&) {
  const std::string what = argc >= 2 ? argv[1] : "";
  if (what == "replay") return RunReplay(argc - 1, argv + 1);
  std::fprintf(what == "-h" || what == "--help" ? stdout : stderr,
               "usage: lptrain curriculum replay TRACE [--config FILE] [key=value ...]\n");
  return what == "-h" || what == "--help" ? kExitOk : kExitUsage;
}

}  // namespace lpt::cli
