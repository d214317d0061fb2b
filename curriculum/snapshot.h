// Snapshot: an immutable, versioned sampling distribution over the task pool, recomputed every
// perf_invalidation_batch_size results. Everything that samples reads a snapshot; sampling is
// O(1) through an alias table. A task's params are a pure function of its id
// (TaskGenerator::Generate), so a snapshot carries ids, not params.
#ifndef LPTRAIN_CURRICULUM_SNAPSHOT_H_
#define LPTRAIN_CURRICULUM_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "common/rng.h"
#include "common/status.h"

namespace lpt::curriculum {

struct Snapshot {
  uint64_t version = 0;
  // Membership, shared between consecutive snapshots while the pool does not change.
  std::shared_ptr<const std::vector<uint64_t>> task_ids;
  std::shared_ptr<const std::vector<uint32_t>> label_ids;
  std::shared_ptr<const std::vector<uint32_t>> slots;  // pool slot per entry (the owner's view)
  std::vector<double> probabilities;                   // sums to 1
  std::vector<double> alias_prob;                      // Vose alias table
  std::vector<uint32_t> alias_index;

  size_t size() const { return probabilities.size(); }

  // An index drawn with probabilities[index]; one 64-bit draw. REQUIRES: size() > 0.
  uint32_t SampleIndex(CounterRng* rng) const {
    const uint64_t r = rng->Next();
    const auto i = static_cast<uint32_t>(((r >> 32) * probabilities.size()) >> 32);
    const double u = static_cast<double>(r & 0xffffffffu) * 0x1.0p-32;
    return u < alias_prob[i] ? i : alias_index[i];
  }
};

// The wire form of a snapshot, for broadcasting it to other ranks (same binary on every rank):
// "LPTS", version, n, task_ids[n], label_ids[n], probabilities[n], host byte order. The
// receiver rebuilds the alias table; `slots` (the owner's view) is not sent.
std::vector<uint8_t> PackSnapshot(const Snapshot& snapshot);
StatusOr<std::shared_ptr<const Snapshot>> UnpackSnapshot(const std::vector<uint8_t>& bytes);

// Fills prob/index (n each) with Vose's alias table for the distribution p (n entries summing
// to ~1). Deterministic. scratch is resized as needed.
void BuildAliasTable(const std::vector<double>& p, std::vector<double>* prob,
                     std::vector<uint32_t>* index, std::vector<uint32_t>* scratch);

}  // namespace lpt::curriculum

#endif  // LPTRAIN_CURRICULUM_SNAPSHOT_H_
