// Named counters: a struct of int64 counters described by a table of {name, member}, so that
// counters cross files and ranks by name, never by position. In a state bundle each counter
// is one scalar array "counter.<name>"; readers that do not know the struct (lptrain inspect)
// list them with ListCounters.
//
//   struct Counts { int64_t episodes = 0, results = 0; static const CounterTable<Counts>& Table();
//   }; PutCounters(counts, &bundle);  ...  LPT_RETURN_IF_ERROR(GetCounters(bundle, &counts));
#ifndef LPTRAIN_COMMON_COUNTERS_H_
#define LPTRAIN_COMMON_COUNTERS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/array_bundle.h"
#include "common/status.h"

namespace lpt {

inline constexpr const char* kCounterPrefix = "counter.";

template <typename T>
struct CounterField {
  const char* name;
  int64_t T::*member;
};
template <typename T>
using CounterTable = std::vector<CounterField<T>>;

// Every counter of c as "counter.<name>".
template <typename T>
void PutCounters(const T& c, ArrayBundle* b) {
  for (const CounterField<T>& f : T::Table())
    b->i64[kCounterPrefix + std::string(f.name)] = {c.*f.member};
}

// Every counter of T from b (each must be present, non-negative); *c changes only on success.
template <typename T>
Status GetCounters(const ArrayBundle& b, T* c) {
  T next = *c;
  for (const CounterField<T>& f : T::Table()) {
    LPT_ASSIGN_OR_RETURN(const int64_t v, b.ScalarI64(kCounterPrefix + std::string(f.name)));
    if (v < 0) return Status::Corruption(kCounterPrefix + std::string(f.name) + ": negative");
    next.*f.member = v;
  }
  *c = next;
  return Status::Ok();
}

// into += from, counter by counter.
template <typename T>
void AddCounters(const T& from, T* into) {
  for (const CounterField<T>& f : T::Table()) into->*f.member += from.*f.member;
}

// The counters a bundle holds, by name, in name order (for tools that read any state).
inline std::vector<std::pair<std::string, int64_t>> ListCounters(const ArrayBundle& b) {
  std::vector<std::pair<std::string, int64_t>> out;
  const std::string prefix = kCounterPrefix;
  for (const auto& [name, v] : b.i64) {
    if (name.rfind(prefix, 0) == 0 && v.size() == 1)
      out.emplace_back(name.substr(prefix.size()), v[0]);
  }
  return out;
}

}  // namespace lpt

#endif  // LPTRAIN_COMMON_COUNTERS_H_
