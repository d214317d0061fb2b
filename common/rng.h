// CounterRng: a counter-based random number generator. The n-th draw is a pure function of
// (key, n), and the key is a hash of (seed, stream, substream) — e.g. (seed, env, episode) — so
// results do not depend on how work is split over threads or ranks, and the whole state is two
// integers (key, counter) that checkpoints save exactly.
//
// Output quality: SplitMix64's finaliser over a Weyl sequence, which passes BigCrush for a
// single stream; keys are themselves hashed, so streams for neighbouring (env, episode) pairs
// start far apart.
#ifndef LPTRAIN_COMMON_RNG_H_
#define LPTRAIN_COMMON_RNG_H_

#include <cstdint>

namespace lpt {

// SplitMix64 finaliser: a bijective 64-bit mixer.
constexpr uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Order-sensitive combination of two 64-bit values into a well-mixed key.
constexpr uint64_t HashCombine(uint64_t a, uint64_t b) {
  return Mix64(a ^ (Mix64(b) + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2)));
}

class CounterRng {
 public:
  CounterRng() : CounterRng(0) {}
  explicit CounterRng(uint64_t seed, uint64_t stream = 0, uint64_t substream = 0)
      : key_(HashCombine(HashCombine(Mix64(seed), stream), substream)) {}

  // Restores a generator from (key, counter) as returned by key() and counter().
  static CounterRng FromState(uint64_t key, uint64_t counter) {
    CounterRng rng;
    rng.key_ = key;
    rng.counter_ = counter;
    return rng;
  }

  uint64_t key() const { return key_; }
  // How many 64-bit draws have been made.
  uint64_t counter() const { return counter_; }

  // The i-th draw of this stream, without advancing.
  uint64_t At(uint64_t i) const { return Mix64(key_ + (i + 1) * 0x9e3779b97f4a7c15ULL); }

  uint64_t Next() { return At(counter_++); }

  // Uniform integer in [0, n). REQUIRES: n > 0. Lemire's multiply-shift with rejection:
  // unbiased, and almost never draws twice.
  uint32_t Below(uint32_t n) {
    uint64_t m = (Next() >> 32) * n;
    uint32_t low = static_cast<uint32_t>(m);
    if (low < n) {
      const uint32_t threshold = static_cast<uint32_t>(-n) % n;
      while (low < threshold) {
        m = (Next() >> 32) * n;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }

  // Uniform double in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t key_ = 0;
  uint64_t counter_ = 0;
};

}  // namespace lpt

#endif  // LPTRAIN_COMMON_RNG_H_
