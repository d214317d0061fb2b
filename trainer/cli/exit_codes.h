// Process exit codes of lptrain (docs/design.md §8); the Slurm templates requeue on kStopped.
#ifndef LPTRAIN_TRAINER_CLI_EXIT_CODES_H_
#define LPTRAIN_TRAINER_CLI_EXIT_CODES_H_

namespace lpt::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitUsage = 2;    // bad arguments, config or checkpoint
inline constexpr int kExitStopped = 3;  // stopped by a signal after a checkpoint

}  // namespace lpt::cli

#endif  // LPTRAIN_TRAINER_CLI_EXIT_CODES_H_
