// A build without LibTorch has no benches that train.
#include "trainer/bench/harness.h"

namespace lpt::bench {

std::vector<Bench> TorchBenches() { return {}; }

}  // namespace lpt::bench
