// Shapes whose element or byte count overflows are refused where they are made, with a
// keel::Error naming the shape, instead of wrapping to a small allocation that kernels then
// write far past (what made --set model.hidden=4611686018427387904 crash in Linear).
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <string>

#include "support/errors.h"

using namespace keel;
using keel::testing::error_of;

namespace {

constexpr std::int64_t k2to62 = std::int64_t{1} << 62;

TEST(DimsOverflow, NumelRefusesAProductBeyondInt64) {
  EXPECT_EQ((Dims{k2to62, 1}.numel()), k2to62);
  const std::string e = error_of([] { (void)Dims{k2to62, 784}.numel(); });
  EXPECT_NE(e.find("[4611686018427387904, 784]"), std::string::npos) << e;
  EXPECT_NE(error_of([] { (void)Dims{1 << 30, 1 << 30, 1 << 30}.numel(); }), "(no error)");
}

TEST(DimsOverflow, AZeroSizeHoldsNothingWhateverTheOtherSizes) {
  EXPECT_EQ((Dims{k2to62, k2to62, 0}.numel()), 0);
  EXPECT_EQ(empty({k2to62, k2to62, 0}).numel(), 0);
}

TEST(DimsOverflow, FactoriesNameTheShape) {
  for (auto make : {+[] {
                      (void)empty({k2to62, 784});
                    },
                    +[] {
                      (void)zeros({784, k2to62});
                    },
                    +[] {
                      (void)randn({k2to62, 4});
                    },
                    +[] {
                      (void)ones({3, 3, k2to62});
                    }}) {
    const std::string e = error_of(make);
    EXPECT_NE(e.find("4611686018427387904"), std::string::npos) << e;
  }
}

TEST(DimsOverflow, ByteCountsBeyondAnyMachineAreRefused) {
  // 2^61 float32 elements count fine in int64 but need 2^63 bytes.
  const std::string e = error_of([] { (void)empty({std::int64_t{1} << 61}, kFloat32); });
  EXPECT_NE(e.find("2305843009213693952"), std::string::npos) << e;
}

TEST(DimsOverflow, AnImpossibleAllocationIsAnErrorNotBadAlloc) {
  // 2^52 bytes (4 PiB) fits every count but no machine: an Error naming the shape, not std::bad_alloc.
  const std::string e = error_of([] { (void)empty({std::int64_t{1} << 50}, kFloat32); });
  EXPECT_NE(e.find("1125899906842624"), std::string::npos) << e;
}

TEST(DimsOverflow, LinearOfAHugeWidthThrows) {
  EXPECT_THROW(nn::Linear(784, k2to62), Error);
  EXPECT_THROW(nn::Linear(k2to62, k2to62), Error);
}

TEST(DimsOverflow, FromBlobRefusesAnExtentBeyondInt64) {
  float x = 0;
  EXPECT_THROW(from_blob(&x, {k2to62, 4}, {4, 1}, kFloat32), Error);
}

}  // namespace
