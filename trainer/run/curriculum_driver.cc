#include "trainer/run/curriculum_driver.h"

#include <cmath>
#include <cstring>
#include <numeric>

#include "trainer/run/tasks.h"

namespace lpt::run {
namespace {

// Per-rank task draws, apart from every other stream.
constexpr uint64_t kSamplerStream = 0x7461736b73ULL;  // "tasks"

// This rank's task draws: substream rank (+ generation << 32 after a layout change).
CounterRng SamplerStream(uint64_t seed, const distributed::Control& control, uint64_t generation) {
  return CounterRng(seed, kSamplerStream,
                    static_cast<uint64_t>(control.world().rank) + (generation << 32));
}

}  // namespace

const CounterTable<DriverCounters>& DriverCounters::Table() {
  using C = DriverCounters;
  static const CounterTable<C> table = {{"episodes", &C::episodes},
                                        {"results", &C::results},
                                        {"desync_skipped", &C::desync_skipped},
                                        {"invalid_tasks", &C::invalid_tasks},
                                        {"uncredited", &C::uncredited}};
  return table;
}

std::vector<uint8_t> PackResults(const std::vector<ResultRecord>& results) {
  const uint64_t n = results.size();
  std::vector<uint8_t> out(sizeof(n) + n * sizeof(ResultRecord));
  std::memcpy(out.data(), &n, sizeof(n));
  if (n > 0) std::memcpy(out.data() + sizeof(n), results.data(), n * sizeof(ResultRecord));
  return out;
}

StatusOr<std::vector<ResultRecord>> UnpackResults(const std::vector<uint8_t>& bytes) {
  uint64_t n = 0;
  if (bytes.size() < sizeof(n)) return Status::Corruption("curriculum sync: short result batch");
  std::memcpy(&n, bytes.data(), sizeof(n));
  if ((bytes.size() - sizeof(n)) / sizeof(ResultRecord) != n ||
      (bytes.size() - sizeof(n)) % sizeof(ResultRecord) != 0) {
    return Status::Corruption("curriculum sync: result batch of the wrong size");
  }
  std::vector<ResultRecord> out(n);
  if (n > 0) std::memcpy(out.data(), bytes.data() + sizeof(n), n * sizeof(ResultRecord));
  return out;
}

StatusOr<std::unique_ptr<CurriculumDriver>> CurriculumDriver::Create(
    const RunConfig& config, int num_envs, distributed::Control* control) {
  LPT_ASSIGN_OR_RETURN(std::shared_ptr<const curriculum::TaskGenerator> generator,
                       MakeTaskGenerator(config));
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
      solo_(control == nullptr ? std::make_unique<distributed::Control>(distributed::WorldInfo{})
                               : nullptr),
      control_(control != nullptr ? control : solo_.get()),
      sampler_(SamplerStream(config.seed, *control_, 0)),
      current_(num_envs, 0),
      pending_(num_envs, 0),
      rooms_(num_envs, 1),
      params_(generator_->num_keys()) {
  if (curriculum_ != nullptr) snapshot_ = curriculum_->snapshot();
}

void CurriculumDriver::set_log_sink(std::function<void(const std::string&)> sink) {
  if (curriculum_ != nullptr) curriculum_->set_log_sink(std::move(sink));
}

envsim::TaskConfig CurriculumDriver::ConfigFor(uint64_t* task_id) {
  generator_->Generate(*task_id, params_.data(), &label_);
  StatusOr<envsim::TaskConfig> task = ApplyTaskParams(config_.task, *generator_, params_.data());
  if (task.ok()) return *task;
  // Each bucket value was checked alone at start-up; a combination can still fail (e.g. too
  // many objects for the room). Play the base task rather than stop the run, and credit the
  // episode to no task: it did not measure the one drawn.
  ++counters_.invalid_tasks;
  last_warning_ = "task " + label_ + " is not a valid env (" + task.status().message() +
                  "); using the base env";
  *task_id = kNoTask;
  return config_.task;
}

uint64_t CurriculumDriver::NextTask() {
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
  LPT_RETURN_IF_ERROR(BroadcastSnapshot());
  std::vector<envsim::TaskConfig> first;
  for (size_t env = 0; env < current_.size(); ++env) {
    current_[env] = NextTask();
    first.push_back(ConfigFor(&current_[env]));
    rooms_[env] = first.back().num_instances;
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
      room_scores_.clear();
      double max_score = 1;
      RoomScores(config_, ep, static_cast<int>(rooms_[env]), &room_scores_, &max_score);
      for (double score : room_scores_) results_.push_back({current_[env], score, max_score});
      counters_.results += static_cast<int64_t>(room_scores_.size());
    }
    // The env has already reset into its pending task; draw the one after it.
    current_[env] = pending_[env];
    rooms_[env] = batch->config(static_cast<int>(env)).num_instances;
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
  std::vector<std::vector<uint8_t>> all;
  LPT_RETURN_IF_ERROR(control_->GatherBytes(PackResults(results_), &all));
  results_.clear();
  if (curriculum_ != nullptr) {
    last_by_class_.clear();
    for (const std::vector<uint8_t>& part : all) {
      LPT_ASSIGN_OR_RETURN(const std::vector<ResultRecord> records, UnpackResults(part));
      for (const ResultRecord& r : records) {
        curriculum_->Update(r.task_id, r.score, r.max_score);
        generator_->Generate(r.task_id, params_.data(), &label_);
        ++last_by_class_[TaskClass(label_)];
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
  b.i64["rooms"] = rooms_;
  PutCounters(counters_, &b);
  return b;
}

Status CurriculumDriver::ImportRankState(const ArrayBundle& b) {
  const int64_t n = static_cast<int64_t>(current_.size());
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* rng, b.GetU64("sampler_rng", 2));
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* current, b.GetU64("current_task", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* pending, b.GetU64("pending_task", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* rooms, b.GetI64("rooms", n));
  DriverCounters counters;
  LPT_RETURN_IF_ERROR(GetCounters(b, &counters));
  for (size_t e = 0; e < rooms->size(); ++e) {
    if ((*rooms)[e] < 1 || (*rooms)[e] > 64) {
      return Status::Corruption("rooms[" + std::to_string(e) + "]: not a room count");
    }
  }
  sampler_ = CounterRng::FromState((*rng)[0], (*rng)[1]);
  current_ = *current;
  pending_ = *pending;
  rooms_ = *rooms;
  counters_ = counters;
  return Status::Ok();
}

void CurriculumDriver::OffsetSampler(uint64_t generation) {
  sampler_ = SamplerStream(config_.seed, *control_, generation);
}

}  // namespace lpt::run
