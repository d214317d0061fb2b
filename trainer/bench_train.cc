// lptrain bench train: placeholder replaced below.
#include "trainer/commands.h"
#include "trainer/exit_codes.h"
namespace lpt {
int RunBenchTrainCommand(int, char**) { return kExitUsage; }
}  // namespace lpt
