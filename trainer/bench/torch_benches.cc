#include "trainer/bench/benches.h"

namespace lpt::bench {

std::vector<Bench> TorchBenches() {
  return {TrainBench(),   CheckpointBench(), CommBench(),
          ScalingBench(), LearningBench(),   LearnerBench()};
}

}  // namespace lpt::bench
