#include "curriculum/snapshot.h"

#include <cstring>

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

namespace {
constexpr char kMagic[4] = {'L', 'P', 'T', 'S'};

template <typename T>
void Put(std::vector<uint8_t>* out, const T* data, size_t n) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  out->insert(out->end(), p, p + n * sizeof(T));
}
}  // namespace

std::vector<uint8_t> PackSnapshot(const Snapshot& s) {
  const uint64_t n = s.size();
  std::vector<uint8_t> out;
  out.reserve(4 + 16 + n * (8 + 4 + 8));
  Put(&out, kMagic, 4);
  Put(&out, &s.version, 1);
  Put(&out, &n, 1);
  Put(&out, s.task_ids->data(), n);
  Put(&out, s.label_ids->data(), n);
  Put(&out, s.probabilities.data(), n);
  return out;
}

StatusOr<std::shared_ptr<const Snapshot>> UnpackSnapshot(const std::vector<uint8_t>& bytes) {
  uint64_t version = 0;
  uint64_t n = 0;
  if (bytes.size() < 20 || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return Status::Corruption("snapshot: not a packed snapshot (" + std::to_string(bytes.size()) +
                              " bytes)");
  }
  std::memcpy(&version, bytes.data() + 4, 8);
  std::memcpy(&n, bytes.data() + 12, 8);
  if (bytes.size() != 20 + n * 20) {
    return Status::Corruption("snapshot: " + std::to_string(bytes.size()) + " bytes for " +
                              std::to_string(n) + " tasks");
  }
  auto snap = std::make_shared<Snapshot>();
  snap->version = version;
  auto ids = std::make_shared<std::vector<uint64_t>>(n);
  auto labels = std::make_shared<std::vector<uint32_t>>(n);
  const uint8_t* p = bytes.data() + 20;
  std::memcpy(ids->data(), p, n * 8);
  std::memcpy(labels->data(), p + n * 8, n * 4);
  snap->probabilities.resize(n);
  std::memcpy(snap->probabilities.data(), p + n * 12, n * 8);
  snap->task_ids = std::move(ids);
  snap->label_ids = std::move(labels);
  snap->slots = std::make_shared<const std::vector<uint32_t>>();
  std::vector<uint32_t> scratch;
  BuildAliasTable(snap->probabilities, &snap->alias_prob, &snap->alias_index, &scratch);
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

}  // namespace lpt::curriculum
