// JSON text: one writer for everything lptrain writes as JSON (metrics.jsonl rows, `inspect
// --json`, the benchmarks' last line), and a reader for the flat objects of metrics rows.
// Keys keep the order they were written in; strings are escaped; numbers that are not
// finite are written as null.
#ifndef LPTRAIN_COMMON_JSON_H_
#define LPTRAIN_COMMON_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace lpt {

class JsonWriter {
 public:
  // Numbers are written with `digits` significant digits (17 round-trips a double).
  explicit JsonWriter(int digits = 17) : digits_(digits) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // The key of the next value (inside an object).
  JsonWriter& Key(std::string_view key);

  JsonWriter& Number(double v);
  JsonWriter& Int(int64_t v);
  JsonWriter& String(std::string_view s);
  JsonWriter& Bool(bool b);

  // Key and value at once.
  JsonWriter& Number(std::string_view key, double v) { return Key(key).Number(v); }
  JsonWriter& Int(std::string_view key, int64_t v) { return Key(key).Int(v); }
  JsonWriter& String(std::string_view key, std::string_view s) { return Key(key).String(s); }
  JsonWriter& Bool(std::string_view key, bool b) { return Key(key).Bool(b); }

  const std::string& text() const { return out_; }

 private:
  void BeforeValue();

  std::string out_;
  int digits_;
  bool first_ = true;       // no element yet in the innermost container
  bool after_key_ = false;  // a key was written, its value comes next
};

// "a\"b" with JSON escapes (quotes included).
std::string JsonQuote(std::string_view s);

// A parsed JSON value (for the files lptrain reads: traces, bench results). Objects keep their
// keys in file order.
struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;
  std::vector<JsonValue> items;                            // array elements
  std::vector<std::pair<std::string, JsonValue>> members;  // object members
  // The member called key, or nullptr (also for non-objects).
  const JsonValue* Find(std::string_view key) const;
};
// Parses one JSON value (nothing but white space after it); errors name the position.
StatusOr<JsonValue> ParseJson(std::string_view text);

// A flat JSON object of numbers (a metrics row): key -> value in file order, null as NaN.
// Anything else (nesting, strings, bad syntax) is an error naming the position.
StatusOr<std::vector<std::pair<std::string, double>>> ParseFlatJsonNumbers(std::string_view text);

}  // namespace lpt

#endif  // LPTRAIN_COMMON_JSON_H_
