// Which BLAS this process runs its matrix products on. Debian's LibTorch calls libblas.so.3,
// which the alternatives system points at the reference BLAS (slow, single-threaded) unless an
// optimised one (OpenBLAS) is installed; the difference is about 3x in training speed.
#ifndef LPTRAIN_COMMON_BLAS_INFO_H_
#define LPTRAIN_COMMON_BLAS_INFO_H_

#include <string>

namespace lpt {

struct BlasInfo {
  std::string path;  // the library (resolved), "" when none is mapped
  std::string name;  // "openblas-openmp", "openblas-pthread", "openblas-serial", "reference", ...
  bool reference = false;  // the unoptimised reference implementation
};

// The library that the process's sgemm_ resolves to (so a BLAS preloaded over another one is
// the one named); without sgemm_ in the global scope, the first BLAS in /proc/self/maps.
BlasInfo LoadedBlas();

}  // namespace lpt

#endif  // LPTRAIN_COMMON_BLAS_INFO_H_
