// EpisodeTally: an iteration's sums over the episodes that ended in it, per agent-episode
// (returns, items gained, hearts, actions, attacks, times frozen), for the env/* and charts/*
// metrics. Episodes cut short by desync are left out (they would bias returns low).
#ifndef LPTRAIN_TRAINER_RUN_EPISODE_TALLY_H_
#define LPTRAIN_TRAINER_RUN_EPISODE_TALLY_H_

#include <cstdint>

#include "common/span.h"
#include "envsim/arena.h"
#include "trainer/run/metrics.h"
#include "trainer/run/reduction.h"

namespace lpt::run {

class EpisodeTally {
 public:
  // Adds the last episode of every env with episode_end set ([num_envs]).
  void AddEnded(const envsim::ArenaBatch& batch, Span<const uint8_t> episode_end);
  void Add(const envsim::EpisodeStats& episode);
  void Clear() { *this = EpisodeTally(); }

  // The sums, by name ("tally/..."), for the reduction over ranks.
  void AddTo(RankReduction* reduction) const;
  // charts/episodes, charts/episode_return, charts/episode_length and env/* from reduced sums
  // (NaN where no episode ended).
  static void Report(const RankReduction& reduced, MetricsRow* row);

 private:
  int64_t episodes_ = 0;
  int64_t agent_episodes_ = 0;
  double returns_ = 0;
  double length_ = 0;
  double gained_[envsim::kNumItems] = {};
  double hearts_made_ = 0;
  double actions_ = 0;
  double failed_ = 0;
  double frozen_ = 0;
  double attacks_ = 0;
};

}  // namespace lpt::run

#endif  // LPTRAIN_TRAINER_RUN_EPISODE_TALLY_H_
