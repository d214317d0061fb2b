// Named, documented, range-checked fields of a plain config struct. One table per struct is
// the single source for validation, `key=value` setting, `lptrain config` and the README, so
// a field's name, doc and range are written once.
//
//   std::vector<Field<MyConfig>> fields = {
//       MakeField<MyConfig>("max_steps", "episode length", FieldKind::kInt, 1, 1e6,
//                           [](auto& c) -> auto& { return c.max_steps; }),
//   };
#ifndef LPTRAIN_COMMON_FIELDS_H_
#define LPTRAIN_COMMON_FIELDS_H_

#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/status.h"

namespace lpt {

enum class FieldKind { kInt, kFloat, kBool };

template <typename Config>
struct Field {
  std::string name;  // dotted, e.g. "rewards.ore_red"
  std::string doc;   // one line
  FieldKind kind;
  double min;
  double max;
  std::function<double(const Config&)> get;
  std::function<void(Config&, double)> set;
};

// "%.10g" of v: how numbers appear in messages.
std::string FormatNumber(double v);
// InvalidArgument "<name>: <value> is out of range [min, max]" / "is not a whole number" /
// "is not 0 or 1", or OK.
Status CheckFieldValue(std::string_view name, FieldKind kind, double min, double max, double value);
// "integer", "number" or "bool".
std::string_view FieldKindName(FieldKind kind);

// Builds a Field from an accessor usable on const and non-const configs:
// [](auto& c) -> auto& { return c.member; }.
template <typename Config, typename Accessor>
Field<Config> MakeField(std::string name, std::string doc, FieldKind kind, double min, double max,
                        Accessor access) {
  Field<Config> f;
  f.name = std::move(name);
  f.doc = std::move(doc);
  f.kind = kind;
  f.min = min;
  f.max = max;
  f.get = [access](const Config& c) { return static_cast<double>(access(c)); };
  f.set = [access](Config& c, double v) {
    using T = std::remove_reference_t<decltype(access(c))>;
    if constexpr (std::is_same_v<T, bool>) {
      access(c) = v != 0.0;
    } else {
      access(c) = static_cast<T>(v);
    }
  };
  return f;
}

template <typename Config>
const Field<Config>* FindField(const std::vector<Field<Config>>& fields, std::string_view name) {
  for (const Field<Config>& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// Checks every field's value against its kind and range; the first bad one is named.
template <typename Config>
Status ValidateFields(const std::vector<Field<Config>>& fields, const Config& config) {
  for (const Field<Config>& f : fields) {
    LPT_RETURN_IF_ERROR(CheckFieldValue(f.name, f.kind, f.min, f.max, f.get(config)));
  }
  return Status::Ok();
}

// Sets one field by name after checking its kind and range. NotFound for an unknown name.
template <typename Config>
Status SetField(const std::vector<Field<Config>>& fields, Config* config, std::string_view name,
                double value) {
  const Field<Config>* f = FindField(fields, name);
  if (f == nullptr) return Status::NotFound("unknown field '" + std::string(name) + "'");
  LPT_RETURN_IF_ERROR(CheckFieldValue(f->name, f->kind, f->min, f->max, value));
  f->set(*config, value);
  return Status::Ok();
}

}  // namespace lpt

#endif  // LPTRAIN_COMMON_FIELDS_H_
