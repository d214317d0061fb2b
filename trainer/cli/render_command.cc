// lptrain render: a picture of an arena after K random steps, to check the simulator by eye.
#include <cstdio>
#include <cxxopts.hpp>
#include <string>
#include <vector>

#include "envsim/arena.h"
#include "envsim/random_actions.h"
#include "envsim/render.h"
#include "envsim/step_storage.h"
#include "trainer/cli/command_options.h"
#include "trainer/cli/commands.h"
#include "trainer/cli/exit_codes.h"

namespace lpt::cli {

int RunRender(int argc, char** argv, const CommandContext&) {
  cxxopts::Options options("lptrain render",
                           "Print an arena map and the agents' inventories after K steps of "
                           "uniformly random actions (desync off, so it is one episode).");
  options.add_options()("seed", "map and action seed",
                        cxxopts::value<uint64_t>()->default_value("0"))(
      "steps", "random steps to take before printing", cxxopts::value<int>()->default_value("200"))(
      "recipe", "task recipe (arena, arena_basic_easy_shaped)",
      cxxopts::value<std::string>()->default_value("arena"));
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc, argv);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  if (!NoStrayArguments(args, "lptrain render")) return kExitUsage;
  const int steps = args["steps"].as<int>();
  if (steps < 0) {
    std::fprintf(stderr, "lptrain render: --steps %d must be >= 0\n", steps);
    return kExitUsage;
  }
  StatusOr<envsim::TaskConfig> recipe = envsim::RecipeByName(args["recipe"].as<std::string>());
  if (!recipe.ok()) {
    std::fprintf(stderr, "lptrain render: --recipe: %s\n", recipe.status().message().c_str());
    return kExitUsage;
  }
  envsim::BatchOptions opts;
  opts.seed = args["seed"].as<uint64_t>();
  opts.config = *recipe;
  opts.config.desync_episodes = false;
  StatusOr<std::unique_ptr<envsim::ArenaBatch>> created = envsim::ArenaBatch::Create(opts);
  if (!created.ok()) {
    std::fprintf(stderr, "lptrain render: %s\n", created.status().ToString().c_str());
    return kExitUsage;
  }
  envsim::ArenaBatch& batch = **created;

  envsim::StepStorage storage(batch);
  const envsim::StepBuffers out = storage.View();
  std::vector<int32_t> actions(storage.total);
  CounterRng rng(opts.seed, /*stream=*/0x72656e646572ULL);  // "render"
  int episodes_ended = 0;
  for (int t = 0; t < steps; ++t) {
    envsim::FillRandomActions(&rng, &actions);
    batch.Step({0, 1}, actions, out);
    episodes_ended += storage.episode_end[0];
  }

  std::printf("arena '%s', seed %llu: episode %lld, step %d of %d (%d random steps taken)\n\n",
              args["recipe"].as<std::string>().c_str(), static_cast<unsigned long long>(opts.seed),
              static_cast<long long>(batch.episode(0)), batch.step(0), batch.episode_length(0),
              steps);
  std::fputs(envsim::RenderMap(batch, 0).c_str(), stdout);
  std::printf("%s\n\n", envsim::Legend().c_str());
  std::fputs(envsim::RenderAgents(batch, 0).c_str(), stdout);
  if (episodes_ended > 0) {
    std::printf("\n(%d episode(s) ended during the %d steps; the map shows the current one)\n",
                episodes_ended, steps);
  }
  return kExitOk;
}

}  // namespace lpt::cli
