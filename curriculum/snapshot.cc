#include "curriculum/snapshot.h"

namespace lpt::curriculum {

void BuildAliasTable(const std::vector<double>& p, std::vector<double>* prob,
                     std::vector<uint32_t>* index, std::vector<uint32_t>* scratch) {
  const size_t n = p.size();
  prob->resize(n);
  index->resize(n);
  scratch->resize(n);
  // scratch holds the "small" stack growing from the front and the "large" stack from the back.
  uint32_t* small = scratch->data();
  uint32_t* large_end = scratch->data() + n;
  size_t num_small = 0;
  size_t num_large = 0;
  double total = 0;
  for (double v : p) total += v;
  const double scale = total > 0 ? static_cast<double>(n) / total : 0.0;
  for (size_t i = 0; i < n; ++i) {
    (*prob)[i] = p[i] * scale;
    (*index)[i] = static_cast<uint32_t>(i);
    if ((*prob)[i] < 1.0) {
      small[num_small++] = static_cast<uint32_t>(i);
    } else {
      *(large_end - 1 - num_large++) = static_cast<uint32_t>(i);
    }
  }
  while (num_small > 0 && num_large > 0) {
    const uint32_t s = small[--num_small];
    const uint32_t l = *(large_end - num_large);
    (*index)[s] = l;
    (*prob)[l] = ((*prob)[l] + (*prob)[s]) - 1.0;
    if ((*prob)[l] < 1.0) {
      --num_large;
      small[num_small++] = l;
    }
  }
  // What is left is 1 up to rounding.
  while (num_large > 0) (*prob)[*(large_end - num_large--)] = 1.0;
  while (num_small > 0) (*prob)[small[--num_small]] = 1.0;
}

}  // namespace lpt::curriculum
