// lptrain train: one training run (DESIGN.md §8), fresh or resumed from a checkpoint.
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <cerrno>
#include <memory>
#include <string>

#include <cxxopts.hpp>

#include "common/files.h"
#include "common/strings.h"
#include "io/checkpoint_file.h"
#include "trainer/command_options.h"
#include "trainer/commands.h"
#include "trainer/config.h"
#include "trainer/exit_codes.h"
#include "trainer/signals.h"
#include "trainer/trainer.h"

namespace lpt {
namespace {

std::string DefaultRunName() {
  char buf[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", std::localtime(&now));
  return buf;
}

// The directory part of path ("." for a bare name).
std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool SameDirectory(const std::string& a, const std::string& b) {
  char ra[PATH_MAX], rb[PATH_MAX];
  return ::realpath(a.c_str(), ra) != nullptr && ::realpath(b.c_str(), rb) != nullptr && std::strcmp(ra, rb) == 0;
}

// The settings that give the model its shape: a resumed run keeps them.
struct ShapeKey {
  const char* key;
  int (*get)(const RunConfig&);
};
constexpr ShapeKey kShapeKeys[] = {
    {"trainer.hidden_size", [](const RunConfig& c) { return c.trainer.hidden_size; }},
    {"trainer.conv_channels", [](const RunConfig& c) { return c.trainer.conv_channels; }},
    {"trainer.use_lstm", [](const RunConfig& c) { return static_cast<int>(c.trainer.use_lstm); }},
};

struct ResumePlan {
  int exit_code = 0;  // non-zero: stop with this code (the message was printed)
  std::shared_ptr<const io::CheckpointData> checkpoint;
  std::string path;
  std::string config_yaml;  // the resolved config the run uses
};

// Rank 0: what to resume from. Config precedence on resume: the checkpoint's saved config,
// then --config, then key=value. `auto` tries the run directory's checkpoints newest first and
// skips damaged ones with a warning; an explicit PATH must be good.
ResumePlan PlanResume(const cxxopts::ParseResult& args, const std::string& mode, const std::string& run_dir,
                      const distributed::WorldInfo& world) {
  ResumePlan plan;
  const auto fail = [&](int code, const std::string& message) {
    std::fprintf(stderr, "lptrain train: %s\n", message.c_str());
    plan.exit_code = code;
    return plan;
  };
  std::vector<std::string> candidates;
  if (mode == "auto") {
    for (const io::CheckpointEntry& e : io::ListCheckpoints(run_dir + "/checkpoints")) candidates.push_back(e.path);
  } else if (mode != "none") {
    candidates.push_back(mode);
  }
  int damaged = 0;
  for (const std::string& path : candidates) {
    const auto skip = [&](const Status& st) {
      std::fprintf(stderr, "lptrain train: warning: skipping checkpoint %s: %s\n", path.c_str(), st.message().c_str());
      ++damaged;
    };
    StatusOr<io::CheckpointData> data = io::ReadCheckpoint(path);
    if (!data.ok()) {
      if (mode != "auto") return fail(kExitUsage, "--resume " + path + ": " + data.status().message());
      skip(data.status());
      continue;
    }
    const auto saved_text = data->text_attrs.find("config");
    ConfigBuilder saved_builder;
    Status st = saved_text == data->text_attrs.end() ? Status::Corruption("/ (root): no config attribute")
                                                       : saved_builder.LoadYamlText(saved_text->second, path + ": config");
    StatusOr<RunConfig> saved = st.ok() ? saved_builder.Resolve() : StatusOr<RunConfig>(st);
    if (!saved.ok()) {
      if (mode != "auto") return fail(kExitUsage, "--resume " + path + ": saved config: " + saved.status().message());
      skip(saved.status());
      continue;
    }
    // The user's settings on top of the saved config: their errors are theirs, not the file's.
    ConfigBuilder builder = saved_builder;
    st = ApplyConfigArguments(args, &builder);
    StatusOr<RunConfig> config = st.ok() ? builder.Resolve() : StatusOr<RunConfig>(st);
    if (!config.ok()) return fail(kExitUsage, config.status().message());
    for (const ShapeKey& k : kShapeKeys) {
      if (k.get(*saved) != k.get(*config)) {
        return fail(kExitUsage, "--resume " + path + ": " + k.key + "=" + std::to_string(k.get(*config)) +
                                    " changes the model's shape (the checkpoint has " + std::to_string(k.get(*saved)) +
                                    "); a resumed run keeps it (start a new run instead)");
      }
    }
    st = CheckCheckpoint(*data, *config, world.size);
    if (!st.ok()) {
      if (mode != "auto") return fail(kExitUsage, "--resume " + path + ": " + st.message());
      skip(st);
      continue;
    }
    plan.checkpoint = std::make_shared<const io::CheckpointData>(std::move(*data));
    plan.path = path;
    plan.config_yaml = ToYaml(*config);
    return plan;
  }
  if (damaged > 0) {
    return fail(kExitUsage, "--resume auto: none of the " + std::to_string(damaged) + " checkpoint(s) in " + run_dir +
                                "/checkpoints is usable (see the warnings); nothing was changed");
  }
  // Nothing to resume: a fresh run with the user's settings; `auto` in a run directory that
  // has a config.yaml but no checkpoint yet (stopped before its first) starts that run again.
  ConfigBuilder builder;
  Status st = Status::Ok();
  if (mode == "auto" && PathExists(run_dir + "/config.yaml")) {
    st = builder.LoadYaml(run_dir + "/config.yaml");
    if (st.ok()) std::fprintf(stderr, "lptrain train: no checkpoint in %s yet: starting its run again from config.yaml\n", run_dir.c_str());
  }
  if (st.ok()) st = ApplyConfigArguments(args, &builder);
  StatusOr<RunConfig> config = st.ok() ? builder.Resolve() : StatusOr<RunConfig>(st);
  if (!config.ok()) return fail(kExitUsage, config.status().message());
  plan.config_yaml = ToYaml(*config);
  return plan;
}

// The run directory when --run-dir is not given: the one holding the checkpoint resumed
// from (RUN_DIR/checkpoints/ckpt-N.h5), else runs/<run>, else runs/<date-time>.
std::string DefaultRunDir(const cxxopts::ParseResult& args, const std::string& resume) {
  if (resume != "auto" && resume != "none") {
    const std::string dir = DirectoryOf(resume);
    if (dir == "checkpoints" || EndsWith(dir, "/checkpoints")) return DirectoryOf(dir);
  }
  ConfigBuilder builder;
  StatusOr<RunConfig> config = ApplyConfigArguments(args, &builder).ok() ? builder.Resolve() : StatusOr<RunConfig>(RunConfig());
  const std::string run = config.ok() ? config->run : "";
  return "runs/" + (run.empty() ? DefaultRunName() : run);
}

Status MoveNewerCheckpointsAside(const std::string& dir, int64_t iteration) {
  for (const io::CheckpointEntry& e : io::ListCheckpoints(dir)) {
    if (e.iteration <= iteration) continue;
    LPT_RETURN_IF_ERROR(MakeDirs(dir + "/discarded"));
    const std::string to = dir + "/discarded/ckpt-" + std::to_string(e.iteration) + ".h5";
    if (::rename(e.path.c_str(), to.c_str()) != 0) return Status::IoError(e.path + ": cannot move aside: " + std::strerror(errno));
    std::fprintf(stderr, "lptrain train: %s is newer than the checkpoint resumed from: moved to %s\n", e.path.c_str(),
                 to.c_str());
  }
  return Status::Ok();
}

}  // namespace

int RunTrainCommand(int argc, char** argv, const distributed::WorldInfo& world) {
  cxxopts::Options options("lptrain train", "Train agents with PPO on the arena, the curriculum in the loop.");
  options.add_options()
      ("run-dir", "run directory (default runs/<run>, or runs/<date-time>)", cxxopts::value<std::string>())
      ("resume", "auto: the newest good checkpoint in the run directory (fresh if it has none); none: a new "
                 "run; or a checkpoint file. On resume the saved config applies, then --config, then key=value",
       cxxopts::value<std::string>()->default_value("none"))
      ("max-seconds", "stop (with a checkpoint) after this much wall time (0: no limit)",
       cxxopts::value<double>()->default_value("0"))
      ("max-iterations", "stop (with a checkpoint) after this iteration of the run (0: no limit)",
       cxxopts::value<int64_t>()->default_value("0"));
  AddConfigOptions(&options);
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc, argv);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  const std::string resume = args["resume"].as<std::string>();
  const int64_t max_iterations = args["max-iterations"].as<int64_t>();
  if (resume.empty()) {
    if (world.rank == 0) std::fprintf(stderr, "lptrain train: --resume: give auto, none or a checkpoint file\n");
    return kExitUsage;
  }
  if (max_iterations < 0) {
    if (world.rank == 0) std::fprintf(stderr, "lptrain train: --max-iterations: %lld is negative\n", static_cast<long long>(max_iterations));
    return kExitUsage;
  }
  // Every rank checks the arguments alone, so every rank reaches the same verdict on them.
  {
    StatusOr<RunConfig> config = ConfigFromArguments(args);
    if (!config.ok()) {
      if (world.rank == 0) std::fprintf(stderr, "lptrain train: %s\n", config.status().message().c_str());
      return kExitUsage;
    }
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
  std::string run_dir = args.count("run-dir") ? args["run-dir"].as<std::string>() : DefaultRunDir(args, resume);
  if (world.size > 1) {
    // Rank 0's default (a date-time name) is the job's.
    std::vector<uint8_t> bytes(run_dir.begin(), run_dir.end());
    if (!control.BroadcastBytes(&bytes).ok()) return fail(kExitRuntimeError, "could not agree on the run directory");
    run_dir.assign(bytes.begin(), bytes.end());
  }

  // Rank 0 owns the run directory and the checkpoint; the others learn its verdict and config.
  ResumePlan plan;
  if (root) {
    if (resume == "none" && PathExists(run_dir + "/metrics.jsonl")) {
      std::fprintf(stderr,
                   "lptrain train: %s already holds a run (metrics.jsonl); continue it with --resume auto, or "
                   "choose another --run-dir (nothing was changed)\n",
                   run_dir.c_str());
      plan.exit_code = kExitUsage;
    } else if (resume != "auto" && resume != "none" && PathExists(run_dir + "/metrics.jsonl") &&
               !SameDirectory(DirectoryOf(resume), run_dir + "/checkpoints")) {
      std::fprintf(stderr,
                   "lptrain train: %s holds another run (metrics.jsonl) than the one of %s; resume into a new "
                   "--run-dir (nothing was changed)\n",
                   run_dir.c_str(), resume.c_str());
      plan.exit_code = kExitUsage;
    } else {
      plan = PlanResume(args, resume, run_dir, world);
    }
    if (plan.exit_code == 0) {
      // The metrics continue from the checkpoint's iteration (0 for a fresh start).
      const int64_t from = plan.checkpoint ? plan.checkpoint->groups.at("trainer").ScalarI64("iteration").value() : 0;
      Status st = MakeDirs(run_dir);
      if (st.ok()) st = WriteFileAtomically(run_dir + "/config.yaml", plan.config_yaml);
      StatusOr<int64_t> moved = st.ok() ? TruncateMetrics(run_dir + "/metrics.jsonl", from,
                                                          run_dir + "/metrics.discarded.jsonl")
                                        : StatusOr<int64_t>(st);
      // Checkpoints newer than the one resumed from belong to the abandoned continuation: moved
      // aside, so that `--resume auto` never jumps back to them.
      if (moved.ok() && plan.checkpoint) {
        const Status aside = MoveNewerCheckpointsAside(run_dir + "/checkpoints", from);
        if (!aside.ok()) moved = aside;
      }
      if (!moved.ok()) {
        std::fprintf(stderr, "lptrain train: run directory: %s\n", moved.status().message().c_str());
        plan.exit_code = kExitRuntimeError;
      } else if (*moved > 0) {
        std::fprintf(stderr,
                     "lptrain train: %lld metrics row(s) logged after iteration %lld moved to "
                     "metrics.discarded.jsonl (the run continues from that iteration)\n",
                     static_cast<long long>(*moved), static_cast<long long>(from));
      }
    }
  }
  std::vector<uint8_t> verdict = {static_cast<uint8_t>(plan.exit_code)};
  if (!control.BroadcastBytes(&verdict).ok()) return fail(kExitRuntimeError, "could not agree on the run directory");
  if (verdict[0] != 0) return verdict[0];
  std::vector<uint8_t> flags = {static_cast<uint8_t>(plan.checkpoint != nullptr)};
  std::vector<uint8_t> yaml(plan.config_yaml.begin(), plan.config_yaml.end());
  if (!control.BroadcastBytes(&flags).ok() || !control.BroadcastBytes(&yaml).ok()) {
    return fail(kExitRuntimeError, "could not share the config");
  }
  // Every rank (rank 0 too) runs the config exactly as written to config.yaml.
  ConfigBuilder builder;
  Status st = builder.LoadYamlText(std::string(yaml.begin(), yaml.end()), run_dir + "/config.yaml");
  StatusOr<RunConfig> config = st.ok() ? builder.Resolve() : StatusOr<RunConfig>(st);
  if (!config.ok()) return fail(kExitRuntimeError, "the resolved config does not read back: " + config.status().message());

  TrainOptions opts;
  opts.run_dir = run_dir;
  opts.control = &control;
  opts.max_seconds = args["max-seconds"].as<double>();
  if (max_iterations > 0) opts.max_iterations = max_iterations;
  opts.resume = flags[0] != 0;
  opts.checkpoint = plan.checkpoint;
  StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(*config, opts);
  if (!trainer.ok()) {
    const bool usage = trainer.status().code() == StatusCode::kInvalidArgument ||
                       trainer.status().code() == StatusCode::kFailedPrecondition;
    return fail(usage ? kExitUsage : kExitRuntimeError, trainer.status().message());
  }
  if (root) {
    std::printf("lptrain train: run directory %s\n", run_dir.c_str());
    if (opts.resume) {
      std::printf("  resumed from %s (iteration %lld)\n", plan.path.c_str(),
                  static_cast<long long>((*trainer)->iteration()));
    }
    std::printf("  %s\n", (*trainer)->Describe().c_str());
    std::fflush(stdout);
  }
  StatusOr<TrainResult> result = (*trainer)->Run();
  if (!result.ok()) return fail(kExitRuntimeError, result.status().message());
  if (world.size > 1) {
    std::printf("%sparameter checksum %.17g\n", prefix.c_str(), (*trainer)->ParameterChecksum());
  }
  // SIGINT (Ctrl-C) ends an interactive run: done. SIGTERM/SIGUSR1 (a scheduler's warning):
  // exit 3 on every rank so the batch script requeues the job.
  const bool requeue = result->stop_signal != 0 && result->stop_signal != SIGINT;
  if (!root) return requeue ? kExitStopped : kExitOk;
  if (result->stop_signal != 0) {
    std::printf("lptrain train: stopped by signal %d after %lld iterations (%lld agent-steps); checkpoint %s\n",
                result->stop_signal, static_cast<long long>(result->iterations),
                static_cast<long long>(result->global_step), result->checkpoint.c_str());
    return requeue ? kExitStopped : kExitOk;
  }
  if (result->checkpoint.empty()) result->checkpoint = plan.path + " (resumed; nothing left to do)";
  std::printf("lptrain train: done, %lld iterations, %lld agent-steps; metrics in %s/metrics.jsonl, checkpoint %s\n",
              static_cast<long long>(result->iterations), static_cast<long long>(result->global_step),
              run_dir.c_str(), result->checkpoint.c_str());
  return kExitOk;
}

}  // namespace lpt
