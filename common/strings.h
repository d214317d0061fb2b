// Small string helpers shared by the command line and config parsing.
#ifndef LPTRAIN_COMMON_STRINGS_H_
#define LPTRAIN_COMMON_STRINGS_H_

#include <string>
#include <string_view>
#include <vector>

namespace lpt {

// Levenshtein distance.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `name` (edit distance, or containing it as a dotted suffix), or ""
// when nothing is close enough to be a plausible typo.
std::string ClosestMatch(std::string_view name, const std::vector<std::string>& candidates);

// "1234567" -> "1,234,567".
std::string WithThousands(long long v);

// printf-style formatting into a std::string.
std::string StrFormat(const char* format, ...) __attribute__((format(printf, 1, 2)));

inline bool EndsWith(std::string_view s, std::string_view end) {
  return s.size() >= end.size() && s.substr(s.size() - end.size()) == end;
}

}  // namespace lpt

#endif  // LPTRAIN_COMMON_STRINGS_H_
