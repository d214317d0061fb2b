#include "common/array_bundle.h"

namespace lpt {
namespace {

template <typename T>
StatusOr<const std::vector<T>*> Get(const std::map<std::string, std::vector<T>>& arrays,
                                    const std::string& name, int64_t size, const char* type) {
  const auto it = arrays.find(name);
  if (it == arrays.end()) {
    return Status::NotFound(name + ": missing " + type + " array");
  }
  if (size >= 0 && static_cast<int64_t>(it->second.size()) != size) {
    return Status::Corruption(name + ": " + std::to_string(it->second.size()) +
                              " elements, expected " + std::to_string(size));
  }
  return &it->second;
}

}  // namespace

StatusOr<const std::vector<float>*> ArrayBundle::GetF32(const std::string& name, int64_t size) const {
  return Get(f32, name, size, "float32");
}
StatusOr<const std::vector<int64_t>*> ArrayBundle::GetI64(const std::string& name, int64_t size) const {
  return Get(i64, name, size, "int64");
}
StatusOr<const std::vector<uint64_t>*> ArrayBundle::GetU64(const std::string& name, int64_t size) const {
  return Get(u64, name, size, "uint64");
}
StatusOr<const std::vector<double>*> ArrayBundle::GetF64(const std::string& name, int64_t size) const {
  return Get(f64, name, size, "float64");
}
StatusOr<const std::vector<std::string>*> ArrayBundle::GetStr(const std::string& name, int64_t size) const {
  return Get(str, name, size, "text");
}
StatusOr<int64_t> ArrayBundle::ScalarI64(const std::string& name) const {
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* v, GetI64(name, 1));
  return (*v)[0];
}
StatusOr<uint64_t> ArrayBundle::ScalarU64(const std::string& name) const {
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* v, GetU64(name, 1));
  return (*v)[0];
}
StatusOr<double> ArrayBundle::ScalarF64(const std::string& name) const {
  LPT_ASSIGN_OR_RETURN(const std::vector<double>* v, GetF64(name, 1));
  return (*v)[0];
}

}  // namespace lpt
