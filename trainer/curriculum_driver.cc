#include "trainer/curriculum_driver.h"

#include <cmath>
#include <cstring>
#include <numeric>

namespace lpt {
namespace {

// Per-rank task draws, apart from every other stream.
constexpr uint64_t kSamplerStream = 0x7461736b73ULL;  // "tasks"

// Results on the wire: n, then n x (task id, score, max score).
std::vector<uint8_t> PackResults(const std::vector<uint64_t>& ids, const std::vector<double>& scores,
                                 const std::vector<double>& max) {
  const uint64_t n = ids.size();
  std::vector<uint8_t> out(8 + n * 24);
  std::memcpy(out.data(), &n, 8);
  for (uint64_t i = 0; i < n; ++i) {
    std::memcpy(out.data() + 8 + i * 24, &ids[i], 8);
    std::memcpy(out.data() + 16 + i * 24, &scores[i], 8);
    std::memcpy(out.data() + 24 + i * 24, &max[i], 8);
  }
  return out;
}

// This rank's task draws: substream rank (+ generation << 32 after a layout change).
CounterRng SamplerStream(uint64_t seed, const distributed::Control* control, uint64_t generation) {
  const uint64_t rank = control != nullptr ? static_cast<uint64_t>(control->world().rank) : 0;
  return CounterRng(seed, kSamplerStream, rank + (generation << 32));
}

}  // namespace

StatusOr<std::unique_ptr<CurriculumDriver>> CurriculumDriver::Create(const RunConfig& config, int num_envs,
                                                                     distributed::Control* control) {
  LPT_ASSIGN_OR_RETURN(std::shared_ptr<const curriculum::TaskGenerator> generator, MakeTaskGenerator(config));
  std::unique_ptr<curriculum::Curriculum> cur;
  if (control == nullptr || control->is_root()) {
    curriculum::CurriculumConfig cc = config.curriculum;
    if (cc.seed == 0) cc.seed = config.seed;
    LPT_ASSIGN_OR_RETURN(cur, curriculum::Curriculum::Create(cc, generator));
  }
  return std::unique_ptr<CurriculumDriver>(
      new CurriculumDriver(config, std::move(generator), std::move(cur), num_envs, control));
}

CurriculumDriver::CurriculumDriver(const RunConfig& config,
                                   std::shared_ptr<const curriculum::TaskGenerator> generator,
                                   std::unique_ptr<curriculum::Curriculum> curriculum, int num_envs,
                                   distributed::Control* control)
    : config_(config),
      generator_(std::move(generator)),
      curriculum_(std::move(curriculum)),
      control_(control),
      distributed_(control != nullptr && control->world().size > 1),
      sampler_(SamplerStream(config.seed, control, 0)),
      current_(num_envs, 0),
      pending_(num_envs, 0),
      score_max_(num_envs, 1.0),
      params_(generator_->num_keys()) {
  if (curriculum_ != nullptr) snapshot_ = curriculum_->snapshot();
}

envsim::TaskConfig CurriculumDriver::ConfigFor(uint64_t* task_id) {
  generator_->Generate(*task_id, params_.data(), &label_);
  StatusOr<envsim::TaskConfig> task = ApplyTaskParams(config_.task, *generator_, params_.data());
  if (task.ok()) return *task;
  // Each bucket value was checked alone at start-up; a combination can still fail (e.g. too
  // many objects for the room). Play the base task rather than stop the run, and credit the
  // episode to no task: it did not measure the one drawn.
  ++counters_.invalid_tasks;
  last_warning_ = "task " + label_ + " is not a valid env (" + task.status().message() + "); using the base env";
  *task_id = kNoTask;
  return config_.task;
}

uint64_t CurriculumDriver::NextTask() {
  if (!distributed_) return curriculum_->Sample().task_id;
  return (*snapshot_->task_ids)[snapshot_->SampleIndex(&sampler_)];
}

Status CurriculumDriver::BroadcastSnapshot() {
  std::vector<uint8_t> wire;
  if (curriculum_ != nullptr) wire = curriculum::PackSnapshot(*curriculum_->snapshot());
  LPT_RETURN_IF_ERROR(control_->BroadcastBytes(&wire));
  last_broadcast_bytes_ = wire.size();
  LPT_ASSIGN_OR_RETURN(snapshot_, curriculum::UnpackSnapshot(wire));
  return Status::Ok();
}

StatusOr<std::vector<envsim::TaskConfig>> CurriculumDriver::Start() {
  if (distributed_) LPT_RETURN_IF_ERROR(BroadcastSnapshot());
  std::vector<envsim::TaskConfig> first;
  for (size_t env = 0; env < current_.size(); ++env) {
    current_[env] = NextTask();
    first.push_back(ConfigFor(&current_[env]));
    score_max_[env] = ScoreMax(config_, first.back());
    pending_[env] = NextTask();
  }
  return first;
}

Status CurriculumDriver::ArmPending(envsim::ArenaBatch* batch) {
  for (size_t env = 0; env < pending_.size(); ++env) {
    LPT_RETURN_IF_ERROR(batch->SetPendingConfig(static_cast<int>(env), ConfigFor(&pending_[env])));
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
    } else if (current_[env] == kNoTask) {
      ++counters_.uncredited;
    } else {
      const double mean_return =
          std::accumulate(ep.returns.begin(), ep.returns.end(), 0.0) / static_cast<double>(ep.returns.size());
      ++counters_.results;
      if (distributed_) {
        result_ids_.push_back(current_[env]);
        result_scores_.push_back(mean_return);
        result_max_.push_back(score_max_[env]);
      } else {
        curriculum_->Update(current_[env], mean_return, score_max_[env]);
      }
    }
    // The env has already reset into its pending task; draw the one after it.
    current_[env] = pending_[env];
    score_max_[env] = ScoreMax(config_, batch->config(static_cast<int>(env)));
    pending_[env] = NextTask();
    const Status st = batch->SetPendingConfig(static_cast<int>(env), ConfigFor(&pending_[env]));
    if (!st.ok()) {
      // The env will replay its current config: that episode measures no drawn task.
      ++counters_.invalid_tasks;
      last_warning_ = "pending task rejected: " + st.message();
      pending_[env] = kNoTask;
    }
  }
}

