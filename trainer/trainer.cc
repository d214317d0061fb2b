#include "trainer/trainer.h"

#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "common/strings.h"
#include "trainer/signals.h"
#include "trainer/trainer_impl.h"

namespace lpt {
namespace {

using Clock = std::chrono::steady_clock;

// Streams of the trainer's own random draws (the env and curriculum have theirs).
constexpr uint64_t kActionStream = 0x616374696f6eULL;  // "action"
constexpr uint64_t kUpdateStream = 0x757064617465ULL;  // "update"

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The largest map and converter count any task of the config can ask for: every bucket at its
// largest value at once (sizes grow with each of these values).
envsim::TaskConfig CapacityConfig(const RunConfig& config) {
  envsim::TaskConfig t = config.task;
  for (const auto& [field, bucket] : config.buckets) {
    const double top = bucket.is_span ? bucket.max : *std::max_element(bucket.values.begin(), bucket.values.end());
    const envsim::TaskField* f = envsim::FindTaskField(field);
    if (f->get(t) < top) f->set(t, top);
  }
  return t;
}

}  // namespace

envsim::BatchOptions BatchOptionsFor(const RunConfig& config, int rank) {
  envsim::BatchOptions bo;
  bo.num_envs = config.num_envs;
  bo.seed = config.seed;
  // Env ids are global: env e of rank r is env r * num_envs + e of the job.
  bo.first_env_id = static_cast<int64_t>(rank) * config.num_envs;
  bo.config = config.task;
  const envsim::TaskConfig capacity = CapacityConfig(config);
  bo.max_height = capacity.MapHeight();
  bo.max_width = capacity.MapWidth();
  bo.max_converters = capacity.ConvertersPerEnv();
  return bo;
}

int64_t Trainer::Impl::PlannedIterations() const {
  const double per_iteration = static_cast<double>(steps * agents) * world.size;
  const double left = std::max(0.0, config.trainer.total_timesteps - static_cast<double>(TotalSteps()));
  const int64_t more = static_cast<int64_t>(std::ceil(left / per_iteration));
  return std::max<int64_t>(1, iteration + more);
}

Trainer::Trainer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Trainer::~Trainer() = default;

StatusOr<std::unique_ptr<Trainer>> Trainer::Create(const RunConfig& config, const TrainOptions& options) {
  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  m.config = config;
  m.options = options;
  if (options.control != nullptr) m.world = options.control->world();
  m.control = options.control;
  if (m.control == nullptr) {
    m.solo = std::make_unique<distributed::Control>(m.world);
    m.control = m.solo.get();
  }
  const TrainerConfig& tc = config.trainer;
  if (config.device == "cuda" && !torch::cuda::is_available()) {
    return Status::FailedPrecondition("trainer.device: cuda requested but LibTorch sees no usable GPU "
                                      "(this build: " + std::string(torch::cuda::is_available() ? "CUDA" : "CPU-only") + ")");
  }
  if (config.device == "cuda" || (config.device == "auto" && torch::cuda::is_available())) {
    // Every GPU of the node is visible to every rank; a rank takes the one of its local rank
    // (as the NCCL communicator does).
    const int devices = static_cast<int>(torch::cuda::device_count());
    m.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(m.world.local_rank % std::max(devices, 1)));
  }
  m.torch_threads = ThreadsOrCores(tc.torch_threads);
  torch::set_num_threads(m.torch_threads);
  m.pool = std::make_unique<ThreadPool>(std::min(ThreadsOrCores(tc.env_threads), config.num_envs));

  if (options.resume) LPT_RETURN_IF_ERROR(m.ReceiveShared(options.checkpoint.get()));

  // --- curriculum and envs ---
  LPT_ASSIGN_OR_RETURN(m.driver, CurriculumDriver::Create(config, config.num_envs, options.control));
  if (m.generation != 0) m.driver->OffsetSampler(m.generation);
  if (options.resume && m.root()) {
    // Before the first draws: fresh envs (a resume on another world size) play its tasks.
    LPT_RETURN_IF_ERROR(m.driver->curriculum()->ImportState(options.checkpoint->groups.at("curriculum"))
                            .WithPrefix("/curriculum"));
  }
  envsim::BatchOptions bo = BatchOptionsFor(config, m.world.rank);
  bo.first_env_id += static_cast<int64_t>(m.generation << 40);  // fresh envs after a layout change
  LPT_ASSIGN_OR_RETURN(bo.env_configs, m.driver->Start());
  LPT_ASSIGN_OR_RETURN(m.batch, envsim::ArenaBatch::Create(bo));
  LPT_RETURN_IF_ERROR(m.driver->ArmPending(m.batch.get()));

