// Stop requests: SIGINT, SIGTERM and SIGUSR1 only set a flag (async-signal-safe); the training
// loop polls it at iteration boundaries and stops cleanly.
#ifndef LPTRAIN_TRAINER_CLI_SIGNALS_H_
#define LPTRAIN_TRAINER_CLI_SIGNALS_H_

namespace lpt::cli {

// Installs the handlers. Idempotent.
void InstallStopHandlers();
// The signal that asked to stop, or 0.
int StopSignal();
// For tests and in-process restarts.
void ClearStopSignal();

}  // namespace lpt::cli

#endif  // LPTRAIN_TRAINER_CLI_SIGNALS_H_
