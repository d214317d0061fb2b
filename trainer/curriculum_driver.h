// CurriculumDriver: the curriculum in the rollout loop. Each env always has the task of its
// running episode and the task of its next one (the env's pending config, applied at its
// reset). When an episode ends the mean agent return, divided by the score normaliser, goes to
// the curriculum (episodes cut short by desync are skipped: they are no measurement of their
// task), the pending task becomes current, and a new pending task is drawn from the current
// snapshot. Torch-free.
#ifndef LPTRAIN_TRAINER_CURRICULUM_DRIVER_H_
#define LPTRAIN_TRAINER_CURRICULUM_DRIVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/span.h"
#include "common/status.h"
#include "curriculum/curriculum.h"
#include "envsim/arena.h"
#include "trainer/config.h"

namespace lpt {

struct DriverCounters {
  int64_t episodes = 0;          // episodes finished
  int64_t results = 0;           // reported to the curriculum
  int64_t desync_skipped = 0;    // finished but cut short by desync
  int64_t invalid_tasks = 0;     // generated tasks whose config did not fit (base config used)
};

class CurriculumDriver {
 public:
  static StatusOr<std::unique_ptr<CurriculumDriver>> Create(const RunConfig& config, int num_envs);

  // Draws every env's first (current) and second (pending) task. Returns the first tasks'
  // configs, to create the ArenaBatch with.
  std::vector<envsim::TaskConfig> Start();
  // Sets every env's pending config on the batch (after Start and batch creation).
  Status ArmPending(envsim::ArenaBatch* batch);
  // After a Step of envs [range]: handles the envs whose episode ended.
  void OnStep(envsim::ArenaBatch* batch, Span<const uint8_t> episode_end);

  curriculum::Curriculum& curriculum() { return *curriculum_; }
  const curriculum::Curriculum& curriculum() const { return *curriculum_; }
  const DriverCounters& counters() const { return counters_; }
  uint64_t current_task(int env) const { return current_[env]; }
  // The last problem met since the previous call ("" if none), and forgets it.
  std::string TakeWarning() { return std::exchange(last_warning_, std::string()); }

 private:
  CurriculumDriver(const RunConfig& config, std::shared_ptr<const curriculum::TaskGenerator> generator,
                   std::unique_ptr<curriculum::Curriculum> curriculum, int num_envs);
  envsim::TaskConfig ConfigFor(uint64_t task_id);

  const RunConfig& config_;
  std::shared_ptr<const curriculum::TaskGenerator> generator_;
  std::unique_ptr<curriculum::Curriculum> curriculum_;
  std::vector<uint64_t> current_, pending_;
  std::vector<double> score_max_;  // per env, of the current task
  std::vector<double> params_;
  std::string label_;
  DriverCounters counters_;
  std::string last_warning_;
};

}  // namespace lpt

#endif  // LPTRAIN_TRAINER_CURRICULUM_DRIVER_H_
