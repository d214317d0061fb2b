// The lptrain program: `lptrain <command> [options]`, `lptrain <command> --help`. Every
// command is one entry of a table {name, summary, run}; Main is the whole program (main.cc
// only calls it).
#ifndef LPTRAIN_TRAINER_CLI_COMMANDS_H_
#define LPTRAIN_TRAINER_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "distributed/world.h"

namespace lpt::cli {

struct CommandContext {
  distributed::WorldInfo world;
  std::string self;  // argv[0]: the lptrain executable
};

struct Command {
  const char* name;
  const char* summary;
  // Takes the arguments after the program name (argv[0] is the command's name); returns the
  // process exit code (exit_codes.h).
  int (*run)(int argc, char** argv, const CommandContext& context);
  bool stop_handlers;  // a stop signal only sets a flag from the very start (train)
};

const std::vector<Command>& Commands();

// The commands (one file each).
int RunTrain(int argc, char** argv, const CommandContext& context);
int RunEval(int argc, char** argv, const CommandContext& context);
int RunReplay(int argc, char** argv, const CommandContext& context);
int RunConfig(int argc, char** argv, const CommandContext& context);
int RunCurriculum(int argc, char** argv, const CommandContext& context);
int RunInspect(int argc, char** argv, const CommandContext& context);
int RunRender(int argc, char** argv, const CommandContext& context);
int RunBench(int argc, char** argv, const CommandContext& context);

// The program: starts the world (MPI under a launcher), runs the command, reports uncaught
// errors, finalises. Returns the exit code.
int Main(int argc, char** argv);

}  // namespace lpt::cli

#endif  // LPTRAIN_TRAINER_CLI_COMMANDS_H_