  m.num_envs = config.num_envs;
  m.agents = m.num_envs * m.batch->num_agents();
  m.steps = tc.num_steps;

  const auto host = [&](torch::ScalarType type) {
    return torch::TensorOptions().dtype(type).pinned_memory(m.device.is_cuda());
  };
  const int64_t b = m.agents;
  m.obs = torch::zeros({b, kNumFeatures, kObsSize, kObsSize}, host(torch::kUInt8));
  m.globals = torch::zeros({b, kNumGlobals}, host(torch::kFloat));
  m.rewards = torch::zeros({b}, host(torch::kFloat));
  m.terminated = torch::zeros({b}, host(torch::kUInt8));
  m.truncated = torch::zeros({b}, host(torch::kUInt8));
  m.episode_end = torch::zeros({m.num_envs}, host(torch::kUInt8));
  m.final_obs = torch::zeros_like(m.obs);
  m.final_globals = torch::zeros_like(m.globals);
  m.actions.assign(static_cast<size_t>(b), 0);
  m.batch->Observe({0, static_cast<int>(m.num_envs)}, m.EnvBuffers());

  // --- policy ---
  torch::manual_seed(config.seed);
  m.policy = Policy(PolicySpec{tc.hidden_size, tc.conv_channels, tc.use_lstm});
  m.policy->to(m.device);
  m.optimizer = std::make_unique<torch::optim::Adam>(
      m.policy->parameters(), torch::optim::AdamOptions(tc.learning_rate).eps(1e-5));

  // --- rollout storage [T, B, ...] ---
  const auto dev = [&](torch::ScalarType type) { return torch::TensorOptions().dtype(type).device(m.device); };
  RolloutBatch& r = m.rollout;
  r.obs = torch::zeros({m.steps, b, kNumFeatures, kObsSize, kObsSize}, dev(torch::kUInt8));
  r.globals = torch::zeros({m.steps, b, kNumGlobals}, dev(torch::kFloat));
  r.actions = torch::zeros({m.steps, b}, dev(torch::kLong));
  for (torch::Tensor* t : {&r.logprobs, &r.values, &r.rewards, &r.terminated, &r.truncated, &r.final_values, &r.starts}) {
    *t = torch::zeros({m.steps, b}, dev(torch::kFloat));
  }
  if (tc.use_lstm) {
    r.state_h = torch::zeros({m.steps / tc.bptt_horizon, b, tc.hidden_size}, dev(torch::kFloat));
    r.state_c = torch::zeros_like(r.state_h);
  }
  m.state = m.policy->InitialState(b, m.device);
  m.next_start = torch::ones({b}, dev(torch::kFloat));
  const uint64_t substream = static_cast<uint64_t>(m.world.rank) + (m.generation << 32);
  m.action_rng = CounterRng(config.seed, kActionStream, substream);
  m.update_rng = CounterRng(config.seed, kUpdateStream, substream);

  // --- gradient sync: NCCL for CUDA tensors when it works, else MPI, else nothing ---
  if (m.world.size > 1) {
    if (m.device.is_cuda()) {
      auto nccl = distributed::MakeNcclComm(m.world);
      if (nccl.ok()) {
        m.comm = std::move(nccl).value();
      } else {
        m.comm_note = "NCCL unavailable (" + nccl.status().message() + "); gradients go over MPI";
      }
    }
    if (m.comm == nullptr) {
      LPT_ASSIGN_OR_RETURN(m.comm, distributed::MakeMpiComm(m.world));
      if (!m.device.is_cuda() && distributed::NcclBuilt()) {
        m.comm_note = "no usable GPU (the model is on the CPU): gradients go over MPI, not NCCL";
      }
    }
    const bool on_device = m.comm->name() == "nccl";
    m.averager = std::make_unique<GradientAverager>(m.policy->parameters(), m.comm.get(),
                                                    on_device ? m.device : torch::Device(torch::kCPU));
  } else {
    m.comm = distributed::MakeSelfComm();
  }

