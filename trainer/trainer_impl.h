// Trainer internals shared by trainer.cc (the loop) and trainer_state.cc (checkpoints).
// Not a public header.
#ifndef LPTRAIN_TRAINER_TRAINER_IMPL_H_
#define LPTRAIN_TRAINER_TRAINER_IMPL_H_

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/array_bundle.h"
#include "common/rng.h"
#include "distributed/comm.h"
#include "envsim/arena.h"
#include "io/checkpoint_file.h"
#include "trainer/curriculum_driver.h"
#include "trainer/policy.h"
#include "trainer/ppo.h"
#include "trainer/thread_pool.h"
#include "trainer/trainer.h"

namespace lpt {

using envsim::kNumActions;
using envsim::kNumFeatures;
using envsim::kNumGlobals;
using envsim::kNumItems;
using envsim::kObsSize;

// Per-iteration sums over finished episodes (per agent), for metrics.
struct EpisodeTally {
  int64_t episodes = 0;
  int64_t agent_episodes = 0;
  double returns = 0;
  double length = 0;
  double gained[kNumItems] = {};
  double hearts_made = 0;
  double actions = 0;
  double failed = 0;
  double frozen = 0;
  double attacks = 0;

  void Add(const envsim::EpisodeStats& ep) {
    ++episodes;
    length += ep.length;
    for (int a = 0; a < ep.num_agents(); ++a) {
      ++agent_episodes;
      returns += ep.returns[a];
      for (int i = 0; i < kNumItems; ++i) gained[i] += ep.Gained(a, static_cast<envsim::Item>(i));
      hearts_made += ep.HeartsMade(a);
      frozen += ep.times_frozen[a];
      for (int k = 0; k < kNumActions; ++k) {
        actions += ep.action_count[static_cast<size_t>(a) * kNumActions + k];
        failed += ep.action_failed[static_cast<size_t>(a) * kNumActions + k];
        if (k >= static_cast<int>(envsim::Action::kAttack0)) {
          attacks += ep.action_count[static_cast<size_t>(a) * kNumActions + k];
        }
      }
    }
  }
};

// Gradients of all parameters through one preallocated flat buffer and one allreduce.
class GradientAverager {
 public:
  GradientAverager(std::vector<torch::Tensor> params, distributed::GradientComm* comm, torch::Device buffer_device)
      : params_(std::move(params)), comm_(comm) {
    int64_t n = 0;
    for (const torch::Tensor& p : params_) n += p.numel();
    flat_ = torch::zeros({n}, torch::TensorOptions().dtype(torch::kFloat).device(buffer_device));
  }
  int64_t size() const { return flat_.numel(); }

  void Average() {
    torch::NoGradGuard no_grad;
    int64_t off = 0;
    for (const torch::Tensor& p : params_) {
      torch::Tensor slice = flat_.narrow(0, off, p.numel());
      if (p.grad().defined()) {
        slice.copy_(p.grad().reshape(-1));
      } else {
        slice.zero_();
      }
      off += p.numel();
    }
    const Status st = comm_->AllreduceMean(flat_.data_ptr<float>(), static_cast<size_t>(flat_.numel()));
    LPT_CHECK(st.ok()) << "gradient allreduce: " << st.message();
    off = 0;
    for (const torch::Tensor& p : params_) {
      if (p.grad().defined()) p.grad().reshape(-1).copy_(flat_.narrow(0, off, p.numel()));
      off += p.numel();
    }
  }

