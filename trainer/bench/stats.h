// Small statistics for the benches: means with Student-t 95% confidence intervals, for arms
// measured over several seeds and for paired differences between arms.
#ifndef LPTRAIN_TRAINER_BENCH_STATS_H_
#define LPTRAIN_TRAINER_BENCH_STATS_H_

#include <cmath>
#include <vector>

namespace lpt::bench {

struct MeanCi {
  double mean = 0;
  double low = 0;  // 95% confidence interval of the mean (mean itself for one value)
  double high = 0;
  double sd = 0;  // sample standard deviation
  int n = 0;
};

// The 0.975 quantile of Student's t with df degrees of freedom.
inline double StudentT975(int df) {
  static const double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return 0;
  if (df <= 30) return kTable[df - 1];
  return 1.96 + 2.4 / df;  // within 0.2% of the exact quantile beyond 30
}

inline MeanCi MeanWithCi(const std::vector<double>& v) {
  MeanCi r;
  r.n = static_cast<int>(v.size());
  if (v.empty()) return r;
  for (double x : v) r.mean += x / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - r.mean) * (x - r.mean);
  r.sd = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
  const double half =
      v.size() > 1 ? StudentT975(r.n - 1) * r.sd / std::sqrt(static_cast<double>(r.n)) : 0.0;
  r.low = r.mean - half;
  r.high = r.mean + half;
  return r;
}

// The paired differences a[i] - b[i] (same seed i), with their CI.
inline MeanCi PairedDifference(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) d.push_back(a[i] - b[i]);
  return MeanWithCi(d);
}

}  // namespace lpt::bench

#endif  // LPTRAIN_TRAINER_BENCH_STATS_H_
