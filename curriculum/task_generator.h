// TaskGenerator: turns a task id into task parameters and a label, as a pure function of the
// id (a task id is a seed: the same id always yields the same params). Covers the single-task
// generator (a spec without buckets), the bucketed generator (each bucket draws one value for
// one key) and a weighted set of generators (several specs; the id picks one by weight).
//
// An enumerated generator (every bucket a list of values, created with enumerate = true)
// treats the id as a combination index instead: the tasks are ids 0 .. NumCombinations() - 1,
// spec by spec, within a spec the first bucket varying fastest, every combination once.
//
// Params are key/value pairs, e.g. "rewards.ore_red" = 0.1; the curriculum never interprets
// them (the trainer maps them onto the env's task config). The label names the chosen bucket
// values, "arena|rewards.ore_red=0.1|attack.cost=100"; span buckets contribute the bin the
// value fell in ("max_steps=500..750"), so the number of labels stays finite.
#ifndef LPTRAIN_CURRICULUM_TASK_GENERATOR_H_
#define LPTRAIN_CURRICULUM_TASK_GENERATOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace lpt::curriculum {

struct Bucket {
  std::string key;
  std::vector<double> values;  // one is chosen uniformly ...
  bool is_span = false;        // ... or, if is_span, a value uniform in [min, max]
  double min = 0;
  double max = 0;
  bool integer = false;  // span of whole numbers
};

struct GeneratorSpec {
  std::string name;                                   // first part of every label
  double weight = 1;                                  // chance of this spec within a set
  std::vector<std::pair<std::string, double>> fixed;  // params every task of the spec sets
  std::vector<Bucket> buckets;                        // empty: one fixed task
};

class TaskGenerator {
 public:
  // Validates the specs (non-empty keys and value lists, min <= max, positive weights, no key
  // twice in one spec). label_bins: how many label bins a span is divided into.
  // enumerate: ids are combination indexes (InvalidArgument when a bucket is a span).
  static StatusOr<std::unique_ptr<TaskGenerator>> Create(std::vector<GeneratorSpec> specs,
                                                         int label_bins = 4,
                                                         bool enumerate = false);

  // True when no bucket is a span (the tasks are a finite set of combinations).
  static bool Finite(const std::vector<GeneratorSpec>& specs);
  // The number of distinct tasks of finite specs (saturating at UINT64_MAX).
  static uint64_t CountCombinations(const std::vector<GeneratorSpec>& specs);

  bool enumerated() const { return enumerated_; }
  // Enumerated: how many tasks there are (ids 0 .. n - 1).
  uint64_t num_combinations() const { return combinations_; }

  // Every key any task may set, in a fixed order: params arrays are indexed by it.
  const std::vector<std::string>& keys() const { return keys_; }
  int num_keys() const { return static_cast<int>(keys_.size()); }

  // Writes num_keys() values (NaN where the task's spec does not set the key) and the label.
  // Enumerated: REQUIRES task_id < num_combinations(). Thread-safe (const, no state).
  void Generate(uint64_t task_id, double* params, std::string* label) const;

 private:
  struct CompiledSpec {
    std::string name;
    double cumulative_weight;
    std::vector<std::pair<int, double>> fixed;  // key index, value
    std::vector<Bucket> buckets;
    std::vector<int> bucket_keys;  // key index per bucket
    // Label pieces, formatted once: "|key=value" per list value, "|key=lo..hi" per span bin.
    std::vector<std::vector<std::string>> label_parts;
    uint64_t combinations = 1;       // enumerated: tasks of this spec
    uint64_t first_combination = 0;  // enumerated: id of its first task
  };

  TaskGenerator() = default;

  std::vector<std::string> keys_;
  std::vector<CompiledSpec> specs_;
  double total_weight_ = 0;
  int label_bins_ = 4;
  bool enumerated_ = false;
  uint64_t combinations_ = 0;
};

}  // namespace lpt::curriculum

#endif  // LPTRAIN_CURRICULUM_TASK_GENERATOR_H_
