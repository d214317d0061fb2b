#include "common/status.h"

#include <gtest/gtest.h>

namespace lpt {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument(std::to_string(x) + " is odd");
  return x / 2;
}

StatusOr<int> Quarter(int x) {
  LPT_ASSIGN_OR_RETURN(const int half, Half(x));
  LPT_ASSIGN_OR_RETURN(const int quarter, Half(half));
  return quarter;
}

Status CheckQuarter(int x) {
  LPT_RETURN_IF_ERROR(Quarter(x).status());
  return Status::Ok();
}

TEST(Status, OkByDefaultAndErrorsCarryCodeAndMessage) {
  EXPECT_TRUE(Status().ok());
  EXPECT_EQ(Status().ToString(), "OK");
  const Status st = Status::NotFound("ckpt-4.h5: no such file");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.ToString(), "NOT_FOUND: ckpt-4.h5: no such file");
  EXPECT_EQ(st.WithPrefix("resume").message(), "resume: ckpt-4.h5: no such file");
  EXPECT_TRUE(Status::Ok().WithPrefix("x").ok());
}

TEST(StatusOr, PropagatesTheFirstErrorThroughTheMacros) {
  EXPECT_EQ(Quarter(12).value(), 3);
  const StatusOr<int> odd = Quarter(6);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().message(), "3 is odd");
  EXPECT_EQ(CheckQuarter(6).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckQuarter(8).ok());
}

TEST(StatusOrDeathTest, ValueOfAnErrorIsABug) {
  const StatusOr<int> odd = Half(3);
  EXPECT_DEATH((void)odd.value(), "value\\(\\) of an error: INVALID_ARGUMENT: 3 is odd");
}

}  // namespace
}  // namespace lpt
