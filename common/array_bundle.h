// ArrayBundle: a module's state as named plain arrays (float32, float64, int64, uint64, uint8,
// text). Modules
// export their state into one and import it back; io/ writes each array as one dataset, so a
// checkpoint layout is exactly the names used here. Lookups that fail name the array and the
// expected vs found size.
#ifndef LPTRAIN_COMMON_ARRAY_BUNDLE_H_
#define LPTRAIN_COMMON_ARRAY_BUNDLE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace lpt {

struct ArrayBundle {
  std::map<std::string, std::vector<float>> f32;
  std::map<std::string, std::vector<int64_t>> i64;
  std::map<std::string, std::vector<uint64_t>> u64;
  std::map<std::string, std::vector<double>> f64;
  std::map<std::string, std::vector<uint8_t>> u8;
  std::map<std::string, std::vector<std::string>> str;
  // Optional shape of a numeric array (e.g. a weight matrix); absent: one dimension.
  std::map<std::string, std::vector<int64_t>> shapes;

  // The named array, checked to hold `size` elements (any size when size < 0).
  StatusOr<const std::vector<int64_t>*> GetI64(const std::string& name, int64_t size = -1) const;
  StatusOr<const std::vector<uint64_t>*> GetU64(const std::string& name, int64_t size = -1) const;
  StatusOr<const std::vector<double>*> GetF64(const std::string& name, int64_t size = -1) const;
  StatusOr<const std::vector<std::string>*> GetStr(const std::string& name,
                                                   int64_t size = -1) const;
  // A one-element array's value.
  StatusOr<int64_t> ScalarI64(const std::string& name) const;
  StatusOr<uint64_t> ScalarU64(const std::string& name) const;
  StatusOr<double> ScalarF64(const std::string& name) const;

  StatusOr<const std::vector<float>*> GetF32(const std::string& name, int64_t size = -1) const;
  StatusOr<const std::vector<uint8_t>*> GetU8(const std::string& name, int64_t size = -1) const;

  // Equal names, shapes and values; floating-point values compare by their bits, so NaN
  // entries (e.g. a param a task does not set) are equal to themselves.
  bool operator==(const ArrayBundle& o) const;
};

// Named bundles ("model", "ranks/1/env", ...) as one byte string and back: how state moves
// between ranks (gathered to rank 0 for a checkpoint, scattered back on resume). The format is
// private to one job (native byte order); files use io/.
using BundleMap = std::map<std::string, ArrayBundle>;
std::vector<uint8_t> PackBundles(const BundleMap& bundles);
StatusOr<BundleMap> UnpackBundles(const std::vector<uint8_t>& bytes);

}  // namespace lpt

#endif  // LPTRAIN_COMMON_ARRAY_BUNDLE_H_
