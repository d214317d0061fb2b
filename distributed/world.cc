#include "distributed/world.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/check.h"
#include "distributed/mpi_util.h"

namespace lpt::distributed {
namespace {

bool g_mpi_up = false;

bool HasEnv(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0';
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown-host";
  return buf;
}

// Once MPI is up, a failed LPT_CHECK on any rank takes the whole job down instead of leaving
// the other ranks waiting in a collective forever.
void AbortAllRanks(const std::string& message) {
  std::fputs(message.c_str(), stderr);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();
}

// Large payloads go in chunks (MPI counts are ints): transfer(offset, count) for each.
template <typename Transfer>
Status InChunks(uint64_t size, Transfer transfer) {
  constexpr uint64_t kChunk = 1u << 30;
  for (uint64_t off = 0; off < size; off += kChunk) {
    LPT_RETURN_IF_ERROR(transfer(off, static_cast<int>(std::min(kChunk, size - off))));
  }
  return Status::Ok();
}

}  // namespace

Status MpiStatus(int code, const char* what) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int len = 0;
  MPI_Error_string(code, text, &len);
  return Status::Internal(std::string(what) + ": " + text + " (" + ProcessContext() + ")");
}

std::string DetectLauncher() {
  if (HasEnv("OMPI_COMM_WORLD_SIZE")) return "mpirun";
  if (HasEnv("SLURM_STEP_ID") && HasEnv("PMIX_RANK")) return "srun";
  if (HasEnv("PMIX_RANK")) return "mpirun";
  return "none";
}

StatusOr<WorldInfo> InitWorld(int* argc, char*** argv) {
  WorldInfo w;
  w.host = HostName();
  w.launcher = DetectLauncher();
  const char* forced = std::getenv("LPT_DISTRIBUTED");
  if (w.launcher == "none" || (forced != nullptr && std::strcmp(forced, "off") == 0)) {
    SetProcessContext("rank 0 on " + w.host);
    return w;
  }
  int provided = 0;
  const int rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  if (rc != MPI_SUCCESS)
    return Status::Internal("MPI_Init_thread failed (launcher " + w.launcher + ")");
  g_mpi_up = true;
  w.mpi = true;
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  LPT_MPI_RETURN_IF_ERROR(MPI_Comm_rank(MPI_COMM_WORLD, &w.rank));
  LPT_MPI_RETURN_IF_ERROR(MPI_Comm_size(MPI_COMM_WORLD, &w.size));
  MPI_Comm local;
  LPT_MPI_RETURN_IF_ERROR(
      MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, w.rank, MPI_INFO_NULL, &local));
  LPT_MPI_RETURN_IF_ERROR(MPI_Comm_rank(local, &w.local_rank));
  LPT_MPI_RETURN_IF_ERROR(MPI_Comm_size(local, &w.local_size));
  MPI_Comm_free(&local);
  SetProcessContext("rank " + std::to_string(w.rank) + " on " + w.host);
  SetFatalHandler(&AbortAllRanks);
  if (provided < MPI_THREAD_FUNNELED) {
    return Status::FailedPrecondition("MPI provides no MPI_THREAD_FUNNELED support");
  }
  return w;
}

void FinalizeWorld() {
  if (!g_mpi_up) return;
  g_mpi_up = false;
  SetFatalHandler(nullptr);
  MPI_Finalize();
}

void AbortWorld(int exit_code, const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  if (g_mpi_up) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

Status Control::Barrier() {
  if (!world_.mpi) return Status::Ok();
  Collective c("barrier");
  LPT_MPI_RETURN_IF_ERROR(MPI_Ibarrier(MPI_COMM_WORLD, c.Add()));
  return c.Wait();
}

Status Control::GatherBytes(const std::vector<uint8_t>& mine,
                            std::vector<std::vector<uint8_t>>* at_root) {
  if (!world_.mpi) {
    *at_root = {mine};
    return Status::Ok();
  }
  const int count = static_cast<int>(mine.size());
  std::vector<int> counts(is_root() ? world_.size : 0);
  {
    Collective c("gather (sizes)");
    LPT_MPI_RETURN_IF_ERROR(
        MPI_Igather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD, c.Add()));
    LPT_RETURN_IF_ERROR(c.Wait());
  }
  std::vector<int> displs(counts.size(), 0);
  std::vector<uint8_t> all;
  if (is_root()) {
    for (size_t r = 1; r < counts.size(); ++r) displs[r] = displs[r - 1] + counts[r - 1];
    all.resize(counts.empty() ? 0 : static_cast<size_t>(displs.back() + counts.back()));
  }
  {
    Collective c("gather");
    LPT_MPI_RETURN_IF_ERROR(MPI_Igatherv(mine.data(), count, MPI_BYTE, all.data(), counts.data(),
                                         displs.data(), MPI_BYTE, 0, MPI_COMM_WORLD, c.Add()));
    LPT_RETURN_IF_ERROR(c.Wait());
  }
  if (is_root()) {
    at_root->assign(counts.size(), {});
    for (size_t r = 0; r < counts.size(); ++r) {
      (*at_root)[r].assign(all.begin() + displs[r], all.begin() + displs[r] + counts[r]);
    }
  }
  return Status::Ok();
}

