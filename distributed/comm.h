// GradientComm: averages one flat buffer of gradients across ranks with a single collective
// per call (never one per parameter). Backends: SelfComm (world of one: nothing to do),
// MpiComm (host memory), NcclComm (CUDA device memory; built with LPT_WITH_NCCL).
#ifndef LPTRAIN_DISTRIBUTED_COMM_H_
#define LPTRAIN_DISTRIBUTED_COMM_H_

#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "distributed/world.h"

namespace lpt::distributed {

class GradientComm {
 public:
  virtual ~GradientComm() = default;
  virtual std::string name() const = 0;  // "self", "mpi", "nccl"
  // In place: data[i] becomes the mean of data[i] over all ranks. `data` is host memory for
  // self/mpi and device memory for nccl. Every rank must call with the same count.
  virtual Status AllreduceMean(float* data, size_t count) = 0;
};

std::unique_ptr<GradientComm> MakeSelfComm();
// REQUIRES: world.mpi.
StatusOr<std::unique_ptr<GradientComm>> MakeMpiComm(const WorldInfo& world);

// Whether this build has the NCCL backend.
bool NcclBuilt();
// NCCL on the GPU picked by the local rank: rank 0 creates the unique id, MPI_Bcast shares it,
// every rank calls ncclCommInitRank. FailedPrecondition (with the reason) when this build has
// no NCCL or CUDA sees no usable device, so callers can fall back to MpiComm.
StatusOr<std::unique_ptr<GradientComm>> MakeNcclComm(const WorldInfo& world);
// For checks on a GPU machine: copies host data to the device, averages it with `nccl`, and
// copies it back.
Status NcclAllreduceMeanFromHost(GradientComm* nccl, float* host, size_t count);

}  // namespace lpt::distributed

#endif  // LPTRAIN_DISTRIBUTED_COMM_H_
