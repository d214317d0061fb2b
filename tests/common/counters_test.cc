#include "common/counters.h"

#include <gtest/gtest.h>

namespace lpt {
namespace {

struct Counts {
  int64_t episodes = 0;
  int64_t results = 0;
  static const CounterTable<Counts>& Table() {
    static const CounterTable<Counts> table = {{"episodes", &Counts::episodes},
                                               {"results", &Counts::results}};
    return table;
  }
};

TEST(Counters, TravelByNameAndComeBackEqual) {
  const Counts c{7, 5};
  ArrayBundle b;
  PutCounters(c, &b);
  EXPECT_EQ(b.i64.at("counter.episodes"), std::vector<int64_t>{7});
  EXPECT_EQ(b.i64.at("counter.results"), std::vector<int64_t>{5});
  Counts back;
  ASSERT_TRUE(GetCounters(b, &back).ok());
  EXPECT_EQ(back.episodes, 7);
  EXPECT_EQ(back.results, 5);
  const auto listed = ListCounters(b);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0], (std::pair<std::string, int64_t>("episodes", 7)));
}

TEST(Counters, AMissingOrNegativeCounterIsRefusedByNameAndNothingChanges) {
  ArrayBundle b;
  b.i64["counter.episodes"] = {3};
  Counts c{1, 1};
  Status st = GetCounters(b, &c);
  EXPECT_NE(st.message().find("counter.results"), std::string::npos) << st.message();
  EXPECT_EQ(c.episodes, 1);
  b.i64["counter.results"] = {-2};
  st = GetCounters(b, &c);
  EXPECT_NE(st.message().find("counter.results: negative"), std::string::npos) << st.message();
}

TEST(Counters, AddSumsCounterByCounter) {
  Counts total{1, 2};
  AddCounters(Counts{10, 20}, &total);
  EXPECT_EQ(total.episodes, 11);
  EXPECT_EQ(total.results, 22);
}

}  // namespace
}  // namespace lpt
