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

int RunTrainCommand(int argc, char** argv, const distributed::WorldInfo& world) {
  cxxopts::Options options("lptrain train", "Train agents with PPO on the arena, the curriculum in the loop.");
  options.add_options()
      ("config", "YAML config file (keys as in `lptrain config`)", cxxopts::value<std::string>())
      ("run-dir", "run directory (default runs/<run>, or runs/<date-time>)", cxxopts::value<std::string>())
      ("max-seconds", "stop after this much wall time (0: no limit)", cxxopts::value<double>()->default_value("0"))
      ("overrides", "key=value settings, after the file", cxxopts::value<std::vector<std::string>>())
      ("h,help", "show this help");
  options.parse_positional({"overrides"});
  options.positional_help("[key=value ...]");
  const cxxopts::ParseResult args = options.parse(argc, argv);
  if (args.count("help")) {
    std::fputs(options.help().c_str(), stdout);
    return kExitOk;
  }
  // Every rank parses the same arguments, so every rank reaches the same verdict on them.
  StatusOr<RunConfig> config = ConfigFromArguments(args);
  if (!config.ok()) {
    if (world.rank == 0) std::fprintf(stderr, "lptrain train: %s\n", config.status().message().c_str());
    return kExitUsage;
  }
  distributed::Control control(world);
  const bool root = world.rank == 0;
  const std::string prefix = world.size > 1 ? "[rank " + std::to_string(world.rank) + "] " : "";
  // After this point a failure on one rank ends the whole job (no rank left waiting).
  const auto fail = [&](int code, const std::string& message) {
    if (world.size > 1) distributed::AbortWorld(code, prefix + "lptrain train: " + message);
    std::fprintf(stderr, "lptrain train: %s\n", message.c_str());
    return code;
  };
  std::string run_dir = args.count("run-dir") ? args["run-dir"].as<std::string>()
                                              : "runs/" + (config->run.empty() ? DefaultRunName() : config->run);
  // Rank 0 owns the run directory; the others learn its verdict.
  std::vector<uint8_t> verdict = {0};
  if (root) {
    if (Exists(run_dir + "/metrics.jsonl")) {
      std::fprintf(stderr,
                   "lptrain train: %s already holds a run (metrics.jsonl); choose another --run-dir "
                   "(nothing was changed)\n",
                   run_dir.c_str());
      verdict[0] = kExitUsage;
    } else {
      Status st = MakeDirs(run_dir);
      std::ofstream yaml;
      if (st.ok()) {
        yaml.open(run_dir + "/config.yaml");
        yaml << ToYaml(*config);
        if (!yaml) st = Status::IoError(run_dir + "/config.yaml: cannot write");
      }
      if (!st.ok()) {
        std::fprintf(stderr, "lptrain train: run directory: %s\n", st.message().c_str());
        verdict[0] = kExitRuntimeError;
      }
    }
  }
  if (!control.BroadcastBytes(&verdict).ok()) return fail(kExitRuntimeError, "could not agree on the run directory");
  if (verdict[0] != 0) return verdict[0];

  InstallStopHandlers();
  TrainOptions opts;
  opts.run_dir = run_dir;
  opts.control = &control;
  opts.max_seconds = args["max-seconds"].as<double>();
  StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(*config, opts);
  if (!trainer.ok()) {
    const bool usage = trainer.status().code() == StatusCode::kInvalidArgument ||
                       trainer.status().code() == StatusCode::kFailedPrecondition;
    return fail(usage ? kExitUsage : kExitRuntimeError, trainer.status().message());
  }
  if (root) {
    std::printf("lptrain train: run directory %s\n  %s\n", run_dir.c_str(), (*trainer)->Describe().c_str());
    std::fflush(stdout);
  }
  StatusOr<TrainResult> result = (*trainer)->Run();
  if (!result.ok()) return fail(kExitRuntimeError, result.status().message());
  if (world.size > 1) {
    std::printf("%sparameter checksum %.17g\n", prefix.c_str(), (*trainer)->ParameterChecksum());
  }
  if (!root) return kExitOk;
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
