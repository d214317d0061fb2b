// Tensors as the named float32 arrays of an ArrayBundle (how model, optimizer and rollout
// state reach checkpoints), and back with their shape checked.
#ifndef LPTRAIN_TRAINER_TENSOR_ARRAYS_H_
#define LPTRAIN_TRAINER_TENSOR_ARRAYS_H_

#include <torch/torch.h>

#include <string>
#include <vector>

#include "common/array_bundle.h"
#include "common/status.h"

namespace lpt::trainer {

// t as float32 array `name` of b (its shape recorded unless one-dimensional).
void PutTensor(ArrayBundle* b, const std::string& name, const torch::Tensor& t);
// Array `name` of b as a tensor like `like` (same shape, device); an error naming the array
// and both shapes when they differ.
StatusOr<torch::Tensor> TakeTensor(const ArrayBundle& b, const std::string& name,
                                   const torch::Tensor& like);
// Every array of b must be one of `expected` (so a renamed or extra array is caught).
Status OnlyThese(const ArrayBundle& b, const std::vector<std::string>& expected);

}  // namespace lpt::trainer

#endif  // LPTRAIN_TRAINER_TENSOR_ARRAYS_H_
