// The benchmarks' one harness: each bench is {name, summary, options, run -> Report}, listed
// in one table (Benches()). A bench returns its figures as a report (text for people, one
// JSON object for scripts); the program that runs it prints them. The library never prints:
// transient progress goes to the context's sink.
#ifndef LPTRAIN_TRAINER_BENCH_HARNESS_H_
#define LPTRAIN_TRAINER_BENCH_HARNESS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "distributed/world.h"
#include "trainer/run/config.h"

namespace lpt::bench {

// An option of a bench: --name VALUE, or --name alone for a flag.
struct BenchOption {
  std::string name;
  std::string help;
  std::string default_value;  // ignored for flags
  bool flag = false;
};

// A bench's arguments, as the program parsed them (defaults filled in).
struct BenchArgs {
  std::map<std::string, std::string> values;  // option name -> text
  std::set<std::string> flags;                // flags given
  run::RunConfig config;                      // --config/key=value (benches with takes_config)
  std::vector<std::string> settings;          // the key=value settings as given

  bool Flag(const std::string& name) const { return flags.count(name) > 0; }
  std::string Text(const std::string& name) const;
  // The option's value as a number within [min, max]; an error naming the option otherwise.
  StatusOr<double> Number(const std::string& name, double min, double max) const;
  StatusOr<int64_t> Integer(const std::string& name, int64_t min, int64_t max) const;
};

// What the program running a bench provides.
struct BenchContext {
  distributed::WorldInfo world;
  std::string self;  // the lptrain executable (benches that launch runs)
  std::function<void(const std::string&)> progress;  // transient progress lines
};

// A bench's figures: lines for people, one JSON object for scripts.
struct Report {
  std::string text;
  std::string json;
};

struct Bench {
  std::string name;
  std::string summary;      // one line, for the list of benches
  std::string description;  // for `lptrain bench NAME --help`
  std::vector<BenchOption> options;
  bool takes_config = false;    // --config FILE and key=value settings, resolved as a run config
  bool takes_settings = false;  // key=value settings the bench reads itself (BenchArgs::settings)
  // Settings applied before the user's (they win): the bench's own defaults, e.g. its task set.
  std::vector<std::string> base_settings;
  std::function<StatusOr<Report>(const BenchArgs&, const BenchContext&)> run;
};

// Every bench of this build (those needing LibTorch only when it has LibTorch).
const std::vector<Bench>& Benches();
const Bench* FindBench(const std::string& name);

// The benches by kind (torch_benches.cc / no_torch_benches.cc).
std::vector<Bench> TorchFreeBenches();
std::vector<Bench> TorchBenches();

// The median of v (the upper one for an even count); 0 for an empty v.
inline double Median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// The median of v[begin, end).
inline double Median(const std::vector<double>& v, size_t begin, size_t end) {
  return Median(std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(begin),
                                    v.begin() + static_cast<std::ptrdiff_t>(end)));
}

}  // namespace lpt::bench

#endif  // LPTRAIN_TRAINER_BENCH_HARNESS_H_
