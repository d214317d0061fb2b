// Time for measurements and names. Durations come from the steady clock (never goes back);
// the wall clock is read only by the functions named for it, which programs call and pass
// into libraries (a library never reads the wall clock itself).
#ifndef LPTRAIN_COMMON_CLOCK_H_
#define LPTRAIN_COMMON_CLOCK_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace lpt {

using SteadyClock = std::chrono::steady_clock;

// Seconds from t to now on the steady clock.
inline double SecondsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

// Nanoseconds on the steady clock since an arbitrary origin (for cheap interval sums).
inline uint64_t SteadyNanos() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
          .count());
}

// Seconds since construction or the last Restart.
class Stopwatch {
 public:
  Stopwatch() : start_(SteadyClock::now()) {}
  double Seconds() const { return SecondsSince(start_); }
  void Restart() { start_ = SteadyClock::now(); }

 private:
  SteadyClock::time_point start_;
};

// CPU seconds used by the calling thread (time given to other processes does not count).
double ThreadCpuSeconds();

// Wall clock: "2026-12-04T02:46:33Z".
std::string UtcTimestamp();
// Wall clock, local time, usable in a file name: "20261204-024633".
std::string LocalTimestampName();

}  // namespace lpt

#endif  // LPTRAIN_COMMON_CLOCK_H_
