// RankReduction: per-iteration figures combined over ranks by name. Every rank adds the same
// names in the same order (sums, e.g. "episodes", and maxima, e.g. "timing/iteration"); one
// Reduce() does one allreduce for the sums and one for the maxima, and checks that every rank
// named the same figures. With a world of one it changes nothing.
#ifndef LPTRAIN_TRAINER_RUN_REDUCTION_H_
#define LPTRAIN_TRAINER_RUN_REDUCTION_H_

#include <string>
#include <vector>

#include "common/status.h"
#include "distributed/world.h"

namespace lpt::run {

class RankReduction {
 public:
  // REQUIRES: each name added once, before Reduce.
  void Sum(const std::string& name, double value);
  void Max(const std::string& name, double value);
  // Collective. Afterwards Get returns the sums and maxima over ranks.
  Status Reduce(distributed::Control* control);
  // The value of a name added with Sum or Max (an unknown name is a bug: LPT_CHECK).
  double Get(const std::string& name) const;

 private:
  std::vector<std::string> sum_names_, max_names_;
  std::vector<double> sums_, maxima_;
};

}  // namespace lpt::run

#endif  // LPTRAIN_TRAINER_RUN_REDUCTION_H_