Status Control::ScatterBytes(const std::vector<std::vector<uint8_t>>& parts,
                             std::vector<uint8_t>* mine) {
  if (is_root() && static_cast<int>(parts.size()) != world_.size) {
    return Status::InvalidArgument("ScatterBytes: " + std::to_string(parts.size()) + " parts for " +
                                   std::to_string(world_.size) + " ranks");
  }
  if (!world_.mpi) {
    *mine = parts[0];
    return Status::Ok();
  }
  // Every part's size (64-bit), then each part point to point in chunks (MPI counts are ints).
  std::vector<uint64_t> sizes(world_.size, 0);
  if (is_root()) {
    for (int r = 0; r < world_.size; ++r) sizes[r] = parts[r].size();
  }
  {
    Collective c("scatter (sizes)");
    LPT_MPI_RETURN_IF_ERROR(
        MPI_Ibcast(sizes.data(), world_.size, MPI_UINT64_T, 0, MPI_COMM_WORLD, c.Add()));
    LPT_RETURN_IF_ERROR(c.Wait());
  }
  if (is_root()) {
    *mine = parts[0];
    for (int r = 1; r < world_.size; ++r) {
      LPT_RETURN_IF_ERROR(InChunks(sizes[r], [&](uint64_t off, int n) -> Status {
        Collective c("scatter");
        LPT_MPI_RETURN_IF_ERROR(
            MPI_Isend(parts[r].data() + off, n, MPI_BYTE, r, 7, MPI_COMM_WORLD, c.Add()));
        return c.Wait();
      }));
    }
    return Status::Ok();
  }
  mine->resize(sizes[world_.rank]);
  return InChunks(mine->size(), [&](uint64_t off, int n) -> Status {
    Collective c("scatter");
    LPT_MPI_RETURN_IF_ERROR(
        MPI_Irecv(mine->data() + off, n, MPI_BYTE, 0, 7, MPI_COMM_WORLD, c.Add()));
    return c.Wait();
  });
}

Status Control::BroadcastBytes(std::vector<uint8_t>* buffer) {
  if (!world_.mpi) return Status::Ok();
  uint64_t size = buffer->size();
  {
    Collective c("broadcast (size)");
    LPT_MPI_RETURN_IF_ERROR(MPI_Ibcast(&size, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD, c.Add()));
    LPT_RETURN_IF_ERROR(c.Wait());
  }
  buffer->resize(size);
  return InChunks(size, [&](uint64_t off, int n) -> Status {
    Collective c("broadcast");
    LPT_MPI_RETURN_IF_ERROR(
        MPI_Ibcast(buffer->data() + off, n, MPI_BYTE, 0, MPI_COMM_WORLD, c.Add()));
    return c.Wait();
  });
}

namespace {

Status Allreduce(void* values, int count, MPI_Datatype type, MPI_Op op, const char* name) {
  Collective c(name);
  LPT_MPI_RETURN_IF_ERROR(
      MPI_Iallreduce(MPI_IN_PLACE, values, count, type, op, MPI_COMM_WORLD, c.Add()));
  return c.Wait();
}

}  // namespace

Status Control::AllreduceSum(std::vector<double>* values) {
  if (!world_.mpi) return Status::Ok();
  return Allreduce(values->data(), static_cast<int>(values->size()), MPI_DOUBLE, MPI_SUM,
                   "allreduce (sum)");
}

Status Control::AllreduceMax(std::vector<double>* values) {
  if (!world_.mpi) return Status::Ok();
  return Allreduce(values->data(), static_cast<int>(values->size()), MPI_DOUBLE, MPI_MAX,
                   "allreduce (max)");
}

Status Control::AllreduceSum(std::vector<int64_t>* values) {
  if (!world_.mpi) return Status::Ok();
  return Allreduce(values->data(), static_cast<int>(values->size()), MPI_INT64_T, MPI_SUM,
                   "allreduce (sum)");
}

}  // namespace lpt::distributed
