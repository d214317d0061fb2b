// Small helpers shared by the `lptrain bench` commands.
#ifndef LPTRAIN_TRAINER_BENCH_UTIL_H_
#define LPTRAIN_TRAINER_BENCH_UTIL_H_

#include <algorithm>
#include <cstddef>
#include <vector>

namespace lpt {

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

}  // namespace lpt

#endif  // LPTRAIN_TRAINER_BENCH_UTIL_H_
