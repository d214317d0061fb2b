// Builds without MPI (LPT_WITH_MPI=OFF): every process is a world of one.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "common/check.h"
#include "distributed/comm.h"
#include "distributed/world.h"

namespace lpt::distributed {

std::string DetectLauncher() { return "none"; }

StatusOr<WorldInfo> InitWorld(int*, char***) {
  WorldInfo w;
  char buf[256] = {};
  w.host = gethostname(buf, sizeof(buf) - 1) == 0 ? buf : "unknown-host";
  w.launcher = "none";
  if (std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr) {
    return Status::FailedPrecondition(
        "started by an MPI launcher, but this build has no MPI (LPT_WITH_MPI=OFF)");
  }
  SetProcessContext("rank 0 on " + w.host);
  return w;
}

void FinalizeWorld() {}

void SetCollectiveTimeout(double) {}

void AbortWorld(int exit_code, const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  std::_Exit(exit_code);
}

Status Control::Barrier() { return Status::Ok(); }
Status Control::GatherBytes(const std::vector<uint8_t>& mine,
                            std::vector<std::vector<uint8_t>>* at_root) {
  *at_root = {mine};
  return Status::Ok();
}
Status Control::ScatterBytes(const std::vector<std::vector<uint8_t>>& parts,
                             std::vector<uint8_t>* mine) {
  if (parts.size() != 1) return Status::InvalidArgument("ScatterBytes: one part per rank expected");
  *mine = parts[0];
  return Status::Ok();
}
Status Control::BroadcastBytes(std::vector<uint8_t>*) { return Status::Ok(); }
Status Control::AllreduceSum(std::vector<double>*) { return Status::Ok(); }
Status Control::AllreduceMax(std::vector<double>*) { return Status::Ok(); }
Status Control::AllreduceSum(std::vector<int64_t>*) { return Status::Ok(); }

StatusOr<std::unique_ptr<GradientComm>> MakeMpiComm(const WorldInfo&) {
  return Status::FailedPrecondition("this build has no MPI (LPT_WITH_MPI=OFF)");
}

}  // namespace lpt::distributed
