// Builds without NCCL: the backend reports itself missing so callers use MpiComm.
#include "distributed/comm.h"

namespace lpt::distributed {

bool NcclBuilt() { return false; }

StatusOr<std::unique_ptr<GradientComm>> MakeNcclComm(const WorldInfo&) {
  return Status::FailedPrecondition("this build has no NCCL backend (LPT_WITH_NCCL=OFF)");
}

Status NcclAllreduceMeanFromHost(GradientComm*, float*, size_t) {
  return Status::FailedPrecondition("this build has no NCCL backend (LPT_WITH_NCCL=OFF)");
}

}  // namespace lpt::distributed
