#include "trainer/cli/command_options.h"

#include <cstdio>
#include <string>
#include <vector>

#include "trainer/cli/exit_codes.h"

namespace lpt::cli {

void AddConfigOptions(cxxopts::Options* options) {
  options->add_options()("config", "YAML config file (keys as in `lptrain config`)",
                         cxxopts::value<std::string>())("overrides",
                                                        "key=value settings, after the file",
                                                        cxxopts::value<std::vector<std::string>>());
  options->parse_positional({"overrides"});
  options->positional_help("[key=value ...]");
}

std::optional<cxxopts::ParseResult> ParseOrHelp(cxxopts::Options* options, int argc, char** argv) {
  options->add_options()("h,help", "show this help");
  cxxopts::ParseResult args = options->parse(argc, argv);
  if (args.count("help")) {
    std::fputs(options->help().c_str(), stdout);
    return std::nullopt;
  }
  return args;
}

int UsageError(const char* command, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", command, message.c_str());
  return kExitUsage;
}

bool NoStrayArguments(const cxxopts::ParseResult& args, const char* command) {
  if (args.unmatched().empty()) return true;
  std::fprintf(stderr, "%s: unexpected argument '%s'\n", command, args.unmatched()[0].c_str());
  return false;
}

Status ApplyConfigArguments(const cxxopts::ParseResult& args, run::ConfigBuilder* builder) {
  if (args.count("config"))
    LPT_RETURN_IF_ERROR(builder->LoadYaml(args["config"].as<std::string>()));
  if (args.count("overrides")) {
    for (const std::string& kv : args["overrides"].as<std::vector<std::string>>()) {
      LPT_RETURN_IF_ERROR(builder->SetArgument(kv));
    }
  }
  return Status::Ok();
}

StatusOr<run::RunConfig> ConfigFromArguments(const cxxopts::ParseResult& args) {
  run::ConfigBuilder builder;
  LPT_RETURN_IF_ERROR(ApplyConfigArguments(args, &builder));
  return builder.Resolve();
}

}  // namespace lpt::cli
