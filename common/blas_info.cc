#include "common/blas_info.h"

#include <climits>
#include <cstdlib>
#include <fstream>

namespace lpt {

BlasInfo LoadedBlas() {
  BlasInfo info;
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const size_t base = path.rfind('/');
    const std::string file = path.substr(base + 1);
    if (file.rfind("libblas.so", 0) != 0 && file.rfind("libopenblas", 0) != 0 &&
        file.rfind("libmkl_rt", 0) != 0) {
      continue;
    }
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
      info.name = file;
    }
    if (!info.reference) return info;  // an optimised one wins over a reference also mapped
  }
  if (info.path.empty()) info.name = "none";
  return info;
}

}  // namespace lpt
