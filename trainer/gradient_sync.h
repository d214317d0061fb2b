// GradientSync: averages every parameter's gradient over the ranks through one preallocated
// flat buffer and one allreduce per minibatch (never a collective per parameter). The backend
// is chosen here: NCCL when the model is on a GPU and NCCL works, else MPI; a world of one
// has nothing to average.
#ifndef LPTRAIN_TRAINER_GRADIENT_SYNC_H_
#define LPTRAIN_TRAINER_GRADIENT_SYNC_H_

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "distributed/comm.h"
#include "distributed/world.h"

namespace lpt::trainer {

class GradientSync {
 public:
  static StatusOr<std::unique_ptr<GradientSync>> Create(const distributed::WorldInfo& world,
                                                        torch::Device device,
                                                        std::vector<torch::Tensor> params);
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // Replaces each parameter's gradient by its mean over ranks (parameters without a gradient
  // count as zero). Collective; a no-op for a world of one.
  void Average();
  bool averages() const { return world_size_ > 1; }
  // "self", "mpi" or "nccl".
  std::string backend() const { return comm_->name(); }
  // Why the backend is what it is, when that is not the obvious choice ("" otherwise).
  const std::string& note() const { return note_; }
  // Seconds spent in Average since the last call.
  double TakeSeconds();

 private:
  GradientSync() = default;

  int world_size_ = 1;
  std::unique_ptr<distributed::GradientComm> comm_;
  std::string note_;
  std::vector<torch::Tensor> params_;
  torch::Tensor flat_;
  double seconds_ = 0;
};

}  // namespace lpt::trainer

#endif  // LPTRAIN_TRAINER_GRADIENT_SYNC_H_