  if (options.resume) LPT_RETURN_IF_ERROR(m.Restore(options.checkpoint.get()));
  m.num_iterations = m.PlannedIterations();
  if (!options.run_dir.empty() && m.root()) {
    LPT_RETURN_IF_ERROR(m.metrics.Open(options.run_dir + "/metrics.jsonl"));
  }
  return std::unique_ptr<Trainer>(new Trainer(std::move(impl)));
}

std::string Trainer::Describe() const {
  const Impl& m = *impl_;
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "%d rank(s) (gradients: %s), device %s, %d torch thread(s), %d env thread(s); per rank %lld envs "
                "x %d agents, %lld steps per rollout = %s samples per iteration; %lld iterations; curriculum %s (%d tasks)",
                m.world.size, m.comm->name().c_str(), m.device.str().c_str(), m.torch_threads,
                m.pool->size(),
                static_cast<long long>(m.num_envs), m.batch->num_agents(), static_cast<long long>(m.steps),
                WithThousands(m.steps * m.agents).c_str(), static_cast<long long>(m.num_iterations),
                m.config.curriculum.use_lp ? "learning progress" : "discrete random",
                m.config.curriculum.num_active_tasks);
  std::string out = buf;
  if (!m.comm_note.empty()) out += "\n  " + m.comm_note;
  return out;
}

double Trainer::Impl::Checksum() const {
  torch::NoGradGuard no_grad;
  double sum = 0;
  for (const torch::Tensor& p : policy->parameters()) {
    const torch::Tensor flat = p.detach().reshape(-1).to(torch::kCPU).to(torch::kDouble);
    // Position-dependent weights: swapped or shifted values change the sum.
    const torch::Tensor w = (torch::arange(flat.numel(), torch::kDouble) * 0.6180339887498949).frac() + 1.0;
    sum += (flat * w).sum().item<double>();
  }
  return sum;
}

double Trainer::ParameterChecksum() const { return impl_->Checksum(); }

void Trainer::Impl::Rollout() {
  torch::NoGradGuard no_grad;
  const int64_t b = agents;
  const int64_t length = config.trainer.bptt_horizon;
  std::vector<float> uniforms(static_cast<size_t>(b));
  for (int64_t t = 0; t < steps; ++t) {
    const Clock::time_point t0 = Clock::now();
    rollout.obs[t].copy_(obs, /*non_blocking=*/true);
    rollout.globals[t].copy_(globals, true);
    rollout.starts[t].copy_(next_start);
    if (config.trainer.use_lstm) {
      if (t % length == 0) {
        rollout.state_h[t / length].copy_(state.h[0]);
        rollout.state_c[t / length].copy_(state.c[0]);
      }
      state = PolicyImpl::ResetWhere(state, next_start);
    }
    const PolicyStep step = policy->Step(rollout.obs[t], rollout.globals[t], state);
    // Actions by inverse CDF with our own counter-based draws: reproducible for any thread count.
    for (float& u : uniforms) u = static_cast<float>(action_rng.Uniform());
    const torch::Tensor u = torch::from_blob(uniforms.data(), {b, 1}, torch::kFloat).to(device);
    const torch::Tensor logp_all = torch::log_softmax(step.logits, 1);
    const torch::Tensor chosen =
        (logp_all.exp().cumsum(1) < u).sum(1).clamp_max(kNumActions - 1).to(torch::kLong);
    rollout.actions[t].copy_(chosen);
    rollout.logprobs[t].copy_(logp_all.gather(1, chosen.unsqueeze(1)).squeeze(1));
    rollout.values[t].copy_(step.value);
    const torch::Tensor chosen_cpu = chosen.to(torch::kCPU).to(torch::kInt);
    std::copy(chosen_cpu.data_ptr<int32_t>(), chosen_cpu.data_ptr<int32_t>() + b, actions.begin());
    inference_seconds += Since(t0);

    const Clock::time_point t1 = Clock::now();
    StepEnvs();
    env_seconds += Since(t1);

    rollout.rewards[t].copy_(rewards);
    rollout.terminated[t].copy_(terminated);
    rollout.truncated[t].copy_(truncated);
    // A cut episode bootstraps from the value of its final observation.
    const torch::Tensor cut = truncated.nonzero().squeeze(1);
    if (cut.numel() > 0) {
      const torch::Tensor rows = cut.to(device);
      CoreState cut_state;
      if (state.h.defined()) cut_state = {step.state.h.index_select(1, rows), step.state.c.index_select(1, rows)};
      const PolicyStep fin = policy->Step(final_obs.index_select(0, cut).to(device),
                                          final_globals.index_select(0, cut).to(device), cut_state);
      rollout.final_values[t].index_copy_(0, rows, fin.value);
    }
    next_start = torch::clamp_max(rollout.terminated[t] + rollout.truncated[t], 1.0);
    state = step.state;

    const Clock::time_point t2 = Clock::now();
    const uint8_t* ended = episode_end.data_ptr<uint8_t>();
    for (int64_t e = 0; e < num_envs; ++e) {
      // Episodes cut short by desync would bias returns low: they are counted apart.
      if (ended[e] && !batch->LastEpisode(static_cast<int>(e)).desync_shortened) {
        tally.Add(batch->LastEpisode(static_cast<int>(e)));
      }
    }
    driver->OnStep(batch.get(), Span<const uint8_t>(ended, static_cast<size_t>(num_envs)));
    curriculum_seconds += Since(t2);
    global_step += b;
  }
  CoreState last_state = PolicyImpl::ResetWhere(state, next_start);
  rollout.last_values = policy->Step(obs.to(device), globals.to(device), last_state).value;
}

