// NcclComm: the GPU backend. Every CUDA and NCCL return code is checked and reported with the
// host and rank.
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <string>

#include "common/check.h"
#include "distributed/comm.h"
#include "distributed/mpi_util.h"

namespace lpt::distributed {
namespace {

Status CudaStatus(cudaError_t code, const char* what) {
  return Status::Internal(std::string(what) + ": " + cudaGetErrorString(code) + " (" +
                          ProcessContext() + ")");
}
Status NcclStatus(ncclResult_t code, const char* what) {
  return Status::Internal(std::string(what) + ": " + ncclGetErrorString(code) + " (" +
                          ProcessContext() + ")");
}

#define LPT_CUDA_RETURN_IF_ERROR(call)                                           \
  do {                                                                           \
    const cudaError_t lpt_cuda_code_ = (call);                                   \
    if (lpt_cuda_code_ != cudaSuccess) return CudaStatus(lpt_cuda_code_, #call); \
  } while (0)
#define LPT_NCCL_RETURN_IF_ERROR(call)                                           \
  do {                                                                           \
    const ncclResult_t lpt_nccl_code_ = (call);                                  \
    if (lpt_nccl_code_ != ncclSuccess) return NcclStatus(lpt_nccl_code_, #call); \
  } while (0)

class NcclComm : public GradientComm {
 public:
  NcclComm(ncclComm_t comm, cudaStream_t stream, int size)
      : comm_(comm), stream_(stream), size_(size) {}
  ~NcclComm() override {
    ncclCommDestroy(comm_);
    cudaStreamDestroy(stream_);
  }
  std::string name() const override { return "nccl"; }

  Status AllreduceMean(float* data, size_t count) override {
    LPT_NCCL_RETURN_IF_ERROR(ncclAllReduce(data, data, count, ncclFloat, ncclAvg, comm_, stream_));
    LPT_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_));
    return Status::Ok();
  }

 private:
  ncclComm_t comm_;
  cudaStream_t stream_;
  int size_;
};

}  // namespace

bool NcclBuilt() { return true; }

StatusOr<std::unique_ptr<GradientComm>> MakeNcclComm(const WorldInfo& world) {
  if (!world.mpi) return Status::FailedPrecondition("NCCL needs MPI to share its unique id");
  int devices = 0;
  const cudaError_t probe = cudaGetDeviceCount(&devices);
  // Every rank must agree on the backend: a rank without a GPU makes all fall back.
  int usable = (probe == cudaSuccess && devices > 0) ? 1 : 0;
  LPT_MPI_RETURN_IF_ERROR(
      MPI_Allreduce(MPI_IN_PLACE, &usable, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
  if (!usable) {
    return Status::FailedPrecondition(
        probe != cudaSuccess ? std::string("no usable GPU (") + cudaGetErrorString(probe) + ")"
                             : std::string("no usable GPU (no CUDA device)"));
  }
  LPT_CUDA_RETURN_IF_ERROR(cudaSetDevice(world.local_rank % devices));
  ncclUniqueId id;
  if (world.rank == 0) LPT_NCCL_RETURN_IF_ERROR(ncclGetUniqueId(&id));
  LPT_MPI_RETURN_IF_ERROR(MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, MPI_COMM_WORLD));
  ncclComm_t comm;
  LPT_NCCL_RETURN_IF_ERROR(ncclCommInitRank(&comm, world.size, id, world.rank));
  cudaStream_t stream;
  LPT_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  return std::unique_ptr<GradientComm>(new NcclComm(comm, stream, world.size));
}

Status NcclAllreduceMeanFromHost(GradientComm* nccl, float* host, size_t count) {
  float* device = nullptr;
  LPT_CUDA_RETURN_IF_ERROR(cudaMalloc(&device, count * sizeof(float)));
  Status st;
  cudaError_t rc = cudaMemcpy(device, host, count * sizeof(float), cudaMemcpyHostToDevice);
  if (rc != cudaSuccess) st = CudaStatus(rc, "cudaMemcpy to device");
  if (st.ok()) st = nccl->AllreduceMean(device, count);
  if (st.ok() && (rc = cudaMemcpy(host, device, count * sizeof(float), cudaMemcpyDeviceToHost)) !=
                     cudaSuccess) {
    st = CudaStatus(rc, "cudaMemcpy to host");
  }
  cudaFree(device);
  return st;
}

}  // namespace lpt::distributed
