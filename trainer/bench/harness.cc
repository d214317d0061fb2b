#include "trainer/bench/harness.h"

#include <cmath>
#include <cstdlib>

#include "common/fields.h"
#include "trainer/bench/benches.h"

namespace lpt::bench {

std::string BenchArgs::Text(const std::string& name) const {
  const auto it = values.find(name);
  return it == values.end() ? "" : it->second;
}

StatusOr<double> BenchArgs::Number(const std::string& name, double min, double max) const {
  const std::string text = Text(name);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v)) {
    return Status::InvalidArgument("--" + name + ": '" + text + "' is not a number");
  }
  if (v < min || v > max) {
    return Status::InvalidArgument("--" + name + ": " + FormatNumber(v) + " is out of range [" +
                                   FormatNumber(min) + ", " + FormatNumber(max) + "]");
  }
  return v;
}

StatusOr<int64_t> BenchArgs::Integer(const std::string& name, int64_t min, int64_t max) const {
  LPT_ASSIGN_OR_RETURN(const double v,
                       Number(name, static_cast<double>(min), static_cast<double>(max)));
  if (v != std::floor(v))
    return Status::InvalidArgument("--" + name + ": " + FormatNumber(v) + " is not a whole number");
  return static_cast<int64_t>(v);
}

std::vector<Bench> TorchFreeBenches() {
  return {EnvBench(), CurriculumBench(), SteeringBench(), FuzzBench()};
}

const std::vector<Bench>& Benches() {
  static const std::vector<Bench> all = [] {
    std::vector<Bench> b = TorchFreeBenches();
    for (Bench& t : TorchBenches()) b.push_back(std::move(t));
    return b;
  }();
  return all;
}

const Bench* FindBench(const std::string& name) {
  for (const Bench& b : Benches()) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

}  // namespace lpt::bench
