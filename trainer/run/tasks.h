// The curriculum <-> env bridge, in one place: how a run config's buckets become the
// curriculum's task generator, how a generated task's parameters become an env config, the
// score the curriculum is given for an episode, and the env batches a rank creates (sized for
// the largest task any bucket combination can ask for).
#ifndef LPTRAIN_TRAINER_RUN_TASKS_H_
#define LPTRAIN_TRAINER_RUN_TASKS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "curriculum/task_generator.h"
#include "envsim/arena.h"
#include "envsim/task_config.h"
#include "trainer/run/config.h"

namespace lpt::run {

// Finite task sets of at most this many combinations get an enumerated pool under
// curriculum.pool=auto.
inline constexpr uint64_t kAutoEnumerated = 10000;

// The mixed-difficulty task set over the hearts recipe (26 tasks), one generator spec per
// part; a spec's name is its tasks' class:
//   impossible  no altar (with or without a battery stock), or no battery source (no mine, no
//               stock) for altars costing 1 or 2 batteries; rooms of 9 or 13 cells (8 tasks)
//   trivial     6 hearts already waiting in the altar; rooms of 9 or 13 (2 tasks)
//   learnable   the battery carried (every agent starts with one) or not, 6 batteries waiting in
//               the generator or not (else only the chain mine -> ore -> generator -> battery),
//               the altar costing 1 or 2 batteries, rooms of 9 or 13 (16 tasks)
// The reward is success alone, so a room's result is the share of its agents that made a heart.
std::vector<curriculum::GeneratorSpec> MixedDifficultySpecs();

// The class of a task: the first part of its label ("learnable" for "learnable|...").
std::string TaskClass(const std::string& label);
// The classes of the run's task set, in spec order, each once.
std::vector<std::string> TaskClasses(const RunConfig& config);

// Every fixed param and every bucket value of config.task_specs must make a valid env on its
// own (combinations are checked when drawn; an invalid one is played as the base task and
// credited to no task). Errors name the bucket key and the value.
Status CheckTaskSpecs(const RunConfig& config);

// The results a run of config brings the curriculum: one per room-episode, so
// total_timesteps / (agents per room x max_steps) of the base task.
double ExpectedResults(const RunConfig& config);

// The task generator a config describes (its task specs; enumerated per config.enumerate).
StatusOr<std::shared_ptr<const curriculum::TaskGenerator>> MakeTaskGenerator(
    const RunConfig& config);

// The base task with a generated task's params applied (NaN params leave a field as it is);
// an error when the combination is not a valid env.
StatusOr<envsim::TaskConfig> ApplyTaskParams(const envsim::TaskConfig& base,
                                             const curriculum::TaskGenerator& generator,
                                             const double* params);

// The curriculum's results for one finished episode of `rooms` rooms: one per room (rooms are
// independent maps; agent a plays in room a % rooms). With curriculum.score=success a room's
// score is the share of its agents that made at least one heart; with score=return it is the
// mean return of its agents, to be divided by *max_score (= curriculum.score_max). Appends
// one score per room to *scores.
void RoomScores(const RunConfig& config, const envsim::EpisodeStats& episode, int rooms,
                std::vector<double>* scores, double* max_score);

// The largest map and converter count any task of the config can ask for: every param at its
// largest value over the task set at once (sizes grow with each of these values).
envsim::TaskConfig CapacityConfig(const RunConfig& config);

// The batch options of rank `rank`'s envs: env ids rank * num_envs + e, capacity for every
// task of the config. `generation` > 0 offsets the env ids (fresh envs after a resume on
// another layout must not replay the run's first episodes).
envsim::BatchOptions BatchOptionsFor(const RunConfig& config, int rank, uint64_t generation = 0);

// TaskFeatures: the task's varied params as policy inputs. For every key the task set sets
// (fixed or bucketed), the value in the env's config scaled to [0, 1] over the values the set
// (and the base task) gives that key. Empty (size 0) when the run varies nothing, or when
// env.task_features=off.
class TaskFeatures {
 public:
  static StatusOr<TaskFeatures> Create(const RunConfig& config);
  int size() const { return static_cast<int>(fields_.size()); }
  const std::vector<std::string>& keys() const { return keys_; }
  // out[0 .. size()) for an env playing `task`.
  void Compute(const envsim::TaskConfig& task, float* out) const;

 private:
  std::vector<std::string> keys_;
  std::vector<const envsim::TaskField*> fields_;
  std::vector<double> min_, scale_;
};

}  // namespace lpt::run

#endif  // LPTRAIN_TRAINER_RUN_TASKS_H_