UpdateStats Trainer::Impl::Update() {
  const double progress = static_cast<double>(iteration - 1) / static_cast<double>(num_iterations);
  // From the config and the iteration alone (a resumed run may change the rate).
  const double lr = config.trainer.learning_rate * (config.trainer.anneal_lr ? 1.0 - progress : 1.0);
  for (auto& group : optimizer->param_groups()) {
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
  }
  if (averager == nullptr) return PpoUpdate(policy, *optimizer, rollout, config.trainer, progress, &update_rng);
  UpdateSync sync;
  sync.average_gradients = [this] {
    const Clock::time_point t = Clock::now();
    averager->Average();
    sync_seconds += Since(t);
  };
  sync.mean_over_ranks = [this](double v) {
    std::vector<double> x = {v};
    const Status st = control->AllreduceSum(&x);
    LPT_CHECK(st.ok()) << st.message();
    return x[0] / world.size;
  };
  return PpoUpdate(policy, *optimizer, rollout, config.trainer, progress, &update_rng, &sync);
}

MetricsRow Trainer::Impl::Metrics(const UpdateStats& u, double iteration_seconds, double rollout_seconds,
                                  double update_seconds) {
  // Sums over ranks (episode tallies, SPS, result counts, losses) and maxima (timings).
  const DriverCounters& dc = driver->counters();
  std::vector<double> sums = {static_cast<double>(tally.episodes), static_cast<double>(tally.agent_episodes),
                              tally.returns, tally.length, tally.hearts_made, tally.actions, tally.failed,
                              tally.frozen, tally.attacks,
                              static_cast<double>(steps * agents) / iteration_seconds,
                              static_cast<double>(dc.results), static_cast<double>(dc.desync_skipped),
                              static_cast<double>(dc.invalid_tasks), u.policy_loss, u.value_loss, u.entropy,
                              u.approx_kl, u.clipfrac, u.explained_variance, u.grad_norm};
  for (double g : tally.gained) sums.push_back(g);
  std::vector<double> times = {iteration_seconds, rollout_seconds, env_seconds, inference_seconds,
                               curriculum_seconds, update_seconds, sync_seconds};
  if (world.size > 1) {
    LPT_CHECK(control->AllreduceSum(&sums).ok() && control->AllreduceMax(&times).ok())
        << "metrics reduction failed";
  }
  const double ranks = world.size;
  const double nan = std::nan("");
  const double agent_episodes = sums[1];
  const auto per_agent = [&](double v) { return agent_episodes > 0 ? v / agent_episodes : nan; };
  MetricsRow row;
  row.Add("charts/iteration", static_cast<double>(iteration));
  row.Add("charts/global_step", static_cast<double>(TotalSteps()));
  row.Add("charts/sps", sums[9]);
  row.Add("charts/learning_rate",
          static_cast<const torch::optim::AdamOptions&>(optimizer->param_groups()[0].options()).lr());
  row.Add("charts/episodes", sums[0]);
  row.Add("charts/episode_return", per_agent(sums[2]));
  row.Add("charts/episode_length", sums[0] > 0 ? sums[3] / sums[0] : nan);
  for (int i = 0; i < kNumItems; ++i) {
    row.Add("env/" + std::string(envsim::ItemName(static_cast<envsim::Item>(i))) + ".gained", per_agent(sums[20 + i]));
  }
  row.Add("env/hearts_made", per_agent(sums[4]));
  row.Add("env/attacks", per_agent(sums[8]));
  row.Add("env/times_frozen", per_agent(sums[7]));
  row.Add("env/action_fail_rate", sums[5] > 0 ? sums[6] / sums[5] : nan);
  row.Add("losses/policy_loss", sums[13] / ranks);
  row.Add("losses/value_loss", sums[14] / ranks);
  row.Add("losses/entropy", sums[15] / ranks);
  row.Add("losses/approx_kl", sums[16] / ranks);
  row.Add("losses/clipfrac", sums[17] / ranks);
  row.Add("losses/explained_variance", sums[18] / ranks);
  row.Add("losses/grad_norm", sums[19] / ranks);
  row.Add("losses/epochs", u.epochs);
  row.Add("curriculum/results", sums[10]);
  row.Add("curriculum/desync_skipped", sums[11]);
  row.Add("curriculum/invalid_tasks", sums[12]);
  row.Add("curriculum/snapshot_version", static_cast<double>(driver->snapshot_version()));
  if (const curriculum::Curriculum* cur = driver->curriculum()) {
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
    row.Add("curriculum/bytes", static_cast<double>(cs.bytes_pool + cs.bytes_maps + cs.bytes_labels));
  }
  row.Add("timing/iteration", times[0]);
  row.Add("timing/rollout", times[1]);
  row.Add("timing/env", times[2]);
  row.Add("timing/inference", times[3]);
  row.Add("timing/curriculum", times[4]);
  row.Add("timing/update", times[5]);
  row.Add("timing/sync", times[6]);
  row.Add("timing/sync_fraction", times[0] > 0 ? times[6] / times[0] : 0);
  return row;
}

