#include "trainer/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "common/blas_info.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/rng.h"
#include "common/strings.h"
#include "common/thread_pool.h"
#include "envsim/arena.h"
#include "envsim/parallel_step.h"
#include "trainer/evaluator.h"
#include "trainer/gradient_sync.h"
#include "trainer/policy.h"
#include "trainer/ppo.h"
#include "trainer/rollout.h"
#include "trainer/run/curriculum_driver.h"
#include "trainer/run/episode_tally.h"
#include "trainer/run/reduction.h"
#include "trainer/run/run_dir.h"
#include "trainer/run/tasks.h"
#include "trainer/trainer_state.h"

namespace lpt::trainer {
namespace {

// Streams of the trainer's own random draws (the env and curriculum have theirs).
constexpr uint64_t kActionStream = 0x616374696f6eULL;  // "action"
constexpr uint64_t kUpdateStream = 0x757064617465ULL;  // "update"

}  // namespace

class Trainer::Impl {
 public:
  Impl(const run::RunConfig& config, const TrainOptions& options)
      : config_(config), options_(options) {
    if (options.control != nullptr) {
      control_ = options.control;
    } else {
      solo_ = std::make_unique<distributed::Control>(distributed::WorldInfo{});
      control_ = solo_.get();
    }
    world_ = control_->world();
  }

  // --- Create, phase by phase ---
  Status ChooseDevice();
  Status ReceiveResumeGroups();
  Status StartEnvs();
  void BuildModel();
  Status ConnectGradients();
  Status Restore();
  Status OpenMetrics();

  // --- an iteration ---
  StatusOr<run::MetricsRow> RunIteration();
  StatusOr<TrainResult> Run();
  bool Finished() const { return iteration_ >= num_iterations_; }

  StatusOr<io::CheckpointData> Capture();
  StatusOr<std::string> SaveCheckpoint();
  std::string Describe() const;
  double Checksum() const;
  int64_t iteration() const { return iteration_; }

 private:
  bool root() const { return world_.rank == 0; }
  // Agent-steps of all ranks since the run's start.
  int64_t TotalSteps() const { return steps_base_ + global_step_ * world_.size; }
  int64_t StepsPerIteration() const { return rollout_->steps() * rollout_->agents() * world_.size; }
  // Iterations of the whole run: those done plus enough to reach total_timesteps.
  int64_t PlannedIterations() const;
  void Warn(const std::string& message) const {
    if (options_.sink.warning) options_.sink.warning(message);
  }
  void Collect();
  // Plays the task set with the current policy and adds eval/* to row.
  Status EvaluateInto(run::MetricsRow* row);
  // The task features of the agents of every env (ended == nullptr) or of the envs with ended[e].
  void RefreshTaskFeatures(const uint8_t* ended);
  UpdateStats Update();
  Status CheckRanksAgree();
  run::MetricsRow Metrics(const UpdateStats& u, double iteration_seconds, double rollout_seconds,
                          double update_seconds, double sync_seconds);
  // This rank's part of the state: ranks/<r>/{env,tasks,rollout}.
  BundleMap ExportRank() const;
  Status ImportRank(const BundleMap& parts);

  const run::RunConfig config_;
  const TrainOptions options_;
  distributed::WorldInfo world_;
  distributed::Control* control_ = nullptr;
  std::unique_ptr<distributed::Control> solo_;  // a world of one's, when none was given

