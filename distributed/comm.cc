#include "distributed/comm.h"

#include <algorithm>
#include <climits>

#ifdef LPT_HAVE_MPI
#include "distributed/mpi_util.h"
#endif

namespace lpt::distributed {
namespace {

class SelfComm : public GradientComm {
 public:
  std::string name() const override { return "self"; }
  Status AllreduceMean(float*, size_t) override { return Status::Ok(); }
};

#ifdef LPT_HAVE_MPI
class MpiComm : public GradientComm {
 public:
  explicit MpiComm(int size) : scale_(1.0f / static_cast<float>(size)) {}
  std::string name() const override { return "mpi"; }

  Status AllreduceMean(float* data, size_t count) override {
    // One collective for buffers under 2^31 elements (MPI counts are ints); chunks beyond.
    for (size_t off = 0; off < count; off += static_cast<size_t>(INT_MAX)) {
      const int n = static_cast<int>(std::min(count - off, static_cast<size_t>(INT_MAX)));
      Collective c("gradient allreduce");
      LPT_MPI_RETURN_IF_ERROR(
          MPI_Iallreduce(MPI_IN_PLACE, data + off, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, c.Add()));
      LPT_RETURN_IF_ERROR(c.Wait());
    }
    for (size_t i = 0; i < count; ++i) data[i] *= scale_;
    return Status::Ok();
  }

 private:
  float scale_;
};
#endif

}  // namespace

std::unique_ptr<GradientComm> MakeSelfComm() { return std::make_unique<SelfComm>(); }

#ifdef LPT_HAVE_MPI
StatusOr<std::unique_ptr<GradientComm>> MakeMpiComm(const WorldInfo& world) {
  if (!world.mpi)
    return Status::FailedPrecondition("MpiComm needs MPI (started by mpirun or srun)");
  return std::unique_ptr<GradientComm>(new MpiComm(world.size));
}
#endif

}  // namespace lpt::distributed
