#include "common/strings.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

namespace lpt {

std::string StrFormat(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(out.data(), out.size() + 1, format, args);
  va_end(args);
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string ClosestMatch(std::string_view name, const std::vector<std::string>& candidates) {
  const auto ends_with = [](std::string_view s, std::string_view tail) {
    return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0 &&
           s[s.size() - tail.size() - 1] == '.';
  };
  // "max_steps" for "env.max_steps": the user left out the section.
  for (const std::string& c : candidates) {
    if (ends_with(c, name)) return c;
  }
  // A plausible typo.
  std::string best;
  size_t best_distance = std::max<size_t>(3, name.size() / 3) + 1;
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(name, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  if (!best.empty()) return best;
  // "rewards.ore" for "rewards.ore_red": a name cut short.
  for (const std::string& c : candidates) {
    if (name.size() >= 3 && c.size() > name.size() && c.compare(0, name.size(), name) == 0)
      return c;
  }
  // "env.walls" for "env.map.walls": the same last part under another section.
  const size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    for (const std::string& c : candidates) {
      if (ends_with(c, name.substr(dot + 1))) return c;
    }
  }
  return "";
}

std::string WithThousands(long long v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

}  // namespace lpt