 private:
  std::vector<torch::Tensor> params_;
  distributed::GradientComm* comm_;
  torch::Tensor flat_;
};

struct Trainer::Impl {
  RunConfig config;
  TrainOptions options;
  distributed::WorldInfo world;
  // The job's control collectives: options.control, or a world of one's (local copies).
  distributed::Control* control = nullptr;
  std::unique_ptr<distributed::Control> solo;
  std::unique_ptr<distributed::GradientComm> comm;
  std::unique_ptr<GradientAverager> averager;
  std::string comm_note;  // why the comm is what it is (e.g. NCCL fell back to MPI)
  double sync_seconds = 0;
  torch::Device device{torch::kCPU};
  int torch_threads = 1;
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<CurriculumDriver> driver;
  std::unique_ptr<envsim::ArenaBatch> batch;
  Policy policy{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer;
  MetricsWriter metrics;

  int64_t num_envs = 0;
  int64_t agents = 0;      // all agents of all envs on this process (B)
  int64_t steps = 0;       // T
  int64_t num_iterations = 0;

  // Env buffers (host; pinned when the model is on a GPU), written by envsim in place.
  torch::Tensor obs, globals, rewards, terminated, truncated, episode_end, final_obs, final_globals;
  std::vector<int32_t> actions;
  RolloutBatch rollout;
  CoreState state;
  torch::Tensor next_start;  // [B] 1 where the next step begins an episode
  CounterRng action_rng;
  CounterRng update_rng;
  int64_t global_step = 0;  // agent-steps of this rank since this world started
  int64_t steps_base = 0;   // agent-steps of all ranks before it (a resume on another world size)
  int64_t iteration = 0;
  int64_t last_checkpoint_iteration = -1;
  std::string last_checkpoint;
  EpisodeTally tally;
  double env_seconds = 0;
  double inference_seconds = 0;
  double curriculum_seconds = 0;

  envsim::StepBuffers EnvBuffers() {
    auto u8 = [](torch::Tensor& t) { return Span<uint8_t>(t.data_ptr<uint8_t>(), static_cast<size_t>(t.numel())); };
    auto f32 = [](torch::Tensor& t) { return Span<float>(t.data_ptr<float>(), static_cast<size_t>(t.numel())); };
    return {u8(obs), f32(globals), f32(rewards), u8(terminated), u8(truncated), u8(episode_end),
            u8(final_obs), f32(final_globals)};
  }

  void StepEnvs() {
    const envsim::StepBuffers out = EnvBuffers();
    const Span<const int32_t> acts(actions.data(), actions.size());
    pool->Run([&](int part, int parts) {
      const envsim::EnvRange range{static_cast<int>(num_envs * part / parts),
                                   static_cast<int>(num_envs * (part + 1) / parts)};
      batch->Step(range, acts, out);
    });
  }

  bool root() const { return world.rank == 0; }
  int64_t TotalSteps() const { return steps_base + global_step * world.size; }
  // Iterations of the whole run: those done plus enough to reach total_timesteps.
  int64_t PlannedIterations() const;

  // --- state (trainer_state.cc) ---
  // This rank's part: ranks/<r>/env, ranks/<r>/tasks, ranks/<r>/rollout.
  BundleMap ExportRank() const;
  Status ImportRank(const BundleMap& parts);
  // Resume, first step (collective, first thing in Create): every rank receives the shared
  // groups (model, optimizer, trainer) and learns whether the saved world size and env layout
  // are this job's. Another layout starts fresh envs whose random streams (env ids, task and
  // action draws) are offset by `generation` so they do not replay the run's beginning.
  Status ReceiveShared(const io::CheckpointData* data);
  BundleMap resume_shared;
  bool same_layout = false;
  uint64_t generation = 0;  // 0: a fresh run or an exact resume; else the saved iteration + 1

  // Restores a checkpoint (data on rank 0, null elsewhere; collective): model, optimizer and
  // counters on every rank; envs, task draws and rollout carry when the world size and env
  // layout are the saved ones, else the envs stay fresh (said loudly). The curriculum is
  // imported on rank 0 before the first tasks are drawn, in Create.
  Status Restore(const io::CheckpointData* data);
  // The whole state on rank 0 (other ranks: only their part was sent). Collective.
  StatusOr<io::CheckpointData> Capture();
  void Rollout();
  UpdateStats Update();
  double Checksum() const;
  MetricsRow Metrics(const UpdateStats& u, double iteration_seconds, double rollout_seconds, double update_seconds);
  void PrintProgress(const MetricsRow& row) const;
};


// Named tensors as arrays ("model": every parameter; "optimizer": Adam's moments and step per
// parameter, and the learning rate) and back. Import checks every name, type and shape.
ArrayBundle ExportModel(Policy& policy);
Status ImportModel(const ArrayBundle& model, Policy& policy);
ArrayBundle ExportOptimizer(Policy& policy, torch::optim::Adam& optimizer);
Status ImportOptimizer(const ArrayBundle& state, Policy& policy, torch::optim::Adam& optimizer);

// The batch options of rank `rank`'s envs under config (shared by the trainer and checks).
envsim::BatchOptions BatchOptionsFor(const RunConfig& config, int rank);

}  // namespace lpt

#endif  // LPTRAIN_TRAINER_TRAINER_IMPL_H_
