#include "trainer/tensor_arrays.h"

#include <algorithm>

namespace lpt::trainer {
namespace {

std::string Shape(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

// The array's shape as stored (a one-dimensional array has no shape entry).
std::vector<int64_t> StoredShape(const ArrayBundle& b, const std::string& name, int64_t size) {
  const auto it = b.shapes.find(name);
  return it != b.shapes.end() ? it->second : std::vector<int64_t>{size};
}

}  // namespace

void PutTensor(ArrayBundle* b, const std::string& name, const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
  b->f32[name].assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  if (c.dim() != 1) b->shapes[name] = c.sizes().vec();
}

StatusOr<torch::Tensor> TakeTensor(const ArrayBundle& b, const std::string& name,
                                   const torch::Tensor& like) {
  LPT_ASSIGN_OR_RETURN(const std::vector<float>* v, b.GetF32(name));
  const std::vector<int64_t> want =
      like.dim() == 1 ? std::vector<int64_t>{like.numel()} : like.sizes().vec();
  const std::vector<int64_t> found = StoredShape(b, name, static_cast<int64_t>(v->size()));
  if (found != want || static_cast<int64_t>(v->size()) != like.numel()) {
    return Status::FailedPrecondition(name + ": shape " + Shape(found) + " in the checkpoint, " +
                                      Shape(want) + " here");
  }
  return torch::from_blob(const_cast<float*>(v->data()), like.sizes(), torch::kFloat)
      .clone()
      .to(like.device());
}

Status OnlyThese(const ArrayBundle& b, const std::vector<std::string>& expected) {
  const auto check = [&](const auto& arrays) -> Status {
    for (const auto& [name, v] : arrays) {
      if (std::find(expected.begin(), expected.end(), name) == expected.end()) {
        return Status::FailedPrecondition(name + ": not an array this model has");
      }
    }
    return Status::Ok();
  };
  LPT_RETURN_IF_ERROR(check(b.f32));
  LPT_RETURN_IF_ERROR(check(b.f64));
  LPT_RETURN_IF_ERROR(check(b.i64));
  LPT_RETURN_IF_ERROR(check(b.u64));
  LPT_RETURN_IF_ERROR(check(b.u8));
  return check(b.str);
}

}  // namespace lpt::trainer
