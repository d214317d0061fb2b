// lptrain train: one training run (docs/design.md §8), fresh or resumed from a checkpoint.
// Rank 0 owns the run directory and decides the plan (resume.h); every rank then runs the
// config exactly as written to config.yaml.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cxxopts.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/blas_info.h"
#include "common/clock.h"
#include "trainer/cli/command_options.h"
#include "trainer/cli/commands.h"
#include "trainer/cli/exit_codes.h"
#include "trainer/cli/progress.h"
#include "trainer/cli/resume.h"
#include "trainer/cli/signals.h"
#include "trainer/run/config.h"
#include "trainer/trainer.h"
#include "trainer/trainer_state.h"

namespace lpt::cli {
namespace {

// The run name given by the arguments ("" when none, or when they do not resolve: the error
// is reported later, by the plan).
std::string RunNameOf(const cxxopts::ParseResult& args) {
  run::ConfigBuilder builder;
  if (!ApplyConfigArguments(args, &builder).ok()) return "";
  StatusOr<run::RunConfig> config = builder.Resolve();
  return config.ok() ? config->run : "";
}

// What a run tells the console: progress lines on stdout (rank 0), warnings and notes on
// stderr (prefixed with the rank in a job of several).
trainer::TrainSink ConsoleSink(const distributed::WorldInfo& world) {
  const std::string prefix = world.size > 1 ? "[rank " + std::to_string(world.rank) + "] " : "";
  trainer::TrainSink sink;
  const bool tty = isatty(STDOUT_FILENO) != 0;
  auto quarters = std::make_shared<HeartsByQuarter>();
  sink.progress = [tty, quarters](const trainer::Progress& p) {
    const ProgressPoint at{p.iteration, p.planned_iterations, p.agent_steps, p.planned_agent_steps};
    quarters->Add(at, *p.row);
    std::printf("%s  %s\n", ProgressLine(at, *p.row, tty).c_str(), quarters->Line().c_str());
    if (p.iteration == p.planned_iterations && !quarters->Summary().empty()) {
      std::printf("%s\n", quarters->Summary().c_str());
    }
    std::fflush(stdout);
  };
  sink.warning = [prefix](const std::string& message) {
    std::fprintf(stderr, "%slptrain: warning: %s\n", prefix.c_str(), message.c_str());
  };
  sink.log = [prefix](const std::string& line) {
    std::fprintf(stderr, "%s%s\n", prefix.c_str(), line.c_str());
  };
  return sink;
}

}  // namespace

int RunTrain(int argc, char** argv, const CommandContext& context) {
  const distributed::WorldInfo& world = context.world;
  cxxopts::Options options("lptrain train",
                           "Train agents with PPO on the arena, the curriculum in the loop.");
  options.add_options()("run-dir", "run directory (default runs/<run>, or runs/<date-time>)",
                        cxxopts::value<std::string>())(
      "resume",
      "auto: the newest good checkpoint in the run directory (fresh if it has none); none: a new "
      "run; or a checkpoint file. On resume the saved config applies, then --config, then "
      "key=value",
      cxxopts::value<std::string>()->default_value("none"))(
      "max-seconds", "stop (with a checkpoint) after this much wall time (0: no limit)",
      cxxopts::value<double>()->default_value("0"))(
      "max-iterations", "stop (with a checkpoint) after this iteration of the run (0: no limit)",
      cxxopts::value<int64_t>()->default_value("0"));
  AddConfigOptions(&options);
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc, argv);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  const bool root = world.rank == 0;
  const std::string resume = args["resume"].as<std::string>();
  const int64_t max_iterations = args["max-iterations"].as<int64_t>();
  // Every rank checks the arguments alone, so every rank reaches the same verdict on them.
  const auto usage = [&](const std::string& message) {
    if (root) std::fprintf(stderr, "lptrain train: %s\n", message.c_str());
    return kExitUsage;
  };
  if (resume.empty()) return usage("--resume: give auto, none or a checkpoint file");
  if (max_iterations < 0)
    return usage("--max-iterations: " + std::to_string(max_iterations) + " is negative");
  if (StatusOr<run::RunConfig> config = ConfigFromArguments(args); !config.ok()) {
    return usage(config.status().message());
  } else {
    // From here on no collective waits forever (the same arguments on every rank).
    distributed::SetCollectiveTimeout(config->distributed.timeout_seconds);
  }
  distributed::Control control(world);
  const std::string prefix = world.size > 1 ? "[rank " + std::to_string(world.rank) + "] " : "";
  // After this point a failure on one rank ends the whole job (no rank left waiting).
  const auto fail = [&](int code, const std::string& message) {
    if (world.size > 1) distributed::AbortWorld(code, prefix + "lptrain train: " + message);
    std::fprintf(stderr, "lptrain train: %s\n", message.c_str());
    return code;
  };
  std::string run_dir = args.count("run-dir")
                            ? args["run-dir"].as<std::string>()
                            : DefaultRunDir(resume, RunNameOf(args), LocalTimestampName());
  if (world.size > 1) {
    // Rank 0's default (a date-time name) is the job's.
    std::vector<uint8_t> bytes(run_dir.begin(), run_dir.end());
    if (!control.BroadcastBytes(&bytes).ok())
      return fail(kExitRuntimeError, "could not agree on the run directory");
    run_dir.assign(bytes.begin(), bytes.end());
  }

