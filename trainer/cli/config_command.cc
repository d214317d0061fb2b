// lptrain config: every configuration key with its default, allowed values and meaning; with
// key=value arguments or --config, the resolved configuration instead.
#include <cstdio>
#include <cxxopts.hpp>
#include <string>

#include "trainer/cli/command_options.h"
#include "trainer/cli/commands.h"
#include "trainer/cli/exit_codes.h"
#include "trainer/run/config.h"

namespace lpt::cli {

int RunConfig(int argc, char** argv, const CommandContext&) {
  cxxopts::Options options("lptrain config",
                           "List every configuration key (default, allowed values, meaning), or "
                           "with --config/key=value print the resolved configuration as YAML.");
  AddConfigOptions(&options);
  const std::optional<cxxopts::ParseResult> parsed = ParseOrHelp(&options, argc, argv);
  if (!parsed) return kExitOk;
  const cxxopts::ParseResult& args = *parsed;
  if (!args.count("config") && !args.count("overrides")) {
    for (const run::KeyDoc& k : run::DescribeKeys()) {
      std::printf("%-50s %-14s %s\n%50s %s\n", k.key.c_str(), k.default_value.c_str(),
                  k.doc.c_str(), "", k.allowed.c_str());
    }
    return kExitOk;
  }
  StatusOr<run::RunConfig> resolved = ConfigFromArguments(args);
  if (!resolved.ok()) {
    std::fprintf(stderr, "lptrain config: %s\n", resolved.status().message().c_str());
    return kExitUsage;
  }
  std::fputs(run::ToYaml(*resolved).c_str(), stdout);
  return kExitOk;
}

}  // namespace lpt::cli
