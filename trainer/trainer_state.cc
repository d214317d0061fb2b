#include "trainer/trainer_state.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "common/counters.h"
#include "envsim/arena.h"
#include "trainer/rollout.h"
#include "trainer/run/tasks.h"
#include "trainer/tensor_arrays.h"

namespace lpt::trainer {

StatusOr<CheckpointPolicy> LoadCheckpointPolicy(const std::string& path) {
  LPT_ASSIGN_OR_RETURN(const io::CheckpointData data, io::ReadCheckpoint(path));
  const auto text = data.text_attrs.find("config");
  if (text == data.text_attrs.end()) return Status::Corruption(path + ": no config attribute");
  run::ConfigBuilder builder;
  LPT_RETURN_IF_ERROR(builder.LoadYamlText(text->second, path + ": config"));
  CheckpointPolicy l;
  LPT_ASSIGN_OR_RETURN(l.config, builder.Resolve());
  LPT_ASSIGN_OR_RETURN(l.features, run::TaskFeatures::Create(l.config));
  l.policy = MakePolicy(l.config.trainer, l.features.size(), l.config.seed);
  const auto model = data.groups.find("model");
  if (model == data.groups.end()) return Status::Corruption(path + ": /model: missing group");
  LPT_RETURN_IF_ERROR(ImportModel(model->second, l.policy).WithPrefix(path + ": /model"));
  l.policy->eval();
  return l;
}
namespace {

const ArrayBundle* FindGroup(const io::CheckpointData& d, const std::string& group) {
  const auto it = d.groups.find(group);
  return it == d.groups.end() ? nullptr : &it->second;
}

StatusOr<const ArrayBundle*> Group(const io::CheckpointData& d, const std::string& group) {
  const ArrayBundle* b = FindGroup(d, group);
  if (b == nullptr) return Status::Corruption("/" + group + ": missing group");
  return b;
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
  b.f64["lr"] = {
      static_cast<const torch::optim::AdamOptions&>(optimizer.param_groups()[0].options()).lr()};
  return b;
}

Status ImportOptimizer(const ArrayBundle& b, Policy& policy, torch::optim::Adam& optimizer) {
  const auto params = policy->named_parameters();
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* steps,
                       b.GetI64("step", static_cast<int64_t>(params.size())));
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
    optimizer.state()[c10::guts::to_string(params[i].value().unsafeGetTensorImpl())] =
        std::move(states[i]);
  }
  for (auto& group : optimizer.param_groups())
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
  return Status::Ok();
}

ArrayBundle ExportProgress(const SavedProgress& p) {
  ArrayBundle t;
  t.i64["iteration"] = {p.iteration};
  t.i64["env_steps"] = {p.env_steps};
  t.i64["world_size"] = {p.world_size};
  t.i64["num_envs"] = {p.num_envs};
  return t;
}

StatusOr<SavedProgress> ReadProgress(const ArrayBundle& t) {
  SavedProgress p;
  LPT_ASSIGN_OR_RETURN(p.iteration, t.ScalarI64("iteration"));
  LPT_ASSIGN_OR_RETURN(p.env_steps, t.ScalarI64("env_steps"));
  LPT_ASSIGN_OR_RETURN(p.world_size, t.ScalarI64("world_size"));
  LPT_ASSIGN_OR_RETURN(p.num_envs, t.ScalarI64("num_envs"));
  if (p.iteration < 0 || p.env_steps < 0 || p.world_size < 1 || p.num_envs < 1) {
    return Status::Corruption("counters out of range");
  }
  return p;
}

std::string RankGroup(int rank, const char* part) {
  return "ranks/" + std::to_string(rank) + "/" + part;
}

StatusOr<BundleMap> ShareGroups(distributed::Control* control, const io::CheckpointData* data) {
  std::vector<uint8_t> shared;
  if (control->is_root()) {
    BundleMap m;
    for (const char* g : {"model", "optimizer", "trainer"}) {
      if (const ArrayBundle* b = FindGroup(*data, g)) m[g] = *b;
    }
    shared = PackBundles(m);
  }
  LPT_RETURN_IF_ERROR(control->BroadcastBytes(&shared));
  LPT_ASSIGN_OR_RETURN(BundleMap groups, UnpackBundles(shared));
  for (const char* g : {"model", "optimizer", "trainer"}) {
    if (groups.count(g) == 0) return Status::Corruption(std::string("/") + g + ": missing group");
  }
  return groups;
}

StatusOr<BundleMap> ScatterRankGroups(distributed::Control* control,
                                      const io::CheckpointData* data) {
  const int ranks = control->world().size;
  std::vector<std::vector<uint8_t>> parts;
  if (control->is_root()) {
    for (int r = 0; r < ranks; ++r) {
      BundleMap mine;
      for (const char* part : kRankParts) {
        if (const ArrayBundle* g = FindGroup(*data, RankGroup(r, part)))
          mine[RankGroup(r, part)] = *g;
      }
      parts.push_back(PackBundles(mine));
    }
  }
  std::vector<uint8_t> mine;
  LPT_RETURN_IF_ERROR(control->ScatterBytes(parts, &mine));
  LPT_ASSIGN_OR_RETURN(BundleMap own, UnpackBundles(mine));
  const int r = control->world().rank;
  for (const char* part : kRankParts) {
    if (own.count(RankGroup(r, part)) == 0)
      return Status::Corruption("/" + RankGroup(r, part) + ": missing group");
  }
  return own;
}

