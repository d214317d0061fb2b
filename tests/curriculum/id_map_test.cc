#include "curriculum/id_map.h"

#include <gtest/gtest.h>

#include <unordered_map>

#include "common/rng.h"

namespace lpt::curriculum {
namespace {

TEST(IdSlotMap, AgreesWithAStandardMapUnderRandomInsertsAndErasures) {
  constexpr size_t kCapacity = 200;
  IdSlotMap map(kCapacity);
  std::unordered_map<uint64_t, uint32_t> ref;
  CounterRng rng(17);
  std::vector<uint64_t> live;
  for (int step = 0; step < 200000; ++step) {
    // Small id range so probe chains collide and wrap; erasures exercise the backward shift.
    const uint64_t id = rng.Below(1000) * 0x10000ULL;
    if (ref.count(id)) {
      ASSERT_EQ(map.Find(id), ref[id]);
      if (rng.Below(2) == 0) {
        ASSERT_TRUE(map.Erase(id));
        ref.erase(id);
      }
    } else if (ref.size() < kCapacity) {
      const auto slot = static_cast<uint32_t>(step % kCapacity);
      map.Insert(id, slot);
      ref[id] = slot;
    } else {
      ASSERT_EQ(map.Find(id), IdSlotMap::kNone);
      ASSERT_FALSE(map.Erase(id));
    }
    ASSERT_EQ(map.size(), ref.size());
  }
  for (const auto& [id, slot] : ref) EXPECT_EQ(map.Find(id), slot);
}

}  // namespace
}  // namespace lpt::curriculum
