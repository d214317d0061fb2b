#include "trainer/cli/signals.h"

#include <csignal>
#include <initializer_list>

namespace lpt::cli {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void OnStopSignal(int sig) { g_stop_signal = sig; }

}  // namespace

void InstallStopHandlers() {
  struct sigaction action {};
  action.sa_handler = &OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int sig : {SIGINT, SIGTERM, SIGUSR1}) sigaction(sig, &action, nullptr);
}

int StopSignal() { return g_stop_signal; }

void ClearStopSignal() { g_stop_signal = 0; }

}  // namespace lpt::cli
