#include "trainer/evaluator.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/rng.h"
#include "common/thread_pool.h"
#include "envsim/parallel_step.h"
#include "envsim/step_storage.h"

namespace lpt::trainer {
namespace {

constexpr uint64_t kEvalStream = 0x6576616cULL;  // "eval"

// The specs with every span replaced by its label bins' centres (a finite grid).
std::vector<curriculum::GeneratorSpec> GridOf(std::vector<curriculum::GeneratorSpec> specs,
                                              int bins) {
  for (curriculum::GeneratorSpec& spec : specs) {
    for (curriculum::Bucket& b : spec.buckets) {
      if (!b.is_span) continue;
      b.values.clear();
      for (int i = 0; i < bins; ++i) {
        double v = b.min + (b.max - b.min) * (i + 0.5) / bins;
        if (b.integer) v = std::round(v);
        if (std::find(b.values.begin(), b.values.end(), v) == b.values.end()) b.values.push_back(v);
      }
      b.is_span = false;
    }
  }
  return specs;
}

}  // namespace

StatusOr<std::vector<EvalTask>> TaskSetEvalTasks(const run::RunConfig& config, size_t max_tasks) {
  const std::vector<curriculum::GeneratorSpec> grid = GridOf(config.task_specs, 4);
  const uint64_t n = curriculum::TaskGenerator::CountCombinations(grid);
  if (n > max_tasks) {
    return Status::InvalidArgument("the task set has " + std::to_string(n) +
                                   " combinations, more than " + std::to_string(max_tasks) +
                                   " to evaluate; name the tasks to evaluate instead");
  }
  LPT_ASSIGN_OR_RETURN(std::unique_ptr<curriculum::TaskGenerator> gen,
                       curriculum::TaskGenerator::Create(grid, 4, /*enumerate=*/true));
  std::vector<EvalTask> tasks;
  std::vector<double> params(gen->num_keys());
  std::string label;
  for (uint64_t id = 0; id < n; ++id) {
    gen->Generate(id, params.data(), &label);
    StatusOr<envsim::TaskConfig> task = run::ApplyTaskParams(config.task, *gen, params.data());
    if (!task.ok()) continue;  // an invalid combination is no task to evaluate
    task->desync_episodes = false;
    tasks.push_back({label, run::TaskClass(label), *task});
  }
  if (tasks.empty()) return Status::InvalidArgument("the task set has no valid task to evaluate");
  return tasks;
}

StatusOr<EvalTask> SettingsEvalTask(const run::RunConfig& config, const std::string& settings) {
  EvalTask task{settings, "custom", config.task};
  std::string text = settings;
  std::replace(text.begin(), text.end(), ',', ' ');
  size_t at = 0;
  while (at < text.size()) {
    const size_t begin = text.find_first_not_of(' ', at);
    if (begin == std::string::npos) break;
    const size_t end = std::min(text.find(' ', begin), text.size());
    const std::string kv = text.substr(begin, end - begin);
    at = end;
    const size_t eq = kv.find('=');
    if (eq == std::string::npos)
      return Status::InvalidArgument("task '" + settings + "': '" + kv + "' is not key=value");
    std::string key = kv.substr(0, eq);
    if (key.rfind("env.", 0) == 0) key = key.substr(4);
    char* stop = nullptr;
    const std::string value = kv.substr(eq + 1);
    const double v = std::strtod(value.c_str(), &stop);
    if (value.empty() || *stop != '\0') {
      return Status::InvalidArgument("task '" + settings + "': " + key + ": '" + value +
                                     "' is not a number");
    }
    LPT_RETURN_IF_ERROR(
        envsim::SetTaskField(&task.config, key, v).WithPrefix("task '" + settings + "'"));
  }
  LPT_RETURN_IF_ERROR(task.config.Validate().WithPrefix("task '" + settings + "'"));
  task.config.desync_episodes = false;
  return task;
}

StatusOr<std::vector<EvalTaskResult>> Evaluate(Policy& policy, const run::TaskFeatures& features,
                                               const std::vector<EvalTask>& tasks,
                                               const EvalOptions& options, torch::Device device,
                                               const StepObserver& observer) {
  if (tasks.empty()) return Status::InvalidArgument("no tasks to evaluate");
  if (options.episodes < 1) return Status::InvalidArgument("episodes: at least 1");
  const int agents = tasks[0].config.num_agents;
  envsim::BatchOptions bo;
  bo.num_envs = static_cast<int>(tasks.size()) * options.episodes;
  bo.seed = options.seed;
  bo.config = tasks[0].config;
  bo.config.desync_episodes = false;
  for (const EvalTask& t : tasks) {
    if (t.config.num_agents != agents) {
      return Status::InvalidArgument("task " + t.name + ": " + std::to_string(t.config.num_agents) +
                                     " agents, the policy plays " + std::to_string(agents));
    }
    for (int k = 0; k < options.episodes; ++k) {
      bo.env_configs.push_back(t.config);
      bo.env_configs.back().desync_episodes = false;
    }
  }
  LPT_ASSIGN_OR_RETURN(std::unique_ptr<envsim::ArenaBatch> batch, envsim::ArenaBatch::Create(bo));
  const int n = batch->num_envs();
  const int64_t b = static_cast<int64_t>(n) * agents;
  envsim::StepStorage storage(*batch);
  const envsim::StepBuffers out = storage.View();
  batch->Observe({0, n}, out);
  const int k = features.size();
  torch::Tensor task_features = torch::zeros({b, k});
  for (int e = 0; e < n; ++e) {
    for (int a = 0; a < agents; ++a) {
      features.Compute(batch->config(e), task_features.data_ptr<float>() +
                                             (static_cast<int64_t>(e) * agents + a) * k);
    }
  }
  ThreadPool pool(std::max(1, std::min(options.env_threads, n)));
  CoreState state = policy->InitialState(b, device);
  CounterRng rng(options.seed, kEvalStream);
  std::vector<float> uniforms(static_cast<size_t>(b));
  std::vector<int32_t> actions(static_cast<size_t>(b), 0);
  std::vector<char> done(n, 0);
  std::vector<EvalTaskResult> results(tasks.size());
  for (size_t t = 0; t < tasks.size(); ++t) {
    results[t].name = tasks[t].name;
    results[t].task_class = tasks[t].task_class;
  }
  run::RunConfig scoring;  // success: the share of a room's agents that made a heart
  scoring.score = "success";
  std::vector<double> room_scores;
  int remaining = n;
  torch::NoGradGuard no_grad;
  if (observer && !observer(0, *batch, actions)) remaining = 0;
  for (int step = 0; remaining > 0; ++step) {
    const torch::Tensor obs = torch::from_blob(
        storage.obs.data(), {b, envsim::kNumFeatures, envsim::kObsSize, envsim::kObsSize},
        torch::kUInt8);
    torch::Tensor globals =
        torch::from_blob(storage.globals.data(), {b, envsim::kNumGlobals}, torch::kFloat);
    if (k > 0) globals = torch::cat({globals, task_features}, 1);
    const PolicyStep s = policy->Step(obs.to(device), globals.to(device), state);
    torch::Tensor chosen;
    if (options.greedy) {
      chosen = s.logits.argmax(1);
    } else {
      for (float& u : uniforms) u = static_cast<float>(rng.Uniform());
      const torch::Tensor u = torch::from_blob(uniforms.data(), {b, 1}, torch::kFloat).to(device);
      chosen = DrawActions(s.logits, u);
    }
    const torch::Tensor chosen_cpu = chosen.to(torch::kCPU).to(torch::kInt).contiguous();
    std::copy(chosen_cpu.data_ptr<int32_t>(), chosen_cpu.data_ptr<int32_t>() + b, actions.begin());
    envsim::StepAll(&pool, batch.get(), actions, out);
    state = s.state;
    for (int e = 0; e < n; ++e) {
      if (!storage.episode_end[e] || done[e]) continue;
      done[e] = 1;
      --remaining;
      const envsim::EpisodeStats& ep = batch->LastEpisode(e);
      EvalTaskResult& r = results[e / options.episodes];
      room_scores.clear();
      double max_score = 1;
      run::RoomScores(scoring, ep, tasks[e / options.episodes].config.num_instances, &room_scores,
                      &max_score);
      for (double x : room_scores) r.success += x;
      r.room_episodes += static_cast<int64_t>(room_scores.size());
      for (int a = 0; a < ep.num_agents(); ++a) {
        r.hearts += ep.HeartsMade(a);
        r.ore += ep.Gained(a, envsim::Item::kOreRed);
        r.battery += ep.Gained(a, envsim::Item::kBatteryRed);
        r.return_mean += ep.returns[a];
        ++r.agent_episodes;
      }
    }
    if (observer && !observer(step + 1, *batch, actions)) break;
  }
  for (EvalTaskResult& r : results) {
    if (r.room_episodes > 0) r.success /= static_cast<double>(r.room_episodes);
    if (r.agent_episodes > 0) {
      const double n_agents = static_cast<double>(r.agent_episodes);
      r.hearts /= n_agents;
      r.ore /= n_agents;
      r.battery /= n_agents;
      r.return_mean /= n_agents;
    }
  }
  return results;
}

const EvalSummary::Row* EvalSummary::Find(const std::string& name) const {
  for (const Row& r : rows) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

EvalSummary Summarize(const std::vector<EvalTaskResult>& results) {
  EvalSummary s;
  const auto add = [&](const std::string& name, const EvalTaskResult& r) {
    auto it = std::find_if(s.rows.begin(), s.rows.end(),
                           [&](const EvalSummary::Row& row) { return row.name == name; });
    if (it == s.rows.end()) {
      s.rows.push_back({name});
      it = s.rows.end() - 1;
    }
    ++it->tasks;
    it->success += r.success;
    it->hearts += r.hearts;
    it->ore += r.ore;
    it->battery += r.battery;
    it->return_mean += r.return_mean;
    it->room_episodes += r.room_episodes;
  };
  for (const EvalTaskResult& r : results) add(r.task_class, r);
  for (const EvalTaskResult& r : results) {
    if (r.task_class != "impossible") add("possible", r);
  }
  for (const EvalTaskResult& r : results) add("all", r);
  for (EvalSummary::Row& row : s.rows) {
    row.success /= row.tasks;
    row.hearts /= row.tasks;
    row.ore /= row.tasks;
    row.battery /= row.tasks;
    row.return_mean /= row.tasks;
  }
  return s;
}

}  // namespace lpt::trainer
