// Internal: MPI return-code checking for the .cc files of this module.
#ifndef LPTRAIN_DISTRIBUTED_MPI_UTIL_H_
#define LPTRAIN_DISTRIBUTED_MPI_UTIL_H_

#include <mpi.h>

#include <string>

#include "common/status.h"

namespace lpt::distributed {

// "MPI_Allreduce: MPI_ERR_TRUNCATE: message truncated (rank 2 on node7)"
Status MpiStatus(int code, const char* what);

#define LPT_MPI_RETURN_IF_ERROR(call)                                                             \
  do {                                                                                            \
    const int lpt_mpi_code_ = (call);                                                             \
    if (lpt_mpi_code_ != MPI_SUCCESS) return ::lpt::distributed::MpiStatus(lpt_mpi_code_, #call); \
  } while (0)

}  // namespace lpt::distributed

#endif  // LPTRAIN_DISTRIBUTED_MPI_UTIL_H_
