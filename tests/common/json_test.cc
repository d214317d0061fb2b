#include "common/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace lpt {
namespace {

TEST(JsonWriter, NestedValuesKeepTheirOrderAndSeparators) {
  JsonWriter j;
  j.BeginObject().String("name", "a\"b\\c\n").Int("n", -3).Key("list").BeginArray();
  j.Number(0.5).Bool(true).BeginObject().EndObject();
  j.EndArray().Key("empty").BeginArray().EndArray().EndObject();
  EXPECT_EQ(j.text(), R"({"name":"a\"b\\c\n","n":-3,"list":[0.5,true,{}],"empty":[]})");
}

TEST(JsonWriter, NonFiniteNumbersAreNullAndDigitsAreHonoured) {
  JsonWriter j(4);
  j.BeginArray()
      .Number(std::nan(""))
      .Number(std::numeric_limits<double>::infinity())
      .Number(3.14159265)
      .EndArray();
  EXPECT_EQ(j.text(), "[null,null,3.142]");
}

TEST(JsonReader, FlatNumbersRoundTripThroughTheWriter) {
  JsonWriter j(17);
  j.BeginObject()
      .Number("charts/iteration", 3)
      .Number("x", 0.1)
      .Number("gone", std::nan(""))
      .EndObject();
  const auto row = ParseFlatJsonNumbers(j.text());
  ASSERT_TRUE(row.ok()) << row.status().message();
  ASSERT_EQ(row->size(), 3u);
  EXPECT_EQ((*row)[0].first, "charts/iteration");
  EXPECT_EQ((*row)[0].second, 3);
  EXPECT_EQ((*row)[1].second, 0.1);
  EXPECT_TRUE(std::isnan((*row)[2].second));
}

TEST(JsonReader, CutShortOrNestedTextIsAnErrorNamingThePosition) {
  EXPECT_FALSE(ParseFlatJsonNumbers(R"({"a":1,"b":)").ok());
  EXPECT_FALSE(ParseFlatJsonNumbers(R"({"a":{"b":1}})").ok());
  const auto st = ParseFlatJsonNumbers(R"({"a":1} x)");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("character"), std::string::npos);
  EXPECT_TRUE(ParseFlatJsonNumbers(" { } ").ok());
}

}  // namespace
}  // namespace lpt
