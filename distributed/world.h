// World: the job's processes. Under a launcher (mpirun/mpiexec, or srun --mpi=pmix) MPI is
// initialised and rank, size and local rank come from it (local rank via a shared-memory
// communicator split); a process started without a launcher is a world of one and never
// touches MPI. Public headers of this module never include mpi.h.
#ifndef LPTRAIN_DISTRIBUTED_WORLD_H_
#define LPTRAIN_DISTRIBUTED_WORLD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace lpt::distributed {

struct WorldInfo {
  int rank = 0;
  int size = 1;
  int local_rank = 0;  // rank among the processes on this host (picks the GPU)
  int local_size = 1;
  std::string host;
  std::string launcher;  // "mpirun", "srun" or "none"
  bool mpi = false;      // MPI initialised (and to be finalised)
};

// The launcher that started this process, from its environment: "mpirun" (Open MPI's
// OMPI_COMM_WORLD_* or PMIx variables), "srun" (SLURM_STEP_ID with PMIx), or "none".
std::string DetectLauncher();

// Initialises MPI when a launcher started us (MPI_THREAD_FUNNELED: only the main thread calls
// MPI), sets MPI errors to return codes, and makes LPT_CHECK failures abort every rank.
// Call once, first thing in main. LPT_DISTRIBUTED=off forces a world of one.
StatusOr<WorldInfo> InitWorld(int* argc, char*** argv);
// Finalises MPI if it was initialised. Safe to call more than once.
void FinalizeWorld();
// Ends the whole job now: MPI_Abort when MPI is up, exit otherwise. Never returns.
[[noreturn]] void AbortWorld(int exit_code, const std::string& message);

// The exit code of a job ended by a collective that timed out.
inline constexpr int kExitCollectiveTimeout = 4;
// Every collective (Control's and the MPI gradient allreduce) completes within `seconds`, or
// the job ends: the waiting ranks ask for signs of life (rank 0 asks every rank, the others
// ask rank 0) and print the operation and the ranks that did not answer, then the job is
// aborted with kExitCollectiveTimeout, within `seconds` + 10 s of the operation's start on rank
// 0. 0 (the default) waits forever. Set it on every rank alike.
void SetCollectiveTimeout(double seconds);

// Control-plane collectives over the world (rank 0 is the root). With a world of one they
// are local copies. All ranks must call them in the same order.
class Control {
 public:
  explicit Control(const WorldInfo& world) : world_(world) {}

  const WorldInfo& world() const { return world_; }
  bool is_root() const { return world_.rank == 0; }

  Status Barrier();
  // Every rank's `mine` (any length, empty allowed) delivered to rank 0 in rank order;
  // `at_root` is untouched on other ranks.
  Status GatherBytes(const std::vector<uint8_t>& mine, std::vector<std::vector<uint8_t>>* at_root);
  // Rank 0's `parts[r]` delivered to rank r as `mine` (parts is read on rank 0 only and must
  // hold one entry per rank there).
  Status ScatterBytes(const std::vector<std::vector<uint8_t>>& parts, std::vector<uint8_t>* mine);
  // Rank 0's `buffer` (size first, then the payload) delivered to every rank.
  Status BroadcastBytes(std::vector<uint8_t>* buffer);
  // Element-wise sum / max over ranks, in place, on every rank.
  Status AllreduceSum(std::vector<double>* values);
  Status AllreduceMax(std::vector<double>* values);
  Status AllreduceSum(std::vector<int64_t>* values);

 private:
  WorldInfo world_;
};

}  // namespace lpt::distributed

#endif  // LPTRAIN_DISTRIBUTED_WORLD_H_