  // Rank 0 owns the run directory and the checkpoint; the others learn its verdict and config.
  int verdict_code = kExitOk;
  ResumePlan plan;
  if (root) {
    const auto say = [](const std::vector<std::string>& notes) {
      for (const std::string& n : notes) std::fprintf(stderr, "lptrain train: %s\n", n.c_str());
    };
    ResumeRequest request;
    request.mode = resume;
    request.run_dir = run_dir;
    request.user_settings = [&](run::ConfigBuilder* b) { return ApplyConfigArguments(args, b); };
    request.check = [&](const io::CheckpointData& data, const run::RunConfig& config) {
      return trainer::CheckCheckpoint(data, config, world.size);
    };
    Status st = CheckRunDirectory(run_dir, resume);
    StatusOr<ResumePlan> planned = st.ok() ? PlanResume(request) : StatusOr<ResumePlan>(st);
    if (!planned.ok()) {
      std::fprintf(stderr, "lptrain train: %s\n", planned.status().message().c_str());
      verdict_code = kExitUsage;
    } else {
      plan = std::move(planned).value();
      say(plan.notes);
      StatusOr<std::vector<std::string>> prepared = PrepareRunDirectory(run_dir, plan);
      if (!prepared.ok()) {
        std::fprintf(stderr, "lptrain train: run directory: %s\n",
                     prepared.status().message().c_str());
        verdict_code = kExitRuntimeError;
      } else {
        say(*prepared);
      }
    }
  }
  std::vector<uint8_t> verdict = {static_cast<uint8_t>(verdict_code)};
  if (!control.BroadcastBytes(&verdict).ok())
    return fail(kExitRuntimeError, "could not agree on the run directory");
  if (verdict[0] != 0) return verdict[0];
  std::vector<uint8_t> flags = {static_cast<uint8_t>(plan.checkpoint != nullptr)};
  std::vector<uint8_t> yaml(plan.config_yaml.begin(), plan.config_yaml.end());
  if (!control.BroadcastBytes(&flags).ok() || !control.BroadcastBytes(&yaml).ok()) {
    return fail(kExitRuntimeError, "could not share the config");
  }
  // Every rank (rank 0 too) runs the config exactly as written to config.yaml.
  run::ConfigBuilder builder;
  Status st = builder.LoadYamlText(std::string(yaml.begin(), yaml.end()), run_dir + "/config.yaml");
  StatusOr<run::RunConfig> config = st.ok() ? builder.Resolve() : StatusOr<run::RunConfig>(st);
  if (!config.ok())
    return fail(kExitRuntimeError,
                "the resolved config does not read back: " + config.status().message());
  distributed::SetCollectiveTimeout(config->distributed.timeout_seconds);

  trainer::TrainOptions opts;
  opts.run_dir = run_dir;
  opts.control = &control;
  opts.max_seconds = args["max-seconds"].as<double>();
  if (max_iterations > 0) opts.max_iterations = max_iterations;
  opts.resume = flags[0] != 0;
  opts.checkpoint = plan.checkpoint;
  opts.stop_requested = StopSignal;
  opts.utc_now = UtcTimestamp;
  opts.sink = ConsoleSink(world);
  StatusOr<std::unique_ptr<trainer::Trainer>> trainer = trainer::Trainer::Create(*config, opts);
  if (!trainer.ok()) {
    const bool bad_input = trainer.status().code() == StatusCode::kInvalidArgument ||
                           trainer.status().code() == StatusCode::kFailedPrecondition;
    return fail(bad_input ? kExitUsage : kExitRuntimeError, trainer.status().message());
  }
  if (root) {
    const BlasInfo blas = LoadedBlas();
    if (blas.reference) {
      std::fprintf(
          stderr,
          "lptrain train: WARNING: matrix products run on the reference BLAS (%s), about 3x slower "
          "than OpenBLAS; install libopenblas0-openmp (scripts/setup.sh does)\n",
          blas.path.c_str());
    }
    std::printf("lptrain train: run directory %s\n", run_dir.c_str());
    if (opts.resume) {
      std::printf("  resumed from %s (iteration %lld)\n", plan.path.c_str(),
                  static_cast<long long>((*trainer)->iteration()));
    }
    std::printf("  %s\n", (*trainer)->Describe().c_str());
    std::fflush(stdout);
  }
  StatusOr<trainer::TrainResult> result = (*trainer)->Run();
  if (!result.ok()) return fail(kExitRuntimeError, result.status().message());
  if (world.size > 1)
    std::printf("%sparameter checksum %.17g\n", prefix.c_str(), (*trainer)->ParameterChecksum());
  // SIGINT (Ctrl-C) ends an interactive run: done. SIGTERM/SIGUSR1 (a scheduler's warning):
  // exit 3 on every rank so the batch script requeues the job.
  const bool requeue = result->stop_signal != 0 && result->stop_signal != SIGINT;
  if (!root) return requeue ? kExitStopped : kExitOk;
  if (result->stop_signal != 0) {
    std::printf(
        "lptrain train: stopped by signal %d after %lld iterations (%lld agent-steps); checkpoint "
        "%s\n",
        result->stop_signal, static_cast<long long>(result->iterations),
        static_cast<long long>(result->global_step), result->checkpoint.c_str());
    return requeue ? kExitStopped : kExitOk;
  }
  if (result->checkpoint.empty()) result->checkpoint = plan.path + " (resumed; nothing left to do)";
  std::printf(
      "lptrain train: done, %lld iterations, %lld agent-steps; metrics in %s/metrics.jsonl, "
      "checkpoint %s\n",
      static_cast<long long>(result->iterations), static_cast<long long>(result->global_step),
      run_dir.c_str(), result->checkpoint.c_str());
  return kExitOk;
}

}  // namespace lpt::cli
