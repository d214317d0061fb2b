// IdSlotMap: task id -> pool slot, an open-addressing hash table sized once for the pool's
// capacity (load <= 1/2). Linear probing with backward-shift deletion, so erasures leave no
// tombstones and lookups stay O(1) however many tasks come and go. Never allocates after
// construction; memory is fixed by the capacity.
#ifndef LPTRAIN_CURRICULUM_ID_MAP_H_
#define LPTRAIN_CURRICULUM_ID_MAP_H_

#include <cstdint>
#include <vector>

#include "common/check.h"
#include "common/rng.h"

namespace lpt::curriculum {

class IdSlotMap {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;

  explicit IdSlotMap(size_t capacity) {
    size_t buckets = 16;
    while (buckets < 2 * capacity) buckets *= 2;
    mask_ = buckets - 1;
    keys_.assign(buckets, 0);
    slots_.assign(buckets, kNone);
    capacity_ = capacity;
  }

  // The slot of id, or kNone.
  uint32_t Find(uint64_t id) const {
    for (size_t i = Home(id);; i = (i + 1) & mask_) {
      if (slots_[i] == kNone) return kNone;
      if (keys_[i] == id) return slots_[i];
    }
  }

  // REQUIRES: id absent and size() < capacity.
  void Insert(uint64_t id, uint32_t slot) {
    LPT_CHECK(size_ < capacity_) << "id map full (" << capacity_ << ")";
    size_t i = Home(id);
    while (slots_[i] != kNone) {
      LPT_CHECK(keys_[i] != id) << "task id " << id << " inserted twice";
      i = (i + 1) & mask_;
    }
    keys_[i] = id;
    slots_[i] = slot;
    ++size_;
  }

  // Removes id if present; returns whether it was.
  bool Erase(uint64_t id) {
    size_t i = Home(id);
    while (true) {
      if (slots_[i] == kNone) return false;
      if (keys_[i] == id) break;
      i = (i + 1) & mask_;
    }
    // Backward shift: move later entries of the probe run into the hole when their home
    // position allows it, so no probe chain is ever broken.
    size_t hole = i;
    for (size_t j = (hole + 1) & mask_; slots_[j] != kNone; j = (j + 1) & mask_) {
      const size_t home = Home(keys_[j]);
      // Entry j may move to hole iff home is not in the cyclic range (hole, j].
      const bool stays = (hole < j) ? (home > hole && home <= j) : (home > hole || home <= j);
      if (stays) continue;
      keys_[hole] = keys_[j];
      slots_[hole] = slots_[j];
      hole = j;
    }
    slots_[hole] = kNone;
    --size_;
    return true;
  }

  size_t size() const { return size_; }
  size_t bytes() const {
    return keys_.capacity() * sizeof(uint64_t) + slots_.capacity() * sizeof(uint32_t);
  }

 private:
  size_t Home(uint64_t id) const { return static_cast<size_t>(Mix64(id)) & mask_; }

  size_t mask_ = 0;
  size_t size_ = 0;
  size_t capacity_ = 0;
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> slots_;
};

}  // namespace lpt::curriculum

#endif  // LPTRAIN_CURRICULUM_ID_MAP_H_
