// Uniformly random arena actions, for the benchmark and `lptrain render`.
#ifndef LPTRAIN_TRAINER_RANDOM_ACTIONS_H_
#define LPTRAIN_TRAINER_RANDOM_ACTIONS_H_

#include <cstdint>
#include <vector>

#include "common/rng.h"
#include "envsim/types.h"

namespace lpt {

inline void FillRandomActions(CounterRng* rng, std::vector<int32_t>* actions) {
  for (int32_t& a : *actions) a = static_cast<int32_t>(rng->Below(envsim::kNumActions));
}

}  // namespace lpt

#endif  // LPTRAIN_TRAINER_RANDOM_ACTIONS_H_
