// The console line `lptrain train` prints for each logged iteration (rank 0):
//   [####......] iter 12/40  steps 294,912 (30%)  5,012 SPS  return 1.234  ore 4.10 battery
//   0.50 hearts 0.120  LP: gini 0.05 evicted 3  eta 1m32s
// (the bar only on a terminal). Iterations in which no episode ended show "-" for the
// episode figures.
#ifndef LPTRAIN_TRAINER_CLI_PROGRESS_H_
#define LPTRAIN_TRAINER_CLI_PROGRESS_H_

#include <cstdint>
#include <string>

#include "trainer/run/metrics.h"

namespace lpt::cli {

struct ProgressPoint {
  int64_t iteration = 0;
  int64_t planned_iterations = 0;
  int64_t agent_steps = 0;
  int64_t planned_agent_steps = 0;
};

std::string ProgressLine(const ProgressPoint& at, const run::MetricsRow& row, bool with_bar);

// Hearts per agent-episode by quarter of the planned run (episode-weighted), to see learning
// happen: the progress line ends with "hearts by quarter 0.05 0.31 0.72 -" and the run with
// "hearts per agent-episode: first quarter 0.05, last quarter 1.20".
class HeartsByQuarter {
 public:
  void Add(const ProgressPoint& at, const run::MetricsRow& row);
  std::string Line() const;     // "hearts by quarter 0.05 0.31 - -"
  std::string Summary() const;  // "" until the last quarter has episodes

 private:
  double hearts_[4] = {0, 0, 0, 0};
  double episodes_[4] = {0, 0, 0, 0};
};

}  // namespace lpt::cli

#endif  // LPTRAIN_TRAINER_CLI_PROGRESS_H_