void Trainer::Impl::PrintProgress(const MetricsRow& row) const {
  const double total =
      static_cast<double>(TotalSteps()) + static_cast<double>((num_iterations - iteration) * steps * agents) * world.size;
  const double all_steps = static_cast<double>(TotalSteps());
  const double frac = std::min(1.0, all_steps / total);
  std::string bar;
  if (isatty(STDOUT_FILENO)) {
    const int filled = static_cast<int>(frac * 20);
    bar = "[" + std::string(filled, '#') + std::string(20 - filled, '.') + "] ";
  }
  const double sps = row.Get("charts/sps");
  const double left = sps > 0 ? (total - all_steps) / sps : 0;
  // Iterations in which no episode ended have no episode numbers: shown as "-".
  const auto show = [&](const char* key, const char* format) {
    const double v = row.Get(key, std::nan(""));
    if (std::isnan(v)) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof(buf), format, v);
    return std::string(buf);
  };
  std::printf("%siter %lld/%lld  steps %s (%.0f%%)  %s SPS  return %s  ore %s battery %s hearts %s  "
              "LP: gini %.2f evicted %.0f  eta %dm%02ds\n",
              bar.c_str(), static_cast<long long>(iteration), static_cast<long long>(num_iterations),
              WithThousands(static_cast<long long>(all_steps)).c_str(), 100 * frac, WithThousands(static_cast<long long>(sps)).c_str(),
              show("charts/episode_return", "%.3f").c_str(), show("env/ore_red.gained", "%.2f").c_str(),
              show("env/battery_red.gained", "%.2f").c_str(), show("env/hearts_made", "%.3f").c_str(),
              row.Get("curriculum/gini_sampling"), row.Get("curriculum/evicted"),
              static_cast<int>(left) / 60, static_cast<int>(left) % 60);
  std::fflush(stdout);
}

bool Trainer::Finished() const { return impl_->iteration >= impl_->num_iterations; }

