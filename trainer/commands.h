// The lptrain subcommands. Each takes the arguments after its name (argv[0] is the
// subcommand's name) and returns the process exit code (exit_codes.h).
#ifndef LPTRAIN_TRAINER_COMMANDS_H_
#define LPTRAIN_TRAINER_COMMANDS_H_

#include "distributed/world.h"

namespace lpt {

int RunRenderCommand(int argc, char** argv);
int RunBenchEnvCommand(int argc, char** argv);
int RunBenchCurriculumCommand(int argc, char** argv);
int RunConfigCommand(int argc, char** argv);
int RunInspectCommand(int argc, char** argv);
#ifdef LPT_WITH_TORCH
int RunTrainCommand(int argc, char** argv, const distributed::WorldInfo& world);
int RunBenchTrainCommand(int argc, char** argv);
int RunBenchCheckpointCommand(int argc, char** argv);
int RunBenchCommCommand(int argc, char** argv, const distributed::WorldInfo& world);
int RunBenchScalingCommand(int argc, char** argv, const char* self);
#endif

}  // namespace lpt

#endif  // LPTRAIN_TRAINER_COMMANDS_H_