Status CurriculumDriver::Sync() {
  if (!distributed_) return Status::Ok();
  std::vector<std::vector<uint8_t>> all;
  LPT_RETURN_IF_ERROR(control_->GatherBytes(PackResults(result_ids_, result_scores_, result_max_), &all));
  result_ids_.clear();
  result_scores_.clear();
  result_max_.clear();
  if (curriculum_ != nullptr) {
    for (const std::vector<uint8_t>& part : all) {
      uint64_t n = 0;
      if (part.size() < 8) return Status::Corruption("curriculum sync: short result batch");
      std::memcpy(&n, part.data(), 8);
      if (part.size() != 8 + n * 24) return Status::Corruption("curriculum sync: result batch of the wrong size");
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t id;
        double score, max;
        std::memcpy(&id, part.data() + 8 + i * 24, 8);
        std::memcpy(&score, part.data() + 16 + i * 24, 8);
        std::memcpy(&max, part.data() + 24 + i * 24, 8);
        curriculum_->Update(id, score, max);
      }
    }
    curriculum_->Recompute();
  }
  return BroadcastSnapshot();
}

ArrayBundle CurriculumDriver::ExportRankState() const {
  ArrayBundle b;
  b.u64["sampler_rng"] = {sampler_.key(), sampler_.counter()};
  b.u64["current_task"] = current_;
  b.u64["pending_task"] = pending_;
  b.f64["score_max"] = score_max_;
  b.i64["counters"] = {counters_.episodes, counters_.results, counters_.desync_skipped, counters_.invalid_tasks,
                       counters_.uncredited};
  return b;
}

Status CurriculumDriver::ImportRankState(const ArrayBundle& b) {
  const int64_t n = static_cast<int64_t>(current_.size());
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* rng, b.GetU64("sampler_rng", 2));
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* current, b.GetU64("current_task", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* pending, b.GetU64("pending_task", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<double>* score_max, b.GetF64("score_max", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* counters, b.GetI64("counters", 5));
  for (size_t e = 0; e < score_max->size(); ++e) {
    if (!((*score_max)[e] > 0) || !std::isfinite((*score_max)[e])) {
      return Status::Corruption("score_max[" + std::to_string(e) + "]: not a positive number");
    }
  }
  sampler_ = CounterRng::FromState((*rng)[0], (*rng)[1]);
  current_ = *current;
  pending_ = *pending;
  score_max_ = *score_max;
  RestoreCounters(*counters);
  return Status::Ok();
}

void CurriculumDriver::OffsetSampler(uint64_t generation) {
  sampler_ = SamplerStream(config_.seed, control_, generation);
}

void CurriculumDriver::RestoreCounters(const std::vector<int64_t>& c) {
  counters_ = DriverCounters{c.at(0), c.at(1), c.at(2), c.at(3), c.at(4)};
}

}  // namespace lpt