StatusOr<MetricsRow> Trainer::RunIteration() {
  Impl& m = *impl_;
  ++m.iteration;
  m.tally = EpisodeTally();
  m.env_seconds = m.inference_seconds = m.curriculum_seconds = m.sync_seconds = 0;
  const TrainerConfig& tc = m.config.trainer;
  if (tc.debug_fail_iteration > 0 && m.iteration == tc.debug_fail_iteration && m.world.rank == tc.debug_fail_rank) {
    return Status::Internal("injected failure (trainer.debug_fail_iteration) at iteration " +
                            std::to_string(m.iteration));
  }
  const Clock::time_point t0 = Clock::now();
  // --- rollout ---
  m.Rollout();
  const double rollout_seconds = Since(t0);
  // --- sync: results to rank 0's curriculum, its new snapshot to every rank ---
  const Clock::time_point ts = Clock::now();
  LPT_RETURN_IF_ERROR(m.driver->Sync());
  m.sync_seconds += Since(ts);
  // --- update ---
  const Clock::time_point t1 = Clock::now();
  const UpdateStats u = m.Update();
  const double update_seconds = Since(t1);
  if (tc.debug_perturb_iteration > 0 && m.iteration == tc.debug_perturb_iteration && m.world.rank == tc.debug_fail_rank) {
    torch::NoGradGuard no_grad;
    m.policy->parameters()[0].add_(1e-3);
  }
  // --- consistency: every rank must hold the same parameters ---
  if (m.world.size > 1 && tc.checksum_interval > 0 && m.iteration % tc.checksum_interval == 0) {
    const double mine = m.Checksum();
    std::vector<double> extremes = {mine, -mine};
    LPT_RETURN_IF_ERROR(m.control->AllreduceMax(&extremes));
    if (extremes[0] != -extremes[1]) {
      char buf[160];
      std::snprintf(buf, sizeof(buf), "parameters differ across ranks at iteration %lld (checksums from %.17g to %.17g)",
                    static_cast<long long>(m.iteration), -extremes[1], extremes[0]);
      return Status::Internal(buf);
    }
  }
  // --- metrics ---
  const MetricsRow row = m.Metrics(u, Since(t0), rollout_seconds, update_seconds);
  if (m.options.on_iteration) m.options.on_iteration(row);
  const bool log = m.root() && (m.iteration % tc.log_interval == 0 || m.iteration == m.num_iterations);
  if (log && !m.options.run_dir.empty()) LPT_RETURN_IF_ERROR(m.metrics.Write(row));
  if (log && m.options.print_progress) m.PrintProgress(row);
  const std::string warning = m.driver->TakeWarning();
  if (!warning.empty() && m.options.print_progress) {
    std::fprintf(stderr, "[rank %d] warning: %s\n", m.world.rank, warning.c_str());
  }
  return row;
}

StatusOr<TrainResult> Trainer::Run() {
  Impl& m = *impl_;
  TrainResult result;
  const bool checkpoints = m.options.checkpoints && !m.options.run_dir.empty();
  const CheckpointConfig& cc = m.config.checkpoint;
  const Clock::time_point run_start = Clock::now();
  Clock::time_point last_save = run_start;
  while (!Finished()) {
    if (m.options.max_iterations >= 0 && m.iteration >= m.options.max_iterations) break;
    // Ranks agree at the iteration boundary: one rank's signal stops them all; rank 0's clock
    // decides time limits.
    std::vector<double> agree = {static_cast<double>(StopSignal()), Since(run_start), Since(last_save)};
    LPT_RETURN_IF_ERROR(m.control->AllreduceMax(&agree));
    if (agree[0] != 0) {
      result.stop_signal = static_cast<int>(agree[0]);
      break;
    }
    if (m.options.max_seconds > 0 && agree[1] >= m.options.max_seconds) break;
    const bool by_interval = cc.interval > 0 && m.iteration > 0 && m.iteration % cc.interval == 0;
    const bool by_time = cc.seconds > 0 && agree[2] >= cc.seconds;
    if (checkpoints && (by_interval || by_time) && m.last_checkpoint_iteration != m.iteration) {
      // A failed periodic checkpoint is reported, not fatal: training has lost nothing yet.
      const StatusOr<std::string> saved = SaveCheckpoint();
      if (!saved.ok() && m.root()) std::fprintf(stderr, "lptrain: warning: checkpoint failed: %s\n", saved.status().message().c_str());
      last_save = Clock::now();
    }
    LPT_ASSIGN_OR_RETURN(result.last, RunIteration());
  }
  if (checkpoints && m.last_checkpoint_iteration != m.iteration) {
    LPT_RETURN_IF_ERROR(SaveCheckpoint().status().WithPrefix("final checkpoint"));
  }
  result.iterations = m.iteration;
  result.global_step = m.TotalSteps();
  result.checkpoint = m.last_checkpoint;
  return result;
}

int64_t Trainer::iteration() const { return impl_->iteration; }

}  // namespace lpt
