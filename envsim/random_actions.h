// Uniformly random arena actions: the benchmarks' load, `lptrain render`'s walk, and the
// baseline a trained policy is compared against.
#ifndef LPTRAIN_ENVSIM_RANDOM_ACTIONS_H_
#define LPTRAIN_ENVSIM_RANDOM_ACTIONS_H_

#include <cstdint>
#include <vector>

#include "common/rng.h"
#include "envsim/types.h"

namespace lpt::envsim {

// Every entry of *actions an action index drawn uniformly from rng.
inline void FillRandomActions(CounterRng* rng, std::vector<int32_t>* actions) {
  for (int32_t& a : *actions) a = static_cast<int32_t>(rng->Below(kNumActions));
}

}  // namespace lpt::envsim

#endif  // LPTRAIN_ENVSIM_RANDOM_ACTIONS_H_
