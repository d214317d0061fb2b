// ArrayBundle: lookups name the array and what differs; packed bundles round-trip and
// malformed bytes are refused.
#include "common/array_bundle.h"

#include <gtest/gtest.h>

namespace lpt {
namespace {

BundleMap Sample() {
  BundleMap m;
  ArrayBundle& a = m["model"];
  a.f32["w"] = {1.5f, -2.0f, 0.25f, 8.0f};
  a.shapes["w"] = {2, 2};
  a.f64["lr"] = {3e-4};
  a.i64["step"] = {-1, 0, 7};
  a.u64["rng"] = {~uint64_t{0}, 3};
  a.u8["planes"] = {0, 255, 7};
  a.str["names"] = {"x", "", "ünïcode"};
  m["ranks/1/env"].i64["empty"] = {};
  m["empty"];
  return m;
}

TEST(ArrayBundle, LookupsNameTheArrayTypeAndSize) {
  const BundleMap m = Sample();
  const ArrayBundle& b = m.at("model");
  EXPECT_EQ(b.GetF32("w", 4).value()->size(), 4u);
  EXPECT_EQ(b.GetF32("w", 5).status().message(), "w: 4 elements, expected 5");
  EXPECT_EQ(b.GetF32("lr").status().message(), "lr: float64 array, expected float32");
  EXPECT_EQ(b.GetU8("nothing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(b.ScalarF64("lr").value(), 3e-4);
}

TEST(ArrayBundle, PackedBundlesRoundTripAndMalformedBytesAreRefused) {
  const BundleMap m = Sample();
  const std::vector<uint8_t> bytes = PackBundles(m);
  const BundleMap back = UnpackBundles(bytes).value();
  ASSERT_EQ(back.size(), m.size());
  for (const auto& [path, b] : m) EXPECT_TRUE(back.at(path) == b) << path;
  EXPECT_TRUE(UnpackBundles(PackBundles({})).value().empty());
  for (size_t cut : {size_t{0}, size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    const std::vector<uint8_t> part(bytes.begin(),
                                    bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(UnpackBundles(part).status().code(), StatusCode::kCorruption) << cut;
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(UnpackBundles(longer).ok());
}

}  // namespace
}  // namespace lpt
