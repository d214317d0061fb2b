#include "trainer/gradient_sync.h"

#include <utility>

#include "common/clock.h"

namespace lpt::trainer {

StatusOr<std::unique_ptr<GradientSync>> GradientSync::Create(const distributed::WorldInfo& world,
                                                             torch::Device device,
                                                             std::vector<torch::Tensor> params) {
  std::unique_ptr<GradientSync> g(new GradientSync());
  g->world_size_ = world.size;
  if (world.size == 1) {
    g->comm_ = distributed::MakeSelfComm();
    return g;
  }
  if (device.is_cuda()) {
    auto nccl = distributed::MakeNcclComm(world);
    if (nccl.ok()) {
      g->comm_ = std::move(nccl).value();
    } else {
      g->note_ = "NCCL unavailable (" + nccl.status().message() + "); gradients go over MPI";
    }
  }
  if (g->comm_ == nullptr) {
    LPT_ASSIGN_OR_RETURN(g->comm_, distributed::MakeMpiComm(world));
    if (!device.is_cuda() && distributed::NcclBuilt()) {
      g->note_ = "no usable GPU (the model is on the CPU): gradients go over MPI, not NCCL";
    }
  }
  // NCCL reduces device memory; MPI host memory.
  const torch::Device buffer_device =
      g->comm_->name() == "nccl" ? device : torch::Device(torch::kCPU);
  int64_t n = 0;
  for (const torch::Tensor& p : params) n += p.numel();
  g->params_ = std::move(params);
  g->flat_ = torch::zeros({n}, torch::TensorOptions().dtype(torch::kFloat).device(buffer_device));
  return g;
}

void GradientSync::Average() {
  if (world_size_ == 1) return;
  const Stopwatch watch;
  torch::NoGradGuard no_grad;
  int64_t off = 0;
  for (const torch::Tensor& p : params_) {
    torch::Tensor slice = flat_.narrow(0, off, p.numel());
    if (p.grad().defined()) {
      slice.copy_(p.grad().reshape(-1));
    } else {
      slice.zero_();
    }
    off += p.numel();
  }
  const Status st =
      comm_->AllreduceMean(flat_.data_ptr<float>(), static_cast<size_t>(flat_.numel()));
  LPT_CHECK(st.ok()) << "gradient allreduce: " << st.message();
  off = 0;
  for (const torch::Tensor& p : params_) {
    if (p.grad().defined()) p.grad().reshape(-1).copy_(flat_.narrow(0, off, p.numel()));
    off += p.numel();
  }
  seconds_ += watch.Seconds();
}

double GradientSync::TakeSeconds() { return std::exchange(seconds_, 0.0); }

}  // namespace lpt::trainer
