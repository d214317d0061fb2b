// LPT_CHECK: an always-on invariant check (also in release builds). A failed check is a bug,
// not bad input: it prints file:line, the failed condition, the streamed message and the
// process context (e.g. "rank 3 on node17", set once MPI is up), then calls the fatal handler
// (by default std::abort; the distributed module installs one that aborts every rank so a
// failure never leaves the job hanging).
//
//   LPT_CHECK(slot < capacity) << "slot " << slot << " of " << capacity;
#ifndef LPTRAIN_COMMON_CHECK_H_
#define LPTRAIN_COMMON_CHECK_H_

#include <sstream>
#include <string>

namespace lpt {

// Called with the full failure message; must not return.
using FatalHandler = void (*)(const std::string& message);

// Thread-compatible: set during start-up, before worker threads exist.
void SetFatalHandler(FatalHandler handler);
// Text added to every check failure, e.g. "rank 3 on node17". Empty by default.
void SetProcessContext(const std::string& context);
const std::string& ProcessContext();

namespace internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Lets the macro below be used as a statement and still accept "<< message".
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace internal
}  // namespace lpt

#define LPT_CHECK(condition)                          \
  (__builtin_expect(static_cast<bool>(condition), 1)) \
      ? (void)0                                       \
      : ::lpt::internal::Voidify() &                  \
            ::lpt::internal::CheckFailure(__FILE__, __LINE__, #condition).stream()

#endif  // LPTRAIN_COMMON_CHECK_H_
