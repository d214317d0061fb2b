#include "trainer/curriculum_driver.h"

#include <numeric>

namespace lpt {

StatusOr<std::unique_ptr<CurriculumDriver>> CurriculumDriver::Create(const RunConfig& config, int num_envs) {
  LPT_ASSIGN_OR_RETURN(std::shared_ptr<const curriculum::TaskGenerator> generator, MakeTaskGenerator(config));
  curriculum::CurriculumConfig cc = config.curriculum;
  cc.seed = config.seed;
  LPT_ASSIGN_OR_RETURN(std::unique_ptr<curriculum::Curriculum> cur, curriculum::Curriculum::Create(cc, generator));
  return std::unique_ptr<CurriculumDriver>(
      new CurriculumDriver(config, std::move(generator), std::move(cur), num_envs));
}

CurriculumDriver::CurriculumDriver(const RunConfig& config,
                                   std::shared_ptr<const curriculum::TaskGenerator> generator,
                                   std::unique_ptr<curriculum::Curriculum> curriculum, int num_envs)
    : config_(config),
      generator_(std::move(generator)),
      curriculum_(std::move(curriculum)),
      current_(num_envs, 0),
      pending_(num_envs, 0),
      score_max_(num_envs, 1.0),
      params_(generator_->num_keys()) {}

envsim::TaskConfig CurriculumDriver::ConfigFor(uint64_t task_id) {
  generator_->Generate(task_id, params_.data(), &label_);
  StatusOr<envsim::TaskConfig> task = ApplyTaskParams(config_.task, *generator_, params_.data());
  if (task.ok()) return *task;
  // Each bucket value was checked alone at start-up; a combination can still fail (e.g. too
  // many objects for the room). Play the base task rather than stop the run.
  ++counters_.invalid_tasks;
  last_warning_ = "task " + label_ + " is not a valid env (" + task.status().message() + "); using the base env";
  return config_.task;
}

std::vector<envsim::TaskConfig> CurriculumDriver::Start() {
  std::vector<envsim::TaskConfig> first;
  for (size_t env = 0; env < current_.size(); ++env) {
    current_[env] = curriculum_->Sample().task_id;
    first.push_back(ConfigFor(current_[env]));
    score_max_[env] = ScoreMax(config_, first.back());
    pending_[env] = curriculum_->Sample().task_id;
  }
  return first;
}

Status CurriculumDriver::ArmPending(envsim::ArenaBatch* batch) {
  for (size_t env = 0; env < pending_.size(); ++env) {
    LPT_RETURN_IF_ERROR(batch->SetPendingConfig(static_cast<int>(env), ConfigFor(pending_[env])));
  }
  return Status::Ok();
}

void CurriculumDriver::OnStep(envsim::ArenaBatch* batch, Span<const uint8_t> episode_end) {
  for (size_t env = 0; env < episode_end.size(); ++env) {
    if (!episode_end[env]) continue;
    const envsim::EpisodeStats& ep = batch->LastEpisode(static_cast<int>(env));
    ++counters_.episodes;
    if (ep.desync_shortened) {
      ++counters_.desync_skipped;
    } else {
      const double mean_return =
          std::accumulate(ep.returns.begin(), ep.returns.end(), 0.0) / static_cast<double>(ep.returns.size());
      curriculum_->Update(current_[env], mean_return, score_max_[env]);
      ++counters_.results;
    }
    // The env has already reset into its pending task; draw the one after it.
    current_[env] = pending_[env];
    score_max_[env] = ScoreMax(config_, batch->config(static_cast<int>(env)));
    pending_[env] = curriculum_->Sample().task_id;
    const envsim::TaskConfig next = ConfigFor(pending_[env]);
    const Status st = batch->SetPendingConfig(static_cast<int>(env), next);
    if (!st.ok()) {
      ++counters_.invalid_tasks;
      last_warning_ = "pending task rejected: " + st.message();
    }
  }
}

}  // namespace lpt
