// lptrain bench NAME [options]: runs one bench of the harness's table and prints its report
// (with --json, one JSON object as the last line).
#include <cstdio>
#include <cxxopts.hpp>
#include <string>
#include <vector>

#include "trainer/bench/harness.h"
#include "trainer/cli/command_options.h"
#include "trainer/cli/commands.h"
#include "trainer/cli/exit_codes.h"

namespace lpt::cli {

int RunBench(int argc, char** argv, const CommandContext& context) {
  const std::string name = argc >= 2 ? argv[1] : "";
  const bench::Bench* b = bench::FindBench(name);
  if (b == nullptr) {
    std::string known;
    for (const bench::Bench& x : bench::Benches()) known += (known.empty() ? "" : ", ") + x.name;
    if (name.empty() || name == "-h" || name == "--help") {
      std::printf("usage: lptrain bench NAME [options]; NAME is one of: %s\n", known.c_str());
      return name.empty() ? kExitUsage : kExitOk;
    }
    std::fprintf(stderr, "lptrain bench: unknown benchmark '%s' (known: %s)\n", name.c_str(),
                 known.c_str());
    return kExitUsage;
  }
  const std::string command = "lptrain bench " + b->name;
  cxxopts::Options options(command, b->description);
  for (const bench::BenchOption& o : b->options) {
    if (o.flag) {
      options.add_options()(o.name, o.help);
    } else {
      options.add_options()(o.name, o.help,
                            cxxopts::value<std::string>()->default_value(o.default_value));
    }
  }
  options.add_options()("json", "print one JSON object as the last line");
  if (b->takes_config) {
    AddConfigOptions(&options);
  } else if (b->takes_settings) {
    options.add_options()("overrides", "key=value settings",
                          cxxopts::value<std::vector<std::string>>());
    options.parse_positional({"overrides"});
    options.positional_help("[key=value ...]");
  }
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc - 1, argv + 1);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  if (!b->takes_config && !b->takes_settings && !NoStrayArguments(args, command.c_str()))
    return kExitUsage;

  bench::BenchArgs bench_args;
  for (const bench::BenchOption& o : b->options) {
    if (o.flag) {
      if (args.count(o.name)) bench_args.flags.insert(o.name);
    } else {
      bench_args.values[o.name] = args[o.name].as<std::string>();
    }
  }
  if (b->takes_config) {
    run::ConfigBuilder builder;
    Status set = Status::Ok();
    for (const std::string& kv : b->base_settings) {
      if (set.ok()) set = builder.SetArgument(kv);
    }
    if (set.ok()) set = ApplyConfigArguments(args, &builder);
    StatusOr<run::RunConfig> config = set.ok() ? builder.Resolve() : StatusOr<run::RunConfig>(set);
    if (!config.ok()) {
      std::fprintf(stderr, "%s: %s\n", command.c_str(), config.status().message().c_str());
      return kExitUsage;
    }
    bench_args.config = *config;
  }
  bench_args.settings = b->base_settings;
  if ((b->takes_config || b->takes_settings) && args.count("overrides")) {
    for (const std::string& kv : args["overrides"].as<std::vector<std::string>>())
      bench_args.settings.push_back(kv);
  }
  bench::BenchContext bench_context;
  bench_context.world = context.world;
  bench_context.self = context.self;
  bench_context.progress = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  const StatusOr<bench::Report> report = b->run(bench_args, bench_context);
  if (!report.ok()) {
    std::fprintf(stderr, "%s: %s\n", command.c_str(), report.status().message().c_str());
    return report.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitRuntimeError;
  }
  std::fputs(report->text.c_str(), stdout);
  if (args.count("json") && !report->json.empty()) std::printf("%s\n", report->json.c_str());
  return kExitOk;
}

}  // namespace lpt::cli
