// Internal: MPI return-code checking for the .cc files of this module.
#ifndef LPTRAIN_DISTRIBUTED_MPI_UTIL_H_
#define LPTRAIN_DISTRIBUTED_MPI_UTIL_H_

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace lpt::distributed {

// "MPI_Allreduce: MPI_ERR_TRUNCATE: message truncated (rank 2 on node7)"
Status MpiStatus(int code, const char* what);

// One collective operation under the job's timeout (SetCollectiveTimeout): construct it, post
// the operation's non-blocking calls into Add(), then Wait(): OK when all completed; an MPI
// error as a Status; past the deadline, the job is aborted with a message naming the operation
// and the ranks that did not answer. Without a timeout, Wait() is MPI_Waitall.
class Collective {
 public:
  explicit Collective(const char* op);
  Collective(const Collective&) = delete;
  Collective& operator=(const Collective&) = delete;
  MPI_Request* Add();
  Status Wait();

 private:
  const char* op_;
  std::vector<MPI_Request> requests_;
};

#define LPT_MPI_RETURN_IF_ERROR(call)                                                             \
  do {                                                                                            \
    const int lpt_mpi_code_ = (call);                                                             \
    if (lpt_mpi_code_ != MPI_SUCCESS) return ::lpt::distributed::MpiStatus(lpt_mpi_code_, #call); \
  } while (0)

}  // namespace lpt::distributed

#endif  // LPTRAIN_DISTRIBUTED_MPI_UTIL_H_
