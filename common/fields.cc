#include "common/fields.h"

#include <cmath>
#include <cstdio>

namespace lpt {

std::string FormatNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

std::string_view FieldKindName(FieldKind kind) {
  switch (kind) {
    case FieldKind::kInt:
      return "integer";
    case FieldKind::kFloat:
      return "number";
    case FieldKind::kBool:
      return "bool";
  }
  return "?";
}

Status CheckFieldValue(std::string_view name, FieldKind kind, double min, double max,
                       double value) {
  const std::string n(name);
  if (kind == FieldKind::kBool && value != 0.0 && value != 1.0) {
    return Status::InvalidArgument(n + ": " + FormatNumber(value) + " is not 0 or 1");
  }
  if (!std::isfinite(value) || value < min || value > max) {
    return Status::InvalidArgument(n + ": " + FormatNumber(value) + " is out of range [" +
                                   FormatNumber(min) + ", " + FormatNumber(max) + "]");
  }
  if (kind == FieldKind::kInt && value != std::floor(value)) {
    return Status::InvalidArgument(n + ": " + FormatNumber(value) + " is not a whole number");
  }
  return Status::Ok();
}

}  // namespace lpt
