#include "trainer/cli/resume.h"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/files.h"
#include "trainer/run/metrics.h"
#include "trainer/run/run_dir.h"

namespace lpt::cli {
namespace {

// The settings that give the model its shape: a resumed run keeps them.
struct ShapeKey {
  const char* key;
  int (*get)(const run::RunConfig&);
};
constexpr ShapeKey kShapeKeys[] = {
    {"trainer.hidden_size", [](const run::RunConfig& c) { return c.trainer.hidden_size; }},
    {"trainer.conv_channels", [](const run::RunConfig& c) { return c.trainer.conv_channels; }},
    {"trainer.use_lstm",
     [](const run::RunConfig& c) { return static_cast<int>(c.trainer.use_lstm); }},
};

bool SameDirectory(const std::string& a, const std::string& b) {
  char ra[PATH_MAX], rb[PATH_MAX];
  return ::realpath(a.c_str(), ra) != nullptr && ::realpath(b.c_str(), rb) != nullptr &&
         std::strcmp(ra, rb) == 0;
}

// The saved config of a checkpoint, resolved.
StatusOr<run::ConfigBuilder> SavedConfig(const io::CheckpointData& data, const std::string& path) {
  const auto text = data.text_attrs.find("config");
  if (text == data.text_attrs.end()) return Status::Corruption("/ (root): no config attribute");
  run::ConfigBuilder builder;
  LPT_RETURN_IF_ERROR(builder.LoadYamlText(text->second, path + ": config"));
  LPT_RETURN_IF_ERROR(builder.Resolve().status());
  return builder;
}

}  // namespace

StatusOr<ResumePlan> PlanResume(const ResumeRequest& request) {
  const std::string& mode = request.mode;
  ResumePlan plan;
  std::vector<std::string> candidates;
  if (mode == "auto") {
    for (const io::CheckpointEntry& e : io::ListCheckpoints(run::CheckpointDir(request.run_dir))) {
      candidates.push_back(e.path);
    }
  } else if (mode != "none") {
    candidates.push_back(mode);
  }
  int damaged = 0;
  for (const std::string& path : candidates) {
    // A file that cannot be resumed from: an error for an explicit checkpoint, skipped by auto.
    const auto unusable = [&](const Status& st, const std::string& what) -> Status {
      if (mode != "auto")
        return Status::InvalidArgument("--resume " + path + ": " + what + st.message());
      plan.notes.push_back("warning: skipping checkpoint " + path + ": " + st.message());
      ++damaged;
      return Status::Ok();
    };
    StatusOr<io::CheckpointData> data = io::ReadCheckpoint(path);
    if (!data.ok()) {
      LPT_RETURN_IF_ERROR(unusable(data.status(), ""));
      continue;
    }
    StatusOr<run::ConfigBuilder> saved_builder = SavedConfig(*data, path);
    if (!saved_builder.ok()) {
      LPT_RETURN_IF_ERROR(unusable(saved_builder.status(), "saved config: "));
      continue;
    }
    const run::RunConfig saved = saved_builder->Resolve().value();
    // The user's settings on top of the saved config: their errors are theirs, not the file's.
    run::ConfigBuilder builder = *saved_builder;
    if (request.user_settings) LPT_RETURN_IF_ERROR(request.user_settings(&builder));
    LPT_ASSIGN_OR_RETURN(const run::RunConfig config, builder.Resolve());
    for (const ShapeKey& k : kShapeKeys) {
      if (k.get(saved) != k.get(config)) {
        return Status::InvalidArgument(
            "--resume " + path + ": " + k.key + "=" + std::to_string(k.get(config)) +
            " changes the model's shape (the checkpoint has " + std::to_string(k.get(saved)) +
            "); a resumed run keeps it (start a new run instead)");
      }
    }
    const Status fits = request.check ? request.check(*data, config) : Status::Ok();
    if (!fits.ok()) {
      LPT_RETURN_IF_ERROR(unusable(fits, ""));
      continue;
    }
    // The metrics continue from the checkpoint's iteration (its /trainer group, which the check
    // validated; the root attribute repeats it).
    const auto trainer = data->groups.find("trainer");
    const auto attr = data->int_attrs.find("iteration");
    if (trainer != data->groups.end() && trainer->second.ScalarI64("iteration").ok()) {
      plan.iteration = trainer->second.ScalarI64("iteration").value();
    } else if (attr != data->int_attrs.end()) {
      plan.iteration = attr->second;
    }
    plan.checkpoint = std::make_shared<const io::CheckpointData>(std::move(*data));
    plan.path = path;
    plan.config_yaml = run::ToYaml(config);
    return plan;
  }
  if (damaged > 0) {
    return Status::InvalidArgument("--resume auto: none of the " + std::to_string(damaged) +
                                   " checkpoint(s) in " + run::CheckpointDir(request.run_dir) +
                                   " is usable (see the warnings); nothing was changed");
  }
  // Nothing to resume: a fresh run with the user's settings; `auto` in a run directory that
  // has a config.yaml but no checkpoint yet (stopped before its first) starts that run again.
  run::ConfigBuilder builder;
  const std::string config_file = run::ConfigFile(request.run_dir);
  if (mode == "auto" && PathExists(config_file)) {
    LPT_RETURN_IF_ERROR(builder.LoadYaml(config_file));
    plan.notes.push_back("no checkpoint in " + request.run_dir +
                         " yet: starting its run again from config.yaml");
  }
  if (request.user_settings) LPT_RETURN_IF_ERROR(request.user_settings(&builder));
  LPT_ASSIGN_OR_RETURN(const run::RunConfig config, builder.Resolve());
  plan.config_yaml = run::ToYaml(config);
  return plan;
}

std::string DefaultRunDir(const std::string& mode, const std::string& run_name,
                          const std::string& timestamp) {
  if (mode != "auto" && mode != "none") {
    if (const std::optional<std::string> dir = run::RunDirOfCheckpoint(mode)) return *dir;
  }
  return "runs/" + (run_name.empty() ? timestamp : run_name);
}

Status CheckRunDirectory(const std::string& run_dir, const std::string& mode) {
  if (!run::HoldsRun(run_dir)) return Status::Ok();
  if (mode == "none") {
    return Status::InvalidArgument(
        run_dir +
        " already holds a run (metrics.jsonl); continue it with --resume auto, or "
        "choose another --run-dir (nothing was changed)");
  }
  if (mode != "auto") {
    const std::optional<std::string> owner = run::RunDirOfCheckpoint(mode);
    if (!owner || !SameDirectory(*owner, run_dir)) {
      return Status::InvalidArgument(run_dir +
                                     " holds another run (metrics.jsonl) than the one of " + mode +
                                     "; resume into a new --run-dir (nothing was changed)");
    }
  }
  return Status::Ok();
}

StatusOr<std::vector<std::string>> MoveNewerCheckpointsAside(const std::string& run_dir,
                                                             int64_t iteration) {
  std::vector<std::string> notes;
  for (const io::CheckpointEntry& e : io::ListCheckpoints(run::CheckpointDir(run_dir))) {
    if (e.iteration <= iteration) continue;
    LPT_RETURN_IF_ERROR(MakeDirs(run::DiscardedCheckpointDir(run_dir)));
    const std::string to = run::DiscardedCheckpointFile(run_dir, e.iteration);
    if (::rename(e.path.c_str(), to.c_str()) != 0) {
      return Status::IoError(e.path + ": cannot move aside: " + std::strerror(errno));
    }
    notes.push_back(e.path + " is newer than the checkpoint resumed from: moved to " + to);
  }
  return notes;
}

StatusOr<std::vector<std::string>> PrepareRunDirectory(const std::string& run_dir,
                                                       const ResumePlan& plan) {
  std::vector<std::string> notes;
  LPT_RETURN_IF_ERROR(MakeDirs(run_dir));
  LPT_RETURN_IF_ERROR(WriteFileAtomically(run::ConfigFile(run_dir), plan.config_yaml));
  LPT_ASSIGN_OR_RETURN(const int64_t moved,
                       run::TruncateMetrics(run::MetricsFile(run_dir), plan.iteration,
                                            run::DiscardedMetricsFile(run_dir)));
  if (plan.checkpoint) {
    LPT_ASSIGN_OR_RETURN(notes, MoveNewerCheckpointsAside(run_dir, plan.iteration));
  }
  if (moved > 0) {
    notes.push_back(std::to_string(moved) + " metrics row(s) logged after iteration " +
                    std::to_string(plan.iteration) +
                    " moved to metrics.discarded.jsonl (the run continues from that iteration)");
  }
  return notes;
}

}  // namespace lpt::cli
