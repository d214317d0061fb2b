#include "common/blas_info.h"

#include <dlfcn.h>

#include <climits>
#include <cstdlib>
#include <fstream>

namespace lpt {
namespace {

// Names a BLAS library from its path.
BlasInfo Classify(const std::string& path) {
  BlasInfo info;
  char resolved[PATH_MAX];
  info.path = ::realpath(path.c_str(), resolved) != nullptr ? resolved : path;
  if (info.path.find("openblas-openmp") != std::string::npos) {
    info.name = "openblas-openmp";
  } else if (info.path.find("openblas-pthread") != std::string::npos) {
    info.name = "openblas-pthread";
  } else if (info.path.find("openblas-serial") != std::string::npos) {
    info.name = "openblas-serial";
  } else if (info.path.find("openblas") != std::string::npos) {
    info.name = "openblas";
  } else if (info.path.find("mkl") != std::string::npos) {
    info.name = "mkl";
  } else if (info.path.find("/blas/") != std::string::npos) {
    info.name = "reference";
    info.reference = true;
  } else {
    info.name = info.path.substr(info.path.rfind('/') + 1);
  }
  return info;
}

}  // namespace

BlasInfo LoadedBlas() {
  // The library whose sgemm_ the process's calls resolve to: with several BLAS mapped (a
  // reference one preloaded next to the OpenBLAS that LAPACK brings), the one that computes.
  Dl_info where{};
  if (void* sgemm = ::dlsym(RTLD_DEFAULT, "sgemm_");
      sgemm != nullptr && ::dladdr(sgemm, &where) != 0 && where.dli_fname != nullptr) {
    return Classify(where.dli_fname);
  }
  // No sgemm_ in the global scope: the first BLAS mapped, if any.
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string file = path.substr(path.rfind('/') + 1);
    if (file.rfind("libblas.so", 0) == 0 || file.rfind("libopenblas", 0) == 0 ||
        file.rfind("libmkl_rt", 0) == 0) {
      return Classify(path);
    }
  }
  BlasInfo none;
  none.name = "none";
  return none;
}

}  // namespace lpt
