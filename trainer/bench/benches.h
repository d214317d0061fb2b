// The benches, one function each returning its table entry (harness.h). Torch-free:
// env, curriculum. With LibTorch: train, checkpoint, comm, scaling.
#ifndef LPTRAIN_TRAINER_BENCH_BENCHES_H_
#define LPTRAIN_TRAINER_BENCH_BENCHES_H_

#include "trainer/bench/harness.h"

namespace lpt::bench {

Bench EnvBench();
Bench CurriculumBench();
Bench SteeringBench();
Bench TrainBench();
Bench CheckpointBench();
Bench CommBench();
Bench ScalingBench();
Bench LearningBench();
Bench LearnerBench();
Bench FuzzBench();

}  // namespace lpt::bench

#endif  // LPTRAIN_TRAINER_BENCH_BENCHES_H_
