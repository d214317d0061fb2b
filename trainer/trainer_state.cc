// The trainer's state in checkpoints (DESIGN.md §7): what goes where, gathering every rank's
// part on rank 0 to write, and sending each rank its part back on resume.
//
//   /model               one float32 dataset per parameter (its shape)
//   /optimizer           exp_avg.<param>, exp_avg_sq.<param> (float32), step [P], lr
//   /trainer             iteration, env_steps, world_size, num_envs (per rank)
//   /curriculum          the curriculum's pool, scores, counters and RNG (rank 0's)
//   /ranks/<r>/env       rank r's envs (envsim::ArenaBatch::ExportState)
//   /ranks/<r>/tasks     rank r's task draws (CurriculumDriver::ExportRankState)
//   /ranks/<r>/rollout   rank r's rollout carry: next_start, LSTM state, RNG, step count
//
// Nothing inside these groups depends on the wall clock: two runs that did the same work
// write equal datasets. Time stamps are root attributes only.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "common/files.h"
#include "common/strings.h"
#include "trainer/trainer_impl.h"

namespace lpt {
namespace {

std::string Shape(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

// The array's shape as stored (a one-dimensional array has no shape entry).
std::vector<int64_t> StoredShape(const ArrayBundle& b, const std::string& name, int64_t size) {
  const auto it = b.shapes.find(name);
  return it != b.shapes.end() ? it->second : std::vector<int64_t>{size};
}

void PutTensor(ArrayBundle* b, const std::string& name, const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
  b->f32[name].assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  if (c.dim() != 1) b->shapes[name] = c.sizes().vec();
}

// Checks name, type and shape against `like` and returns the values as a tensor like it.
StatusOr<torch::Tensor> TakeTensor(const ArrayBundle& b, const std::string& name, const torch::Tensor& like) {
  LPT_ASSIGN_OR_RETURN(const std::vector<float>* v, b.GetF32(name));
  const std::vector<int64_t> want = like.dim() == 1 ? std::vector<int64_t>{like.numel()} : like.sizes().vec();
  const std::vector<int64_t> found = StoredShape(b, name, static_cast<int64_t>(v->size()));
  if (found != want || static_cast<int64_t>(v->size()) != like.numel()) {
    return Status::FailedPrecondition(name + ": shape " + Shape(found) + " in the checkpoint, " + Shape(want) +
                                      " here");
  }
  return torch::from_blob(const_cast<float*>(v->data()), like.sizes(), torch::kFloat).clone().to(like.device());
}

// Every array of b must be one of `expected` (named, so a renamed or extra array is caught).
Status OnlyThese(const ArrayBundle& b, const std::vector<std::string>& expected) {
  const auto check = [&](const auto& arrays) -> Status {
    for (const auto& [name, v] : arrays) {
      if (std::find(expected.begin(), expected.end(), name) == expected.end()) {
        return Status::FailedPrecondition(name + ": not an array this model has");
      }
    }
    return Status::Ok();
  };
  LPT_RETURN_IF_ERROR(check(b.f32));
  LPT_RETURN_IF_ERROR(check(b.f64));
  LPT_RETURN_IF_ERROR(check(b.i64));
  LPT_RETURN_IF_ERROR(check(b.u64));
  LPT_RETURN_IF_ERROR(check(b.u8));
  return check(b.str);
}

const ArrayBundle* FindGroup(const io::CheckpointData& d, const std::string& group) {
  const auto it = d.groups.find(group);
  return it == d.groups.end() ? nullptr : &it->second;
}

StatusOr<const ArrayBundle*> Group(const io::CheckpointData& d, const std::string& group) {
  const ArrayBundle* b = FindGroup(d, group);
  if (b == nullptr) return Status::Corruption("/" + group + ": missing group");
  return b;
}

std::string RankGroup(int rank, const char* part) { return "ranks/" + std::to_string(rank) + "/" + part; }

// The saved layout: world size and envs per rank.
struct SavedLayout {
  int64_t iteration = 0, env_steps = 0, world_size = 0, num_envs = 0;
};

StatusOr<SavedLayout> ReadLayout(const ArrayBundle& t) {
  SavedLayout l;
  LPT_ASSIGN_OR_RETURN(l.iteration, t.ScalarI64("iteration"));
  LPT_ASSIGN_OR_RETURN(l.env_steps, t.ScalarI64("env_steps"));
  LPT_ASSIGN_OR_RETURN(l.world_size, t.ScalarI64("world_size"));
  LPT_ASSIGN_OR_RETURN(l.num_envs, t.ScalarI64("num_envs"));
  if (l.iteration < 0 || l.env_steps < 0 || l.world_size < 1 || l.num_envs < 1) {
    return Status::Corruption("counters out of range");
  }
  return l;
}

// The rollout carry of one rank: which agents start an episode next, the LSTM state, the RNG
// positions and the step count.
struct RolloutCarry {
  torch::Tensor next_start, h, c;
  CounterRng action_rng, update_rng;
  int64_t global_step = 0;
};

ArrayBundle ExportCarry(const RolloutCarry& r) {
  ArrayBundle b;
  PutTensor(&b, "next_start", r.next_start);
  if (r.h.defined()) {
    PutTensor(&b, "lstm_h", r.h);
    PutTensor(&b, "lstm_c", r.c);
  }
  b.u64["action_rng"] = {r.action_rng.key(), r.action_rng.counter()};
  b.u64["update_rng"] = {r.update_rng.key(), r.update_rng.counter()};
  b.i64["global_step"] = {r.global_step};
  return b;
}

// Into *r, whose tensors give the expected shapes; nothing changes unless all is good.
Status ImportCarry(const ArrayBundle& b, RolloutCarry* r) {
  RolloutCarry next = *r;
  LPT_ASSIGN_OR_RETURN(next.next_start, TakeTensor(b, "next_start", r->next_start));
  if (r->h.defined()) {
    LPT_ASSIGN_OR_RETURN(next.h, TakeTensor(b, "lstm_h", r->h));
    LPT_ASSIGN_OR_RETURN(next.c, TakeTensor(b, "lstm_c", r->c));
  } else if (b.f32.count("lstm_h") != 0) {
    return Status::FailedPrecondition("lstm_h: saved by a policy with an LSTM (trainer.use_lstm changed)");
  }
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* a, b.GetU64("action_rng", 2));
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* u, b.GetU64("update_rng", 2));
  LPT_ASSIGN_OR_RETURN(next.global_step, b.ScalarI64("global_step"));
  next.action_rng = CounterRng::FromState((*a)[0], (*a)[1]);
  next.update_rng = CounterRng::FromState((*u)[0], (*u)[1]);
  *r = std::move(next);
  return Status::Ok();
}

std::string NowUtc() {
  char buf[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Fnv1a(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : text) h = (h ^ ch) * 0x100000001b3ULL;
  char buf[20];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

ArrayBundle ExportModel(Policy& policy) {
  ArrayBundle b;
  for (const auto& p : policy->named_parameters()) PutTensor(&b, p.key(), p.value());
  return b;
}

Status ImportModel(const ArrayBundle& b, Policy& policy) {
  std::vector<std::string> names;
  std::vector<torch::Tensor> values;
  for (const auto& p : policy->named_parameters()) {
    names.push_back(p.key());
    LPT_ASSIGN_OR_RETURN(torch::Tensor v, TakeTensor(b, p.key(), p.value()));
    values.push_back(std::move(v));
  }
  LPT_RETURN_IF_ERROR(OnlyThese(b, names));
  torch::NoGradGuard no_grad;
  size_t i = 0;
  for (auto& p : policy->named_parameters()) p.value().copy_(values[i++]);
  return Status::Ok();
}

ArrayBundle ExportOptimizer(Policy& policy, torch::optim::Adam& optimizer) {
  ArrayBundle b;
  std::vector<int64_t>& steps = b.i64["step"];
  for (const auto& p : policy->named_parameters()) {
    const auto it = optimizer.state().find(c10::guts::to_string(p.value().unsafeGetTensorImpl()));
    if (it == optimizer.state().end()) {
      // No update yet: Adam's state is zero.
      steps.push_back(0);
      PutTensor(&b, "exp_avg." + p.key(), torch::zeros_like(p.value()));
      PutTensor(&b, "exp_avg_sq." + p.key(), torch::zeros_like(p.value()));
      continue;
    }
    const auto& st = static_cast<const torch::optim::AdamParamState&>(*it->second);
    steps.push_back(st.step());
    PutTensor(&b, "exp_avg." + p.key(), st.exp_avg());
    PutTensor(&b, "exp_avg_sq." + p.key(), st.exp_avg_sq());
  }
  b.f64["lr"] = {static_cast<const torch::optim::AdamOptions&>(optimizer.param_groups()[0].options()).lr()};
  return b;
}

Status ImportOptimizer(const ArrayBundle& b, Policy& policy, torch::optim::Adam& optimizer) {
  const auto params = policy->named_parameters();
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* steps, b.GetI64("step", static_cast<int64_t>(params.size())));
  LPT_ASSIGN_OR_RETURN(const double lr, b.ScalarF64("lr"));
  std::vector<std::string> names = {"step", "lr"};
  std::vector<std::unique_ptr<torch::optim::AdamParamState>> states;
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string& name = params[i].key();
    names.push_back("exp_avg." + name);
    names.push_back("exp_avg_sq." + name);
    auto st = std::make_unique<torch::optim::AdamParamState>();
    LPT_ASSIGN_OR_RETURN(torch::Tensor m1, TakeTensor(b, "exp_avg." + name, params[i].value()));
    LPT_ASSIGN_OR_RETURN(torch::Tensor m2, TakeTensor(b, "exp_avg_sq." + name, params[i].value()));
    if ((*steps)[i] < 0) return Status::Corruption("step: negative for " + name);
    st->step((*steps)[i]);
    st->exp_avg(m1);
    st->exp_avg_sq(m2);
    states.push_back(std::move(st));
  }
  LPT_RETURN_IF_ERROR(OnlyThese(b, names));
  if (!(lr >= 0) || !std::isfinite(lr)) return Status::Corruption("lr: not a learning rate");
  optimizer.state().clear();
  for (size_t i = 0; i < params.size(); ++i) {
    // A parameter never updated has no state, as in a fresh optimizer.
    if (states[i]->step() == 0) continue;
    optimizer.state()[c10::guts::to_string(params[i].value().unsafeGetTensorImpl())] = std::move(states[i]);
  }
  for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
  return Status::Ok();
}

BundleMap Trainer::Impl::ExportRank() const {
  BundleMap parts;
  const int r = world.rank;
  parts[RankGroup(r, "env")] = batch->ExportState();
  parts[RankGroup(r, "tasks")] = driver->ExportRankState();
  parts[RankGroup(r, "rollout")] = ExportCarry({next_start, state.h, state.c, action_rng, update_rng, global_step});
  return parts;
}

Status Trainer::Impl::ImportRank(const BundleMap& parts) {
  const int r = world.rank;
  for (const char* part : {"env", "tasks", "rollout"}) {
    if (parts.count(RankGroup(r, part)) == 0) return Status::Corruption("/" + RankGroup(r, part) + ": missing group");
  }
  RolloutCarry carry{next_start, state.h, state.c, action_rng, update_rng, global_step};
  LPT_RETURN_IF_ERROR(ImportCarry(parts.at(RankGroup(r, "rollout")), &carry).WithPrefix("/" + RankGroup(r, "rollout")));
  LPT_RETURN_IF_ERROR(batch->ImportState(parts.at(RankGroup(r, "env"))).WithPrefix("/" + RankGroup(r, "env")));
  LPT_RETURN_IF_ERROR(driver->ImportRankState(parts.at(RankGroup(r, "tasks"))).WithPrefix("/" + RankGroup(r, "tasks")));
  next_start = carry.next_start;
  state = {carry.h, carry.c};
  action_rng = carry.action_rng;
  update_rng = carry.update_rng;
  global_step = carry.global_step;
  // The observations of the restored envs (what the last step wrote).
  batch->Observe({0, static_cast<int>(num_envs)}, EnvBuffers());
  return Status::Ok();
}

Status Trainer::Impl::ReceiveShared(const io::CheckpointData* data) {
  std::vector<uint8_t> shared;
  if (root()) {
    BundleMap m;
    for (const char* g : {"model", "optimizer", "trainer"}) m[g] = data->groups.at(g);
    shared = PackBundles(m);
  }
  LPT_RETURN_IF_ERROR(control->BroadcastBytes(&shared));
  LPT_ASSIGN_OR_RETURN(resume_shared, UnpackBundles(shared));
  if (resume_shared.count("trainer") == 0) return Status::Corruption("/trainer: missing group");
  LPT_ASSIGN_OR_RETURN(const SavedLayout saved, ReadLayout(resume_shared.at("trainer")));
  same_layout = saved.world_size == world.size && saved.num_envs == config.num_envs;
  generation = same_layout ? 0 : static_cast<uint64_t>(saved.iteration) + 1;
  return Status::Ok();
}

Status Trainer::Impl::Restore(const io::CheckpointData* data) {
  // Model, optimizer and counters: the same on every rank.
  LPT_RETURN_IF_ERROR(ImportModel(resume_shared.at("model"), policy).WithPrefix("/model"));
  LPT_RETURN_IF_ERROR(ImportOptimizer(resume_shared.at("optimizer"), policy, *optimizer).WithPrefix("/optimizer"));
  LPT_ASSIGN_OR_RETURN(const SavedLayout saved, ReadLayout(resume_shared.at("trainer")));
  resume_shared.clear();
  iteration = saved.iteration;
  last_checkpoint_iteration = saved.iteration;  // the file resumed from holds this iteration
  // The fresh envs' first draws are not this run's: their warnings neither.
  driver->TakeWarning();
  if (same_layout) {
    std::vector<std::vector<uint8_t>> parts;
    if (root()) {
      for (int r = 0; r < world.size; ++r) {
        BundleMap mine;
        for (const char* part : {"env", "tasks", "rollout"}) {
          if (const ArrayBundle* g = FindGroup(*data, RankGroup(r, part))) mine[RankGroup(r, part)] = *g;
        }
        parts.push_back(PackBundles(mine));
      }
    }
    std::vector<uint8_t> mine;
    LPT_RETURN_IF_ERROR(control->ScatterBytes(parts, &mine));
    LPT_ASSIGN_OR_RETURN(const BundleMap own, UnpackBundles(mine));
    LPT_RETURN_IF_ERROR(ImportRank(own));
    // Again, as saved: drawing the fresh envs' first tasks (Create) moved its sampler.
    if (root()) {
      LPT_RETURN_IF_ERROR(driver->curriculum()->ImportState(data->groups.at("curriculum")).WithPrefix("/curriculum"));
    }
    steps_base = saved.env_steps - global_step * world.size;  // non-zero after an earlier layout change
    return Status::Ok();
  }
  // Another world size or env count: the episodes in progress cannot be split or merged.
  steps_base = saved.env_steps;
  global_step = 0;
  if (root()) {
    std::vector<int64_t> counters(5, 0);
    for (int64_t r = 0; r < saved.world_size; ++r) {
      const ArrayBundle* tasks = FindGroup(*data, RankGroup(static_cast<int>(r), "tasks"));
      if (tasks == nullptr) continue;
      const StatusOr<const std::vector<int64_t>*> c = tasks->GetI64("counters", 5);
      if (!c.ok()) continue;
      for (size_t k = 0; k < 5; ++k) counters[k] += (**c)[k];
    }
    driver->RestoreCounters(counters);
    std::fprintf(stderr,
                 "lptrain: RESUMING ON A DIFFERENT LAYOUT: the checkpoint has %lld rank(s) x %lld envs, this job "
                 "%d rank(s) x %lld envs. Model, optimizer, curriculum and counters are restored; every env "
                 "starts a fresh episode (the episodes in progress are lost), so this run is not an exact "
                 "continuation.\n",
                 static_cast<long long>(saved.world_size), static_cast<long long>(saved.num_envs), world.size,
                 static_cast<long long>(num_envs));
  }
  return Status::Ok();
}

StatusOr<io::CheckpointData> Trainer::Impl::Capture() {
  std::vector<std::vector<uint8_t>> all;
  LPT_RETURN_IF_ERROR(control->GatherBytes(PackBundles(ExportRank()), &all));
  io::CheckpointData d;
  if (!root()) return d;
  for (const std::vector<uint8_t>& part : all) {
    LPT_ASSIGN_OR_RETURN(BundleMap groups, UnpackBundles(part));
    for (auto& [path, b] : groups) d.groups[path] = std::move(b);
  }
  d.groups["model"] = ExportModel(policy);
  d.groups["optimizer"] = ExportOptimizer(policy, *optimizer);
  d.groups["curriculum"] = driver->curriculum()->ExportState();
  ArrayBundle& t = d.groups["trainer"];
  t.i64["iteration"] = {iteration};
  t.i64["env_steps"] = {TotalSteps()};
  t.i64["world_size"] = {world.size};
  t.i64["num_envs"] = {num_envs};
  const std::string yaml = ToYaml(config);
  d.text_attrs["config"] = yaml;
  d.text_attrs["config_hash"] = Fnv1a(yaml);
  d.text_attrs["lptrain_version"] = LPT_VERSION;
  d.text_attrs["created_utc"] = NowUtc();
  d.int_attrs["world_size"] = world.size;
  d.int_attrs["iteration"] = iteration;
  d.int_attrs["env_steps"] = TotalSteps();
  return d;
}

StatusOr<io::CheckpointData> Trainer::CaptureState() { return impl_->Capture(); }

StatusOr<std::string> Trainer::SaveCheckpoint() {
  Impl& m = *impl_;
  if (m.options.run_dir.empty()) return Status::FailedPrecondition("no run directory to write checkpoints to");
  const StatusOr<io::CheckpointData> data = m.Capture();
  const std::string dir = m.options.run_dir + "/checkpoints";
  const std::string path = io::CheckpointPath(dir, m.iteration);
  Status st = data.status();
  if (m.root() && st.ok()) {
    st = MakeDirs(dir);
    if (st.ok()) st = io::WriteCheckpoint(path, *data);
    if (st.ok()) {
      // Old files that cannot be deleted cost space, not the checkpoint just written.
      const Status pruned = io::PruneCheckpoints(dir, m.config.checkpoint.keep_last);
      if (!pruned.ok()) std::fprintf(stderr, "lptrain: warning: %s\n", pruned.message().c_str());
    }
  }
  // Every rank learns the outcome (also of a failure on rank 0 alone), so all return the same.
  std::vector<uint8_t> verdict = {static_cast<uint8_t>(st.ok() ? 0 : 1)};
  LPT_RETURN_IF_ERROR(m.control->BroadcastBytes(&verdict));
  if (verdict[0] != 0) {
    return !st.ok() ? st : Status::IoError("rank 0 could not write the checkpoint " + path);
  }
  m.last_checkpoint_iteration = m.iteration;
  m.last_checkpoint = path;
  return path;
}

Status CheckCheckpoint(const io::CheckpointData& data, const RunConfig& config, int world_size) {
  torch::NoGradGuard no_grad;
  LPT_ASSIGN_OR_RETURN(const ArrayBundle* trainer, Group(data, "trainer"));
  StatusOr<SavedLayout> layout = ReadLayout(*trainer);
  if (!layout.ok()) return layout.status().WithPrefix("/trainer");
  const SavedLayout saved = *layout;
  // Model and optimizer into scratch copies of this config's policy.
  const TrainerConfig& tc = config.trainer;
  Policy policy(PolicySpec{tc.hidden_size, tc.conv_channels, tc.use_lstm});
  torch::optim::Adam adam(policy->parameters(), torch::optim::AdamOptions(tc.learning_rate).eps(1e-5));
  LPT_ASSIGN_OR_RETURN(const ArrayBundle* model, Group(data, "model"));
  const Status model_ok = ImportModel(*model, policy);
  if (!model_ok.ok()) {
    return Status::FailedPrecondition("/model/" + model_ok.message() +
                                      " (the model's shape comes from trainer.hidden_size, trainer.conv_channels "
                                      "and trainer.use_lstm, which a resumed run cannot change)");
  }
  LPT_ASSIGN_OR_RETURN(const ArrayBundle* optimizer, Group(data, "optimizer"));
  LPT_RETURN_IF_ERROR(ImportOptimizer(*optimizer, policy, adam).WithPrefix("/optimizer"));
  // The curriculum into a scratch one of this config.
  LPT_ASSIGN_OR_RETURN(const ArrayBundle* curriculum, Group(data, "curriculum"));
  LPT_ASSIGN_OR_RETURN(std::unique_ptr<CurriculumDriver> driver, CurriculumDriver::Create(config, config.num_envs));
  LPT_RETURN_IF_ERROR(driver->curriculum()->ImportState(*curriculum).WithPrefix("/curriculum"));
  if (saved.world_size != world_size || saved.num_envs != config.num_envs) return Status::Ok();  // fresh envs
  // Every rank's envs, task draws and rollout carry into scratch ones.
  for (int r = 0; r < world_size; ++r) {
    LPT_ASSIGN_OR_RETURN(const ArrayBundle* env, Group(data, RankGroup(r, "env")));
    LPT_ASSIGN_OR_RETURN(const ArrayBundle* tasks, Group(data, RankGroup(r, "tasks")));
    LPT_ASSIGN_OR_RETURN(const ArrayBundle* rollout, Group(data, RankGroup(r, "rollout")));
    LPT_ASSIGN_OR_RETURN(std::unique_ptr<envsim::ArenaBatch> batch, envsim::ArenaBatch::Create(BatchOptionsFor(config, r)));
    LPT_RETURN_IF_ERROR(batch->ImportState(*env).WithPrefix("/" + RankGroup(r, "env")));
    LPT_RETURN_IF_ERROR(driver->ImportRankState(*tasks).WithPrefix("/" + RankGroup(r, "tasks")));
    const int64_t b = static_cast<int64_t>(config.num_envs) * config.task.num_agents;
    RolloutCarry carry;
    carry.next_start = torch::zeros({b});
    if (tc.use_lstm) carry.h = carry.c = torch::zeros({1, b, tc.hidden_size});
    LPT_RETURN_IF_ERROR(ImportCarry(*rollout, &carry).WithPrefix("/" + RankGroup(r, "rollout")));
  }
  return Status::Ok();
}

}  // namespace lpt
