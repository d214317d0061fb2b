// Exp: e^x without a library call, accurate to a few ulp, written branch-free so the compiler
// vectorises loops over it (the sigmoid over the whole pool is the recompute's biggest cost).
#ifndef LPTRAIN_CURRICULUM_FAST_MATH_H_
#define LPTRAIN_CURRICULUM_FAST_MATH_H_

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace lpt::curriculum {

// e^x for any finite x; results are exact-ish (relative error < 1e-15) in [-708, 708] and
// saturate outside it.
inline double Exp(double x) {
  x = std::min(std::max(x, -708.0), 708.0);
  // x = n ln2 + r with n = round(x / ln2): adding 1.5 * 2^52 rounds to an integer and leaves n
  // in the low mantissa bits.
  constexpr double kRound = 6755399441055744.0;  // 1.5 * 2^52
  const double shifted = x * 1.4426950408889634 + kRound;
  const double n = shifted - kRound;
  const double r = (x - n * 0.6931471803691238) - n * 1.9082149292705877e-10;  // ln2 hi + lo
  // e^r on |r| <= ln2/2 by its Taylor series to degree 13 (truncation < 2e-17).
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // 2^n from the low bits of `shifted` (|n| <= 1022 after the clamp).
  uint64_t bits;
  std::memcpy(&bits, &shifted, sizeof(bits));
  bits = (bits + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

}  // namespace lpt::curriculum

#endif  // LPTRAIN_CURRICULUM_FAST_MATH_H_
