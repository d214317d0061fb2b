// lptrain train: one training run (DESIGN.md §8).
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>

#include <cxxopts.hpp>

#include "trainer/commands.h"
#include "trainer/config.h"
#include "trainer/exit_codes.h"
#include "trainer/signals.h"
#include "trainer/trainer.h"

namespace lpt {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// mkdir -p.
Status MakeDirs(const std::string& path) {
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    partial = path.substr(0, pos);
    if (partial.empty() || Exists(partial)) continue;
    if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::IoError(partial + ": " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

std::string DefaultRunName() {
  char buf[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", std::localtime(&now));
  return buf;
}

}  // namespace

// Reads --config and key=value arguments into a RunConfig; prints the error and returns
// nullopt-like (a non-OK status) on bad input.
StatusOr<RunConfig> ConfigFromArguments(const cxxopts::ParseResult& args) {
  ConfigBuilder builder;
  if (args.count("config")) LPT_RETURN_IF_ERROR(builder.LoadYaml(args["config"].as<std::string>()));
  if (args.count("overrides")) {
    for (const std::string& kv : args["overrides"].as<std::vector<std::string>>()) {
      LPT_RETURN_IF_ERROR(builder.SetArgument(kv));
    }
  }
  return builder.Resolve();
}

int RunTrainCommand(int argc, char** argv) {
  cxxopts::Options options("lptrain train", "Train agents with PPO on the arena, the curriculum in the loop.");
  options.add_options()
      ("config", "YAML config file (keys as in `lptrain config`)", cxxopts::value<std::string>())
      ("run-dir", "run directory (default runs/<run>, or runs/<date-time>)", cxxopts::value<std::string>())
      ("overrides", "key=value settings, after the file", cxxopts::value<std::vector<std::string>>())
      ("h,help", "show this help");
  options.parse_positional({"overrides"});
  options.positional_help("[key=value ...]");
  const cxxopts::ParseResult args = options.parse(argc, argv);
  if (args.count("help")) {
    std::fputs(options.help().c_str(), stdout);
    return kExitOk;
  }
  StatusOr<RunConfig> config = ConfigFromArguments(args);
  if (!config.ok()) {
    std::fprintf(stderr, "lptrain train: %s\n", config.status().message().c_str());
    return kExitUsage;
  }
  std::string run_dir = args.count("run-dir") ? args["run-dir"].as<std::string>()
                                              : "runs/" + (config->run.empty() ? DefaultRunName() : config->run);
  if (Exists(run_dir + "/metrics.jsonl")) {
    std::fprintf(stderr,
                 "lptrain train: %s already holds a run (metrics.jsonl); choose another --run-dir "
                 "(nothing was changed)\n",
                 run_dir.c_str());
    return kExitUsage;
  }
  Status st = MakeDirs(run_dir);
  if (!st.ok()) {
    std::fprintf(stderr, "lptrain train: run directory: %s\n", st.message().c_str());
    return kExitRuntimeError;
  }
  {
    std::ofstream yaml(run_dir + "/config.yaml");
    yaml << ToYaml(*config);
    if (!yaml) {
      std::fprintf(stderr, "lptrain train: %s/config.yaml: cannot write\n", run_dir.c_str());
      return kExitRuntimeError;
    }
  }
  InstallStopHandlers();
  TrainOptions opts;
  opts.run_dir = run_dir;
  StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(*config, opts);
  if (!trainer.ok()) {
    std::fprintf(stderr, "lptrain train: %s\n", trainer.status().message().c_str());
    return trainer.status().code() == StatusCode::kInvalidArgument ||
                   trainer.status().code() == StatusCode::kFailedPrecondition
               ? kExitUsage
               : kExitRuntimeError;
  }
  std::printf("lptrain train: run directory %s\n  %s\n", run_dir.c_str(), (*trainer)->Describe().c_str());
  std::fflush(stdout);
  StatusOr<TrainResult> result = (*trainer)->Run();
  if (!result.ok()) {
    std::fprintf(stderr, "lptrain train: %s\n", result.status().message().c_str());
    return kExitRuntimeError;
  }
  if (result->stop_signal != 0) {
    std::printf("lptrain train: stopped by signal %d after %lld iterations (%lld agent-steps); metrics in %s\n",
                result->stop_signal, static_cast<long long>(result->iterations),
                static_cast<long long>(result->global_step), run_dir.c_str());
    return kExitOk;
  }
  std::printf("lptrain train: done, %lld iterations, %lld agent-steps; metrics in %s/metrics.jsonl\n",
              static_cast<long long>(result->iterations), static_cast<long long>(result->global_step),
              run_dir.c_str());
  return kExitOk;
}

}  // namespace lpt