Status GatherRankGroups(distributed::Control* control, const BundleMap& mine,
                        io::CheckpointData* data) {
  std::vector<std::vector<uint8_t>> all;
  LPT_RETURN_IF_ERROR(control->GatherBytes(PackBundles(mine), &all));
  if (!control->is_root()) return Status::Ok();
  for (const std::vector<uint8_t>& part : all) {
    LPT_ASSIGN_OR_RETURN(BundleMap groups, UnpackBundles(part));
    for (auto& [path, b] : groups) data->groups[path] = std::move(b);
  }
  return Status::Ok();
}

run::DriverCounters SumSavedDriverCounters(const io::CheckpointData& data, int64_t world_size) {
  run::DriverCounters total;
  for (int64_t r = 0; r < world_size; ++r) {
    const ArrayBundle* tasks = FindGroup(data, RankGroup(static_cast<int>(r), "tasks"));
    run::DriverCounters c;
    if (tasks == nullptr || !GetCounters(*tasks, &c).ok()) continue;
    AddCounters(c, &total);
  }
  return total;
}

void SetCheckpointAttributes(const run::RunConfig& config, const SavedProgress& progress,
                             const std::string& created_utc, io::CheckpointData* d) {
  const std::string yaml = run::ToYaml(config);
  d->text_attrs["config"] = yaml;
  d->text_attrs["config_hash"] = Fnv1a(yaml);
  d->text_attrs["lptrain_version"] = LPT_VERSION;
  d->text_attrs["created_utc"] = created_utc;
  d->int_attrs["world_size"] = progress.world_size;
  d->int_attrs["iteration"] = progress.iteration;
  d->int_attrs["env_steps"] = progress.env_steps;
}

Status CheckCheckpoint(const io::CheckpointData& data, const run::RunConfig& config,
                       int world_size) {
  torch::NoGradGuard no_grad;
  LPT_ASSIGN_OR_RETURN(const ArrayBundle* trainer, Group(data, "trainer"));
  StatusOr<SavedProgress> progress = ReadProgress(*trainer);
  if (!progress.ok()) return progress.status().WithPrefix("/trainer");
  const SavedProgress saved = *progress;
  // Model and optimizer into scratch copies of this config's policy.
  LPT_ASSIGN_OR_RETURN(const run::TaskFeatures features, run::TaskFeatures::Create(config));
  Policy policy = MakePolicy(config.trainer, features.size(), config.seed);
  std::unique_ptr<torch::optim::Adam> adam = MakeOptimizer(policy, config.trainer);
  LPT_ASSIGN_OR_RETURN(const ArrayBundle* model, Group(data, "model"));
  const Status model_ok = ImportModel(*model, policy);
  if (!model_ok.ok()) {
    return Status::FailedPrecondition(
        "/model/" + model_ok.message() +
        " (the model's shape comes from trainer.hidden_size, trainer.conv_channels, "
        "trainer.use_lstm and the task features of env.task_features and the task set, which a "
        "resumed run cannot change)");
  }
  LPT_ASSIGN_OR_RETURN(const ArrayBundle* optimizer, Group(data, "optimizer"));
  LPT_RETURN_IF_ERROR(ImportOptimizer(*optimizer, policy, *adam).WithPrefix("/optimizer"));
  // The curriculum into a scratch one of this config.
  LPT_ASSIGN_OR_RETURN(const ArrayBundle* curriculum, Group(data, "curriculum"));
  LPT_ASSIGN_OR_RETURN(std::unique_ptr<run::CurriculumDriver> driver,
                       run::CurriculumDriver::Create(config, config.num_envs));
  LPT_RETURN_IF_ERROR(driver->curriculum()->ImportState(*curriculum).WithPrefix("/curriculum"));
  if (saved.world_size != world_size || saved.num_envs != config.num_envs)
    return Status::Ok();  // fresh envs
  // Every rank's envs, task draws and rollout carry into scratch ones.
  const int64_t agents = static_cast<int64_t>(config.num_envs) * config.task.num_agents;
  for (int r = 0; r < world_size; ++r) {
    LPT_ASSIGN_OR_RETURN(const ArrayBundle* env, Group(data, RankGroup(r, "env")));
    LPT_ASSIGN_OR_RETURN(const ArrayBundle* tasks, Group(data, RankGroup(r, "tasks")));
    LPT_ASSIGN_OR_RETURN(const ArrayBundle* rollout, Group(data, RankGroup(r, "rollout")));
    LPT_ASSIGN_OR_RETURN(std::unique_ptr<envsim::ArenaBatch> batch,
                         envsim::ArenaBatch::Create(run::BatchOptionsFor(config, r)));
    LPT_RETURN_IF_ERROR(batch->ImportState(*env).WithPrefix("/" + RankGroup(r, "env")));
    LPT_RETURN_IF_ERROR(driver->ImportRankState(*tasks).WithPrefix("/" + RankGroup(r, "tasks")));
    Status carry = Rollout::CheckCarry(*rollout, agents, config.trainer);
    if (carry.ok()) carry = rollout->GetU64("update_rng", 2).status();
    if (carry.ok()) carry = rollout->ScalarI64("global_step").status();
    LPT_RETURN_IF_ERROR(carry.WithPrefix("/" + RankGroup(r, "rollout")));
  }
  return Status::Ok();
}

}  // namespace lpt::trainer
