// A build without LibTorch cannot train.
#include <cstdio>

#include "trainer/cli/commands.h"
#include "trainer/cli/exit_codes.h"

namespace lpt::cli {

int RunTrain(int, char**, const CommandContext&) {
  std::fputs("lptrain: this build has no LibTorch (configured with LPT_WITH_TORCH=OFF)\n", stderr);
  return kExitUsage;
}

}  // namespace lpt::cli
