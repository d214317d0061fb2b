#include "common/check.h"

#include <cstdio>
#include <cstdlib>

namespace lpt {
namespace {

void DefaultFatalHandler(const std::string& message) {
  std::fputs(message.c_str(), stderr);
  std::fflush(stderr);
  std::abort();
}

FatalHandler g_fatal_handler = &DefaultFatalHandler;

std::string& ContextStorage() {
  static std::string context;
  return context;
}

}  // namespace

void SetFatalHandler(FatalHandler handler) {
  g_fatal_handler = handler != nullptr ? handler : &DefaultFatalHandler;
}

void SetProcessContext(const std::string& context) { ContextStorage() = context; }

const std::string& ProcessContext() { return ContextStorage(); }

namespace internal {

CheckFailure::CheckFailure(const char* file, int line, const char* condition) {
  stream_ << "lptrain: check failed at " << file << ":" << line;
  if (!ProcessContext().empty()) stream_ << " (" << ProcessContext() << ")";
  stream_ << ": " << condition << " ";
}

CheckFailure::~CheckFailure() {
  stream_ << "\n";
  g_fatal_handler(stream_.str());
  std::abort();  // A handler must not return; make sure of it.
}

}  // namespace internal
}  // namespace lpt
