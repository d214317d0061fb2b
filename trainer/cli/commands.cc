#include "trainer/cli/commands.h"

#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <cxxopts.hpp>
#include <exception>
#include <string>

#include "trainer/bench/harness.h"
#include "trainer/cli/exit_codes.h"
#include "trainer/cli/signals.h"

namespace lpt::cli {
namespace {

std::string Usage() {
  std::string out = "usage: lptrain <command> [options]\n\ncommands:\n";
  char buf[256];
  for (const Command& c : Commands()) {
    std::snprintf(buf, sizeof(buf), "  %-18s %s\n", c.name, c.summary);
    out += buf;
  }
  for (const bench::Bench& b : bench::Benches()) {
    std::snprintf(buf, sizeof(buf), "  %-18s %s\n", ("bench " + b.name).c_str(), b.summary.c_str());
    out += buf;
  }
  return out + "\n`lptrain <command> --help` lists a command's options.\n";
}

const Command* FindCommand(const char* name) {
  for (const Command& c : Commands()) {
    if (std::strcmp(c.name, name) == 0) return &c;
  }
  return nullptr;
}

}  // namespace

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"train", "train agents with PPO (lptrain train --help)", RunTrain, true},
      {"eval",
       "play a checkpoint's policy on evaluation tasks: success, hearts, items per task and class",
       RunEval, false},
      {"replay",
       "one episode of a checkpoint's policy as a self-contained HTML page that plays it back",
       RunReplay, false},
      {"config", "list every configuration key, or print a resolved configuration", RunConfig,
       false},
      {"inspect", "show what a checkpoint holds (metadata, config, parameters, curriculum, ranks)",
       RunInspect, false},
      {"curriculum",
       "curriculum replay TRACE: a trace of results in, every task's score and probability out",
       RunCurriculum, false},
      {"render", "print an arena map and the agents' inventories after K random steps", RunRender,
       false},
      {"bench", "benchmarks (lptrain bench NAME --help), listed below", RunBench, false},
  };
  return commands;
}

int Main(int argc, char** argv) {
  // Keep freed memory in the heap: the update frees and reallocates the same large tensors every
  // minibatch, and returning them to the kernel costs a page fault per page each time (about a
  // sixth of a training run's time).
  // (32 MiB is the largest mmap threshold glibc takes.)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  const Command* command = argc >= 2 ? FindCommand(argv[1]) : nullptr;
  // A training run's stop signals (SIGINT, SIGTERM, SIGUSR1) only set a flag from the very
  // start: one that arrives while MPI starts up still ends in a checkpoint.
  if (command != nullptr && command->stop_handlers) InstallStopHandlers();
  // Under mpirun/srun this initialises MPI (rank, size, local rank); alone it does nothing.
  StatusOr<distributed::WorldInfo> world = distributed::InitWorld(&argc, &argv);
  if (!world.ok()) {
    std::fprintf(stderr, "lptrain: %s\n", world.status().message().c_str());
    return kExitRuntimeError;
  }
  int rc = kExitUsage;
  try {
    if (argc < 2) {
      std::fputs(Usage().c_str(), stderr);
    } else if (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0 ||
               std::strcmp(argv[1], "help") == 0) {
      std::fputs(Usage().c_str(), stdout);
      rc = kExitOk;
    } else if (command == nullptr) {
      std::fprintf(stderr, "lptrain: unknown command '%s'\n\n%s", argv[1], Usage().c_str());
    } else {
      rc = command->run(argc - 1, argv + 1, CommandContext{*world, argv[0]});
    }
  } catch (const cxxopts::exceptions::exception& e) {
    std::fprintf(stderr, "lptrain: %s\n", e.what());
    rc = kExitUsage;
  } catch (const std::exception& e) {
    // A rank that fails alone must not leave the others waiting in a collective.
    if (world->size > 1)
      distributed::AbortWorld(kExitRuntimeError, "lptrain: error: " + std::string(e.what()));
    std::fprintf(stderr, "lptrain: error: %s\n", e.what());
    rc = kExitRuntimeError;
  }
  distributed::FinalizeWorld();
  return rc;
}

}  // namespace lpt::cli
