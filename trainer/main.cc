// lptrain: the command line. `lptrain <command> [options]`; `lptrain <command> --help`.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include <cxxopts.hpp>

#include "trainer/commands.h"
#include "trainer/exit_codes.h"
#include "trainer/signals.h"

namespace {

constexpr const char* kUsage =
    "usage: lptrain <command> [options]\n"
    "\n"
    "commands:\n"
    "  train       train agents with PPO (lptrain train --help)\n"
    "  config      list every configuration key, or print a resolved configuration\n"
    "  inspect     show what a checkpoint holds (metadata, config, parameters, curriculum, ranks)\n"
    "  render      print an arena map and the agents' inventories after K random steps\n"
    "  bench env   measure the arena simulator's agent-steps per second\n"
    "  bench curriculum  the LP curriculum's results per second, by preset and pool size\n"
    "  bench train the trainer's SPS: env only, learner only, end to end, LP vs random\n"
    "  bench checkpoint  checkpoint write/read/restore times and size, share of training time\n"
    "  bench comm  (under mpirun) allreduce, snapshot broadcast, gather, rank-0 ingest\n"
    "  bench scaling  training with 1 and 2 ranks under mpirun: scaling and sync share\n"
    "\n"
    "`lptrain <command> --help` lists a command's options.\n";

int Dispatch(int argc, char** argv, const lpt::distributed::WorldInfo& world) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return lpt::kExitUsage;
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return lpt::kExitOk;
  }
  if (command == "render") return lpt::RunRenderCommand(argc - 1, argv + 1);
  if (command == "config") return lpt::RunConfigCommand(argc - 1, argv + 1);
  if (command == "inspect") return lpt::RunInspectCommand(argc - 1, argv + 1);
#ifdef LPT_WITH_TORCH
  if (command == "train") return lpt::RunTrainCommand(argc - 1, argv + 1, world);
#else
  (void)world;
  if (command == "train") {
    std::fputs("lptrain: this build has no LibTorch (configured with LPT_WITH_TORCH=OFF)\n", stderr);
    return lpt::kExitUsage;
  }
#endif
  if (command == "bench") {
    const std::string what = argc >= 3 ? argv[2] : "";
    if (what == "env") return lpt::RunBenchEnvCommand(argc - 2, argv + 2);
    if (what == "curriculum") return lpt::RunBenchCurriculumCommand(argc - 2, argv + 2);
#ifdef LPT_WITH_TORCH
    if (what == "train") return lpt::RunBenchTrainCommand(argc - 2, argv + 2);
    if (what == "checkpoint") return lpt::RunBenchCheckpointCommand(argc - 2, argv + 2);
    if (what == "comm") return lpt::RunBenchCommCommand(argc - 2, argv + 2, world);
#ifdef LPT_MPIEXEC
    if (what == "scaling") return lpt::RunBenchScalingCommand(argc - 2, argv + 2, argv[0]);
#endif
#endif
    std::fprintf(stderr, "lptrain bench: unknown benchmark '%s' (known: env, curriculum, train, checkpoint, comm, scaling)\n",
                 what.c_str());
    return lpt::kExitUsage;
  }
  std::fprintf(stderr, "lptrain: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return lpt::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // A training run's stop signals (SIGINT, SIGTERM, SIGUSR1) only set a flag from the very
  // start: one that arrives while MPI starts up still ends in a checkpoint.
  if (argc >= 2 && std::strcmp(argv[1], "train") == 0) lpt::InstallStopHandlers();
  // Under mpirun/srun this initialises MPI (rank, size, local rank); alone it does nothing.
  lpt::StatusOr<lpt::distributed::WorldInfo> world = lpt::distributed::InitWorld(&argc, &argv);
  if (!world.ok()) {
    std::fprintf(stderr, "lptrain: %s\n", world.status().message().c_str());
    return lpt::kExitRuntimeError;
  }
  int rc;
  try {
    rc = Dispatch(argc, argv, *world);
  } catch (const cxxopts::exceptions::exception& e) {
    std::fprintf(stderr, "lptrain: %s\n", e.what());
    rc = lpt::kExitUsage;
  } catch (const std::exception& e) {
    // A rank that fails alone must not leave the others waiting in a collective.
    if (world->size > 1) lpt::distributed::AbortWorld(lpt::kExitRuntimeError, "lptrain: error: " + std::string(e.what()));
    std::fprintf(stderr, "lptrain: error: %s\n", e.what());
    rc = lpt::kExitRuntimeError;
  }
  lpt::distributed::FinalizeWorld();
  return rc;
}
