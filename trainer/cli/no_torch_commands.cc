// A build without LibTorch cannot train or play a policy.
#include <cstdio>

#include "trainer/cli/commands.h"
#include "trainer/cli/exit_codes.h"

namespace lpt::cli {
namespace {

int NoTorch() {
  std::fputs("lptrain: this build has no LibTorch (configured with LPT_WITH_TORCH=OFF)\n", stderr);
  return kExitUsage;
}

}  // namespace

int RunTrain(int, char**, const CommandContext&) { return NoTorch(); }
int RunEval(int, char**, const CommandContext&) { return NoTorch(); }
int RunReplay(int, char**, const CommandContext&) { return NoTorch(); }

}  // namespace lpt::cli
