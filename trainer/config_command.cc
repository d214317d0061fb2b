// lptrain config: every configuration key with its default, allowed values and meaning; with
// key=value arguments or --config, the resolved configuration instead.
#include <cstdio>
#include <string>

#include <cxxopts.hpp>

#include "trainer/commands.h"
#include "trainer/config.h"
#include "trainer/exit_codes.h"

namespace lpt {

int RunConfigCommand(int argc, char** argv) {
  cxxopts::Options options("lptrain config",
                           "List every configuration key (default, allowed values, meaning), or "
                           "with --config/key=value print the resolved configuration as YAML.");
  options.add_options()
      ("config", "YAML config file", cxxopts::value<std::string>())
      ("overrides", "key=value", cxxopts::value<std::vector<std::string>>())
      ("h,help", "show this help");
  options.parse_positional({"overrides"});
  const cxxopts::ParseResult args = options.parse(argc, argv);
  if (args.count("help")) {
    std::fputs(options.help().c_str(), stdout);
    return kExitOk;
  }
  if (!args.count("config") && !args.count("overrides")) {
    for (const KeyDoc& k : DescribeKeys()) {
      std::printf("%-50s %-14s %s\n%50s %s\n", k.key.c_str(), k.default_value.c_str(), k.doc.c_str(), "",
                  k.allowed.c_str());
    }
    return kExitOk;
  }
  ConfigBuilder builder;
  Status st;
  if (args.count("config")) st = builder.LoadYaml(args["config"].as<std::string>());
  if (st.ok() && args.count("overrides")) {
    for (const std::string& kv : args["overrides"].as<std::vector<std::string>>()) {
      st = builder.SetArgument(kv);
      if (!st.ok()) break;
    }
  }
  StatusOr<RunConfig> resolved = st.ok() ? builder.Resolve() : StatusOr<RunConfig>(st);
  if (!resolved.ok()) {
    std::fprintf(stderr, "lptrain config: %s\n", resolved.status().message().c_str());
    return kExitUsage;
  }
  std::fputs(ToYaml(*resolved).c_str(), stdout);
  return kExitOk;
}

}  // namespace lpt