  torch::Device device_{torch::kCPU};
  int torch_threads_ = 1;
  std::unique_ptr<ThreadPool> env_threads_;
  run::TaskFeatures features_;
  std::vector<EvalTask> eval_tasks_;  // rank 0, with eval.interval > 0
  std::unique_ptr<run::CurriculumDriver> driver_;
  std::unique_ptr<envsim::ArenaBatch> envs_;
  Policy policy_{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::unique_ptr<Rollout> rollout_;
  std::unique_ptr<GradientSync> gradients_;
  CounterRng update_rng_;
  run::EpisodeTally tally_;
  run::MetricsWriter metrics_;

  int64_t global_step_ = 0;  // agent-steps of this rank since this world started
  int64_t steps_base_ = 0;   // agent-steps of all ranks before it (a resume on another layout)
  int64_t iteration_ = 0;
  int64_t num_iterations_ = 0;
  int64_t last_checkpoint_iteration_ = -1;
  std::string last_checkpoint_;
  double curriculum_seconds_ = 0;

  // Resume: the shared groups every rank received, whether the saved layout is this job's,
  // and the generation that offsets fresh envs' streams after a layout change (0: a fresh run
  // or an exact resume; else the saved iteration + 1).
  BundleMap resume_shared_;
  bool same_layout_ = false;
  uint64_t generation_ = 0;
};

int64_t Trainer::Impl::PlannedIterations() const {
  const double left =
      std::max(0.0, config_.trainer.total_timesteps - static_cast<double>(TotalSteps()));
  const auto more =
      static_cast<int64_t>(std::ceil(left / static_cast<double>(StepsPerIteration())));
  return std::max<int64_t>(1, iteration_ + more);
}

Status Trainer::Impl::ChooseDevice() {
  if (config_.device == "cuda" && !torch::cuda::is_available()) {
    return Status::FailedPrecondition(
        "trainer.device: cuda requested but LibTorch sees no usable GPU "
        "(this build: " +
        std::string(torch::cuda::is_available() ? "CUDA" : "CPU-only") + ")");
  }
  if (config_.device == "cuda" || (config_.device == "auto" && torch::cuda::is_available())) {
    // Every GPU of the node is visible to every rank; a rank takes the one of its local rank
    // (as the NCCL communicator does).
    const int devices = static_cast<int>(torch::cuda::device_count());
    device_ = torch::Device(
        torch::kCUDA, static_cast<c10::DeviceIndex>(world_.local_rank % std::max(devices, 1)));
  }
  torch_threads_ = ThreadsOrCores(config_.trainer.torch_threads);
  torch::set_num_threads(torch_threads_);
  env_threads_ = std::make_unique<ThreadPool>(
      std::min(ThreadsOrCores(config_.trainer.env_threads), config_.num_envs));
  return Status::Ok();
}

Status Trainer::Impl::ReceiveResumeGroups() {
  if (!options_.resume) return Status::Ok();
  LPT_ASSIGN_OR_RETURN(resume_shared_, ShareGroups(control_, options_.checkpoint.get()));
  LPT_ASSIGN_OR_RETURN(const SavedProgress saved, ReadProgress(resume_shared_.at("trainer")));
  same_layout_ = saved.world_size == world_.size && saved.num_envs == config_.num_envs;
  generation_ = same_layout_ ? 0 : static_cast<uint64_t>(saved.iteration) + 1;
  return Status::Ok();
}

Status Trainer::Impl::StartEnvs() {
  LPT_ASSIGN_OR_RETURN(features_, run::TaskFeatures::Create(config_));
  LPT_ASSIGN_OR_RETURN(driver_, run::CurriculumDriver::Create(config_, config_.num_envs, control_));
  driver_->set_log_sink(options_.sink.log);
  if (generation_ != 0) driver_->OffsetSampler(generation_);
  if (options_.resume && root()) {
    // Before the first draws: fresh envs (a resume on another layout) play its tasks.
    LPT_RETURN_IF_ERROR(driver_->curriculum()
                            ->ImportState(options_.checkpoint->groups.at("curriculum"))
                            .WithPrefix("/curriculum"));
  }
  envsim::BatchOptions bo = run::BatchOptionsFor(config_, world_.rank, generation_);
  LPT_ASSIGN_OR_RETURN(bo.env_configs, driver_->Start());
  LPT_ASSIGN_OR_RETURN(envs_, envsim::ArenaBatch::Create(bo));
  return driver_->ArmPending(envs_.get());
}

void Trainer::Impl::BuildModel() {
  policy_ = MakePolicy(config_.trainer, features_.size(), config_.seed);
  policy_->to(device_);
  optimizer_ = MakeOptimizer(policy_, config_.trainer);
  const uint64_t substream = static_cast<uint64_t>(world_.rank) + (generation_ << 32);
  rollout_ = std::make_unique<Rollout>(config_.trainer, config_.num_envs, envs_->num_agents(),
                                       features_.size(), device_,
                                       CounterRng(config_.seed, kActionStream, substream));
  update_rng_ = CounterRng(config_.seed, kUpdateStream, substream);
  envs_->Observe({0, envs_->num_envs()}, rollout_->EnvBuffers());
  RefreshTaskFeatures(nullptr);
}

void Trainer::Impl::RefreshTaskFeatures(const uint8_t* ended) {
  const int k = features_.size();
  if (k == 0) return;
  float* out = rollout_->task_features().data();
  const int agents = envs_->num_agents();
  for (int e = 0; e < envs_->num_envs(); ++e) {
    if (ended != nullptr && !ended[e]) continue;
    for (int a = 0; a < agents; ++a)
      features_.Compute(envs_->config(e), out + (static_cast<size_t>(e) * agents + a) * k);
  }
}

Status Trainer::Impl::ConnectGradients() {
  LPT_ASSIGN_OR_RETURN(gradients_, GradientSync::Create(world_, device_, policy_->parameters()));
  return Status::Ok();
}

Status Trainer::Impl::EvaluateInto(run::MetricsRow* row) {
  if (eval_tasks_.empty()) {
    LPT_ASSIGN_OR_RETURN(eval_tasks_, TaskSetEvalTasks(config_));
  }
  EvalOptions opts;
  opts.episodes = config_.eval.episodes;
  opts.seed = config_.seed;  // the same maps at every evaluation
  opts.greedy = config_.eval.greedy;
  opts.env_threads = env_threads_->size();
  const Stopwatch watch;
  LPT_ASSIGN_OR_RETURN(const std::vector<EvalTaskResult> results,
                       Evaluate(policy_, features_, eval_tasks_, opts, device_));
  for (const EvalSummary::Row& r : Summarize(results).rows) {
    row->Add("eval/success." + r.name, r.success);
    row->Add("eval/hearts." + r.name, r.hearts);
    row->Add("eval/return." + r.name, r.return_mean);
  }
  row->Add("timing/eval", watch.Seconds());
  return Status::Ok();
}

Status Trainer::Impl::OpenMetrics() {
  num_iterations_ = PlannedIterations();
  if (options_.run_dir.empty() || !root()) return Status::Ok();
  // A run that starts is not complete (until it reaches its end again).
  const std::string completed = run::CompletedFile(options_.run_dir);
  if (std::remove(completed.c_str()) != 0 && errno != ENOENT) {
    return Status::IoError(completed + ": " + std::strerror(errno));
  }
  return metrics_.Open(run::MetricsFile(options_.run_dir));
}

std::string Trainer::Impl::Describe() const {
  const std::string pool =
      config_.enumerate
          ? StrFormat("%llu tasks, enumerated",
                      static_cast<unsigned long long>(
                          curriculum::TaskGenerator::CountCombinations(config_.task_specs)))
          : StrFormat("a sampled pool of %d tasks", config_.curriculum.num_active_tasks);
  std::string out = StrFormat(
      "%d rank(s) (gradients: %s), device %s, %d torch thread(s), %d env thread(s); per rank %d "
      "envs x %d agents, "
      "%lld steps per rollout = %s samples per iteration; %lld iterations; curriculum %s on %s "
      "(%s; %s); BLAS %s",
      world_.size, gradients_->backend().c_str(), device_.str().c_str(), torch_threads_,
      env_threads_->size(), envs_->num_envs(), envs_->num_agents(),
      static_cast<long long>(rollout_->steps()),
      WithThousands(rollout_->steps() * rollout_->agents()).c_str(),
      static_cast<long long>(num_iterations_),
      config_.curriculum.use_lp ? "learning progress" : "discrete random", config_.task_set.c_str(),
      pool.c_str(),
      features_.size() > 0 ? StrFormat("%d task features", features_.size()).c_str()
                           : "no task features",
      LoadedBlas().name.c_str());
  if (!gradients_->note().empty()) out += "\n  " + gradients_->note();
  return out;
}

double Trainer::Impl::Checksum() const {
  torch::NoGradGuard no_grad;
  double sum = 0;
  for (const torch::Tensor& p : policy_->parameters()) {
    const torch::Tensor flat = p.detach().reshape(-1).to(torch::kCPU).to(torch::kDouble);
    // Position-dependent weights: swapped or shifted values change the sum.
    const torch::Tensor w =
        (torch::arange(flat.numel(), torch::kDouble) * 0.6180339887498949).frac() + 1.0;
    sum += (flat * w).sum().item<double>();
  }
  return sum;
}

void Trainer::Impl::Collect() {
  const envsim::StepBuffers out = rollout_->EnvBuffers();
  rollout_->Collect(
      policy_,
      [&](Span<const int32_t> actions) {
        envsim::StepAll(env_threads_.get(), envs_.get(), actions, out);
        LearnerView(*envs_, config_.trainer, out);
      },
      [&] {
        const Stopwatch watch;
        tally_.AddEnded(*envs_, rollout_->episode_end());
        driver_->OnStep(envs_.get(), rollout_->episode_end());
        RefreshTaskFeatures(rollout_->episode_end().data());
        curriculum_seconds_ += watch.Seconds();
        global_step_ += rollout_->agents();
      });
}

UpdateStats Trainer::Impl::Update() {
  const double progress =
      static_cast<double>(iteration_ - 1) / static_cast<double>(num_iterations_);
  // From the config and the iteration alone (a resumed run may change the rate).
  const double lr =
      config_.trainer.learning_rate * (config_.trainer.anneal_lr ? 1.0 - progress : 1.0);
  for (auto& group : optimizer_->param_groups())
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
  if (!gradients_->averages()) {
    return PpoUpdate(policy_, *optimizer_, rollout_->batch(), config_.trainer, progress,
                     &update_rng_);
  }
  UpdateSync sync;
  sync.average_gradients = [this] { gradients_->Average(); };
  sync.mean_over_ranks = [this](double v) {
    std::vector<double> x = {v};
    const Status st = control_->AllreduceSum(&x);
    LPT_CHECK(st.ok()) << st.message();
    return x[0] / world_.size;
  };
  return PpoUpdate(policy_, *optimizer_, rollout_->batch(), config_.trainer, progress, &update_rng_,
                   &sync);
}

Status Trainer::Impl::CheckRanksAgree() {
  const run::TrainerConfig& tc = config_.trainer;
  if (world_.size == 1 || tc.checksum_interval <= 0 || iteration_ % tc.checksum_interval != 0)
    return Status::Ok();
  const double mine = Checksum();
  std::vector<double> extremes = {mine, -mine};
  LPT_RETURN_IF_ERROR(control_->AllreduceMax(&extremes));
  if (extremes[0] != -extremes[1]) {
    char buf[160];
    std::snprintf(
        buf, sizeof(buf),
        "parameters differ across ranks at iteration %lld (checksums from %.17g to %.17g)",
        static_cast<long long>(iteration_), -extremes[1], extremes[0]);
    return Status::Internal(buf);
  }
  return Status::Ok();
}

run::MetricsRow Trainer::Impl::Metrics(const UpdateStats& u, double iteration_seconds,
                                       double rollout_seconds, double update_seconds,
                                       double sync_seconds) {
  // Sums over ranks (episode tallies, SPS, result counts, losses) and maxima (timings).
  run::RankReduction r;
  tally_.AddTo(&r);
  r.Sum("charts/sps",
        static_cast<double>(rollout_->steps() * rollout_->agents()) / iteration_seconds);
  const run::DriverCounters& dc = driver_->counters();
  for (const CounterField<run::DriverCounters>& f : run::DriverCounters::Table()) {
    r.Sum(std::string("driver/") + f.name, static_cast<double>(dc.*f.member));
  }
  const std::pair<const char*, double> losses[] = {
      {"losses/policy_loss", u.policy_loss}, {"losses/value_loss", u.value_loss},
      {"losses/entropy", u.entropy},         {"losses/approx_kl", u.approx_kl},
      {"losses/clipfrac", u.clipfrac},       {"losses/explained_variance", u.explained_variance},
      {"losses/grad_norm", u.grad_norm}};
  for (const auto& [name, value] : losses) r.Sum(name, value);
  const std::pair<const char*, double> times[] = {
      {"timing/iteration", iteration_seconds},
      {"timing/rollout", rollout_seconds},
      {"timing/env", rollout_->env_seconds()},
      {"timing/inference", rollout_->inference_seconds()},
      {"timing/curriculum", curriculum_seconds_},
      {"timing/update", update_seconds},
      {"timing/sync", sync_seconds}};
  for (const auto& [name, value] : times) r.Max(name, value);
  const Status reduced = r.Reduce(control_);
  LPT_CHECK(reduced.ok()) << reduced.message();

  const double ranks = world_.size;
  run::MetricsRow row;
  row.Add("charts/iteration", static_cast<double>(iteration_));
  row.Add("charts/global_step", static_cast<double>(TotalSteps()));
  row.Add("charts/sps", r.Get("charts/sps"));
  row.Add(
      "charts/learning_rate",
      static_cast<const torch::optim::AdamOptions&>(optimizer_->param_groups()[0].options()).lr());
  run::EpisodeTally::Report(r, &row);
  for (const auto& [name, value] : losses) row.Add(name, r.Get(name) / ranks);
  row.Add("losses/epochs", u.epochs);
  row.Add("curriculum/results", r.Get("driver/results"));
  row.Add("curriculum/desync_skipped", r.Get("driver/desync_skipped"));
  row.Add("curriculum/invalid_tasks", r.Get("driver/invalid_tasks"));
  row.Add("curriculum/snapshot_version", static_cast<double>(driver_->snapshot_version()));
  if (const curriculum::Curriculum* cur = driver_->curriculum()) {
    const curriculum::CurriculumStats cs = cur->Stats();
    row.Add("curriculum/updates", static_cast<double>(cs.updates));
    row.Add("curriculum/invalidations", static_cast<double>(cs.invalidations));
    row.Add("curriculum/reduction_ratio", cs.reduction_ratio);
    row.Add("curriculum/cache_hit_rate", cs.cache_hit_rate);
    row.Add("curriculum/created", static_cast<double>(cs.created));
    row.Add("curriculum/evicted", static_cast<double>(cs.evicted));
    row.Add("curriculum/stale_results", static_cast<double>(cs.stale_results));
    row.Add("curriculum/gini_sampling", cs.gini_sampling);
    row.Add("curriculum/gini_raw_lp", cs.gini_raw_lp);
    row.Add("curriculum/gini_pool_by_label", cs.gini_pool_by_label);
    row.Add("curriculum/gini_evictions_by_label", cs.gini_evictions_by_label);
    row.Add("curriculum/mean_raw_lp", cs.mean_raw_lp);
    row.Add("curriculum/max_probability", cs.max_probability);
    row.Add("curriculum/num_labels", static_cast<double>(cs.num_labels));
    row.Add("curriculum/recompute_mean_us", cs.recompute_mean_us);
    row.Add("curriculum/recompute_max_us", cs.recompute_max_us);
    row.Add("curriculum/mature_tasks", static_cast<double>(cs.mature_tasks));
    row.Add("curriculum/excluded_tasks", static_cast<double>(cs.excluded_tasks));
    // This iteration's results by task class (every class of the set, 0 when it had none).
    const std::map<std::string, int64_t>& by_class = driver_->last_results_by_class();
    for (const std::string& cls : run::TaskClasses(config_)) {
      const auto it = by_class.find(cls);
      row.Add("curriculum/results." + cls,
              it == by_class.end() ? 0.0 : static_cast<double>(it->second));
    }
    row.Add("curriculum/bytes",
            static_cast<double>(cs.bytes_pool + cs.bytes_maps + cs.bytes_labels));
  }
  for (const auto& [name, value] : times) row.Add(name, r.Get(name));
  const double iteration_time = r.Get("timing/iteration");
  row.Add("timing/sync_fraction", iteration_time > 0 ? r.Get("timing/sync") / iteration_time : 0);
  return row;
}

StatusOr<run::MetricsRow> Trainer::Impl::RunIteration() {
  ++iteration_;
  tally_.Clear();
  rollout_->ResetTimers();
  curriculum_seconds_ = 0;
  const run::TrainerConfig& tc = config_.trainer;
  if (tc.debug_fail_iteration > 0 && iteration_ == tc.debug_fail_iteration &&
      world_.rank == tc.debug_fail_rank) {
    return Status::Internal("injected failure (trainer.debug_fail_iteration) at iteration " +
                            std::to_string(iteration_));
  }
  const Stopwatch iteration_watch;
  // --- rollout ---
  Collect();
  const double rollout_seconds = iteration_watch.Seconds();
  // --- sync: results to rank 0's curriculum, its new snapshot to every rank ---
  const Stopwatch sync_watch;
  LPT_RETURN_IF_ERROR(driver_->Sync());
  double sync_seconds = sync_watch.Seconds();
  // --- update ---
  const Stopwatch update_watch;
  const UpdateStats u = Update();
  const double update_seconds = update_watch.Seconds();
  sync_seconds += gradients_->TakeSeconds();
  if (tc.debug_perturb_iteration > 0 && iteration_ == tc.debug_perturb_iteration &&
      world_.rank == tc.debug_fail_rank) {
    torch::NoGradGuard no_grad;
    policy_->parameters()[0].add_(1e-3);
  }
  // --- consistency: every rank must hold the same parameters ---
  LPT_RETURN_IF_ERROR(CheckRanksAgree());
  // --- metrics ---
  run::MetricsRow row =
      Metrics(u, iteration_watch.Seconds(), rollout_seconds, update_seconds, sync_seconds);
  // --- evaluation (rank 0, every eval.interval iterations and at the end) ---
  const int interval = config_.eval.interval;
  if (root() && interval > 0 && (iteration_ % interval == 0 || iteration_ == num_iterations_)) {
    LPT_RETURN_IF_ERROR(EvaluateInto(&row));
  }
  if (options_.on_iteration) options_.on_iteration(row);
  const bool log = root() && (iteration_ % tc.log_interval == 0 || iteration_ == num_iterations_);
  if (log && !options_.run_dir.empty()) LPT_RETURN_IF_ERROR(metrics_.Write(row));
  if (log && options_.sink.progress) {
    Progress p;
    p.iteration = iteration_;
    p.planned_iterations = num_iterations_;
    p.agent_steps = TotalSteps();
    p.planned_agent_steps = TotalSteps() + (num_iterations_ - iteration_) * StepsPerIteration();
    p.row = &row;
    options_.sink.progress(p);
  }
  const std::string warning = driver_->TakeWarning();
  if (!warning.empty()) Warn(warning);
  return row;
}

StatusOr<TrainResult> Trainer::Impl::Run() {
  TrainResult result;
  const bool checkpoints = options_.checkpoints && !options_.run_dir.empty();
  const run::CheckpointConfig& cc = config_.checkpoint;
  const Stopwatch run_watch;
  Stopwatch since_save;
  while (!Finished()) {
    if (options_.max_iterations >= 0 && iteration_ >= options_.max_iterations) break;
    // Ranks agree at the iteration boundary: one rank's stop request stops them all; rank 0's
    // clock decides time limits.
    const int stop = options_.stop_requested ? options_.stop_requested() : 0;
    std::vector<double> agree = {static_cast<double>(stop), run_watch.Seconds(),
                                 since_save.Seconds()};
    LPT_RETURN_IF_ERROR(control_->AllreduceMax(&agree));
    if (agree[0] != 0) {
      result.stop_signal = static_cast<int>(agree[0]);
      break;
    }
    if (options_.max_seconds > 0 && agree[1] >= options_.max_seconds) break;
    const bool by_interval = cc.interval > 0 && iteration_ > 0 && iteration_ % cc.interval == 0;
    const bool by_time = cc.seconds > 0 && agree[2] >= cc.seconds;
    if (checkpoints && (by_interval || by_time) && last_checkpoint_iteration_ != iteration_) {
      // A failed periodic checkpoint is reported, not fatal: training has lost nothing yet.
      const StatusOr<std::string> saved = SaveCheckpoint();
      if (!saved.ok() && root()) Warn("checkpoint failed: " + saved.status().message());
      since_save.Restart();
    }
    LPT_ASSIGN_OR_RETURN(result.last, RunIteration());
  }
  if (checkpoints && last_checkpoint_iteration_ != iteration_) {
    LPT_RETURN_IF_ERROR(SaveCheckpoint().status().WithPrefix("final checkpoint"));
  }
  // The marker a scheduler reads to tell a finished run from one to continue.
  if (Finished() && root() && !options_.run_dir.empty()) {
    const std::string utc = options_.utc_now ? options_.utc_now() : "";
    LPT_RETURN_IF_ERROR(WriteFileAtomically(run::CompletedFile(options_.run_dir),
                                            "iteration " + std::to_string(iteration_) +
                                                "\nagent_steps " + std::to_string(TotalSteps()) +
                                                "\ncheckpoint " + last_checkpoint_ +
                                                "\nfinished_utc " + utc + "\n"));
  }
  result.iterations = iteration_;
  result.global_step = TotalSteps();
  result.checkpoint = last_checkpoint_;
  return result;
}

// --- state ---

BundleMap Trainer::Impl::ExportRank() const {
  BundleMap parts;
  const int r = world_.rank;
  parts[RankGroup(r, "env")] = envs_->ExportState();
  parts[RankGroup(r, "tasks")] = driver_->ExportRankState();
  ArrayBundle& rollout = parts[RankGroup(r, "rollout")];
  rollout_->ExportCarry(&rollout);
  rollout.u64["update_rng"] = {update_rng_.key(), update_rng_.counter()};
  rollout.i64["global_step"] = {global_step_};
  return parts;
}

Status Trainer::Impl::ImportRank(const BundleMap& parts) {
  const int r = world_.rank;
  const ArrayBundle& rollout = parts.at(RankGroup(r, "rollout"));
  const std::string rollout_path = "/" + RankGroup(r, "rollout");
  const StatusOr<const std::vector<uint64_t>*> update_rng = rollout.GetU64("update_rng", 2);
  const StatusOr<int64_t> global_step = rollout.ScalarI64("global_step");
  LPT_RETURN_IF_ERROR(update_rng.status().WithPrefix(rollout_path));
  LPT_RETURN_IF_ERROR(global_step.status().WithPrefix(rollout_path));
  LPT_RETURN_IF_ERROR(rollout_->ImportCarry(rollout).WithPrefix(rollout_path));
  LPT_RETURN_IF_ERROR(
      envs_->ImportState(parts.at(RankGroup(r, "env"))).WithPrefix("/" + RankGroup(r, "env")));
  LPT_RETURN_IF_ERROR(driver_->ImportRankState(parts.at(RankGroup(r, "tasks")))
                          .WithPrefix("/" + RankGroup(r, "tasks")));
  update_rng_ = CounterRng::FromState((**update_rng)[0], (**update_rng)[1]);
  global_step_ = *global_step;
  // The observations of the restored envs (what the last step wrote), and their tasks' features.
  envs_->Observe({0, envs_->num_envs()}, rollout_->EnvBuffers());
  RefreshTaskFeatures(nullptr);
  return Status::Ok();
}

Status Trainer::Impl::Restore() {
  if (!options_.resume) return Status::Ok();
  const io::CheckpointData* data = options_.checkpoint.get();
  // Model, optimizer and counters: the same on every rank.
  LPT_RETURN_IF_ERROR(ImportModel(resume_shared_.at("model"), policy_).WithPrefix("/model"));
  LPT_RETURN_IF_ERROR(ImportOptimizer(resume_shared_.at("optimizer"), policy_, *optimizer_)
                          .WithPrefix("/optimizer"));
  LPT_ASSIGN_OR_RETURN(const SavedProgress saved, ReadProgress(resume_shared_.at("trainer")));
  resume_shared_.clear();
  iteration_ = saved.iteration;
  last_checkpoint_iteration_ = saved.iteration;  // the file resumed from holds this iteration
  // The fresh envs' first draws are not this run's: their warnings neither.
  driver_->TakeWarning();
  if (same_layout_) {
    LPT_ASSIGN_OR_RETURN(const BundleMap own, ScatterRankGroups(control_, data));
    LPT_RETURN_IF_ERROR(ImportRank(own));
    // Again, as saved: drawing the fresh envs' first tasks (StartEnvs) moved its state.
    if (root()) {
      LPT_RETURN_IF_ERROR(driver_->curriculum()
                              ->ImportState(data->groups.at("curriculum"))
                              .WithPrefix("/curriculum"));
    }
    steps_base_ =
        saved.env_steps - global_step_ * world_.size;  // non-zero after an earlier layout change
    return Status::Ok();
  }
  // Another world size or env count: the episodes in progress cannot be split or merged.
  steps_base_ = saved.env_steps;
  global_step_ = 0;
  if (root()) {
    driver_->RestoreCounters(SumSavedDriverCounters(*data, saved.world_size));
    char buf[512];
    std::snprintf(
        buf, sizeof(buf),
        "RESUMING ON A DIFFERENT LAYOUT: the checkpoint has %lld rank(s) x %lld envs, this job %d "
        "rank(s) x %d envs. Model, optimizer, curriculum and counters are restored; every env "
        "starts a "
        "fresh episode (the episodes in progress are lost), so this run is not an exact "
        "continuation.",
        static_cast<long long>(saved.world_size), static_cast<long long>(saved.num_envs),
        world_.size, config_.num_envs);
    Warn(buf);
  }
  return Status::Ok();
}

StatusOr<io::CheckpointData> Trainer::Impl::Capture() {
  io::CheckpointData d;
  LPT_RETURN_IF_ERROR(GatherRankGroups(control_, ExportRank(), &d));
  if (!root()) return d;
  d.groups["model"] = ExportModel(policy_);
  d.groups["optimizer"] = ExportOptimizer(policy_, *optimizer_);
  d.groups["curriculum"] = driver_->curriculum()->ExportState();
  const SavedProgress progress{iteration_, TotalSteps(), world_.size, config_.num_envs};
  d.groups["trainer"] = ExportProgress(progress);
  SetCheckpointAttributes(config_, progress, options_.utc_now ? options_.utc_now() : "", &d);
  return d;
}

StatusOr<std::string> Trainer::Impl::SaveCheckpoint() {
  if (options_.run_dir.empty())
    return Status::FailedPrecondition("no run directory to write checkpoints to");
  const StatusOr<io::CheckpointData> data = Capture();
  const std::string dir = run::CheckpointDir(options_.run_dir);
  const std::string path = run::CheckpointFile(options_.run_dir, iteration_);
  Status st = data.status();
  if (root() && st.ok()) {
    st = MakeDirs(dir);
    if (st.ok()) st = io::WriteCheckpoint(path, *data);
    if (st.ok()) {
      // Old files that cannot be deleted cost space, not the checkpoint just written.
      const Status pruned = io::PruneCheckpoints(dir, config_.checkpoint.keep_last);
      if (!pruned.ok()) Warn(pruned.message());
    }
  }
  // Every rank learns the outcome (also of a failure on rank 0 alone), so all return the same.
  std::vector<uint8_t> verdict = {static_cast<uint8_t>(st.ok() ? 0 : 1)};
  LPT_RETURN_IF_ERROR(control_->BroadcastBytes(&verdict));
  if (verdict[0] != 0)
    return !st.ok() ? st : Status::IoError("rank 0 could not write the checkpoint " + path);
  last_checkpoint_iteration_ = iteration_;
  last_checkpoint_ = path;
  return path;
}

// --- Trainer ---

Trainer::Trainer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Trainer::~Trainer() = default;

StatusOr<std::unique_ptr<Trainer>> Trainer::Create(const run::RunConfig& config,
                                                   const TrainOptions& options) {
  auto impl = std::make_unique<Impl>(config, options);
  LPT_RETURN_IF_ERROR(impl->ChooseDevice());
  LPT_RETURN_IF_ERROR(impl->ReceiveResumeGroups());
  LPT_RETURN_IF_ERROR(impl->StartEnvs());
  impl->BuildModel();
  LPT_RETURN_IF_ERROR(impl->ConnectGradients());
  LPT_RETURN_IF_ERROR(impl->Restore());
  LPT_RETURN_IF_ERROR(impl->OpenMetrics());
  return std::unique_ptr<Trainer>(new Trainer(std::move(impl)));
}

StatusOr<TrainResult> Trainer::Run() { return impl_->Run(); }
StatusOr<run::MetricsRow> Trainer::RunIteration() { return impl_->RunIteration(); }
bool Trainer::Finished() const { return impl_->Finished(); }
std::string Trainer::Describe() const { return impl_->Describe(); }
double Trainer::ParameterChecksum() const { return impl_->Checksum(); }
int64_t Trainer::iteration() const { return impl_->iteration(); }
StatusOr<std::string> Trainer::SaveCheckpoint() { return impl_->SaveCheckpoint(); }
StatusOr<io::CheckpointData> Trainer::CaptureState() { return impl_->Capture(); }

}  // namespace lpt::trainer
