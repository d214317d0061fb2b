// Command-line pieces shared by the lptrain commands that take a run configuration.
#ifndef LPTRAIN_TRAINER_CLI_COMMAND_OPTIONS_H_
#define LPTRAIN_TRAINER_CLI_COMMAND_OPTIONS_H_

#include <cxxopts.hpp>
#include <optional>

#include "common/status.h"
#include "trainer/run/config.h"

namespace lpt::cli {

// Adds --config FILE and the positional key=value settings.
void AddConfigOptions(cxxopts::Options* options);
// Adds -h/--help, parses, and prints the help when asked (then returns nullopt: exit 0).
std::optional<cxxopts::ParseResult> ParseOrHelp(cxxopts::Options* options, int argc, char** argv);
// True when nothing was left unparsed; else prints "<command>: unexpected argument 'x'".
bool NoStrayArguments(const cxxopts::ParseResult& args, const char* command);
// Prints "<command>: <message>" to stderr and returns kExitUsage (bad arguments: exit 2).
int UsageError(const char* command, const std::string& message);
// --config, then key=value, onto builder (later wins).
Status ApplyConfigArguments(const cxxopts::ParseResult& args, run::ConfigBuilder* builder);
// The same onto the defaults, resolved.
StatusOr<run::RunConfig> ConfigFromArguments(const cxxopts::ParseResult& args);

}  // namespace lpt::cli

#endif  // LPTRAIN_TRAINER_CLI_COMMAND_OPTIONS_H_
