#include "curriculum/task_generator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "common/fields.h"
#include "common/rng.h"

namespace lpt::curriculum {
namespace {

// Keeps task-generation draws apart from every other use of the id as a seed.
constexpr uint64_t kGenerateStream = 0x67656e6572617465ULL;  // "generate"

int KeyIndex(std::vector<std::string>* keys, const std::string& key) {
  const auto it = std::find(keys->begin(), keys->end(), key);
  if (it != keys->end()) return static_cast<int>(it - keys->begin());
  keys->push_back(key);
  return static_cast<int>(keys->size()) - 1;
}

uint64_t SaturatingMul(uint64_t a, uint64_t b) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a)
    return std::numeric_limits<uint64_t>::max();
  return a * b;
}

uint64_t SpecCombinations(const GeneratorSpec& spec) {
  uint64_t n = 1;
  for (const Bucket& b : spec.buckets) n = SaturatingMul(n, b.values.size());
  return n;
}

}  // namespace

bool TaskGenerator::Finite(const std::vector<GeneratorSpec>& specs) {
  for (const GeneratorSpec& spec : specs) {
    for (const Bucket& b : spec.buckets) {
      if (b.is_span) return false;
    }
  }
  return true;
}

uint64_t TaskGenerator::CountCombinations(const std::vector<GeneratorSpec>& specs) {
  uint64_t total = 0;
  for (const GeneratorSpec& spec : specs) {
    const uint64_t n = SpecCombinations(spec);
    total = n > std::numeric_limits<uint64_t>::max() - total ? std::numeric_limits<uint64_t>::max()
                                                             : total + n;
  }
  return total;
}

StatusOr<std::unique_ptr<TaskGenerator>> TaskGenerator::Create(std::vector<GeneratorSpec> specs,
                                                               int label_bins, bool enumerate) {
  if (specs.empty()) return Status::InvalidArgument("task generator: no generator specs");
  if (label_bins < 1) {
    return Status::InvalidArgument("task generator: label_bins " + std::to_string(label_bins) +
                                   " must be at least 1");
  }
  if (enumerate && !Finite(specs)) {
    return Status::InvalidArgument(
        "task generator: an enumerated generator takes lists of values, not spans");
  }
  std::unique_ptr<TaskGenerator> gen(new TaskGenerator());
  gen->label_bins_ = label_bins;
  gen->enumerated_ = enumerate;
  for (size_t s = 0; s < specs.size(); ++s) {
    GeneratorSpec& spec = specs[s];
    const std::string where =
        "task generator '" + (spec.name.empty() ? std::to_string(s) : spec.name) + "'";
    if (!(spec.weight > 0) || !std::isfinite(spec.weight)) {
      return Status::InvalidArgument(where + ": weight " + FormatNumber(spec.weight) +
                                     " must be positive");
    }
    CompiledSpec compiled;
    compiled.name = spec.name;
    std::set<std::string> seen;
    for (const auto& [key, value] : spec.fixed) {
      if (key.empty() || !seen.insert(key).second || !std::isfinite(value)) {
        return Status::InvalidArgument(where + ": fixed param '" + key +
                                       "' is empty, repeated or not finite");
      }
      compiled.fixed.emplace_back(KeyIndex(&gen->keys_, key), value);
    }
    for (const Bucket& b : spec.buckets) {
      if (b.key.empty() || !seen.insert(b.key).second) {
        return Status::InvalidArgument(where + ": bucket key '" + b.key + "' is empty or repeated");
      }
      if (b.is_span) {
        if (!std::isfinite(b.min) || !std::isfinite(b.max) || b.min > b.max) {
          return Status::InvalidArgument(where + ": bucket " + b.key + ": span [" +
                                         FormatNumber(b.min) + ", " + FormatNumber(b.max) +
                                         "] is not a finite range with min <= max");
        }
        if (b.integer && (b.min != std::floor(b.min) || b.max != std::floor(b.max))) {
          return Status::InvalidArgument(where + ": bucket " + b.key +
                                         ": integer span bounds must be whole numbers");
        }
      } else {
        if (b.values.empty()) {
          return Status::InvalidArgument(where + ": bucket " + b.key + " has no values");
        }
        for (double v : b.values) {
          if (!std::isfinite(v)) {
            return Status::InvalidArgument(where + ": bucket " + b.key + " has a non-finite value");
          }
        }
      }
      compiled.bucket_keys.push_back(KeyIndex(&gen->keys_, b.key));
      compiled.buckets.push_back(b);
      std::vector<std::string> parts;
      if (b.is_span) {
        const double range = b.max - b.min;
        for (int bin = 0; bin < label_bins; ++bin) {
          parts.push_back("|" + b.key + "=" + FormatNumber(b.min + range * bin / label_bins) +
                          ".." + FormatNumber(b.min + range * (bin + 1) / label_bins));
        }
      } else {
        for (double v : b.values) parts.push_back("|" + b.key + "=" + FormatNumber(v));
      }
      compiled.label_parts.push_back(std::move(parts));
    }
    gen->total_weight_ += spec.weight;
    compiled.cumulative_weight = gen->total_weight_;
    if (enumerate) {
      compiled.combinations = SpecCombinations(spec);
      compiled.first_combination = gen->combinations_;
      gen->combinations_ =
          CountCombinations({specs.begin(), specs.begin() + static_cast<std::ptrdiff_t>(s) + 1});
    }
    gen->specs_.push_back(std::move(compiled));
  }
  return gen;
}

void TaskGenerator::Generate(uint64_t task_id, double* params, std::string* label) const {
  std::fill(params, params + keys_.size(), std::numeric_limits<double>::quiet_NaN());
  const CompiledSpec* spec = &specs_[0];
  CounterRng rng(task_id, kGenerateStream);
  uint64_t index = 0;  // enumerated: the combination within the spec
  if (enumerated_) {
    LPT_CHECK(task_id < combinations_)
        << "task " << task_id << " of an enumerated generator of " << combinations_;
    for (const CompiledSpec& s : specs_) {
      if (task_id >= s.first_combination && task_id - s.first_combination < s.combinations)
        spec = &s;
    }
    index = task_id - spec->first_combination;
  } else if (specs_.size() > 1) {
    const double u = rng.Uniform() * total_weight_;
    for (const CompiledSpec& s : specs_) {
      spec = &s;
      if (u < s.cumulative_weight) break;
    }
  }
  label->assign(spec->name.empty() ? "task" : spec->name);
  for (const auto& [key, value] : spec->fixed) params[key] = value;
  for (size_t i = 0; i < spec->buckets.size(); ++i) {
    const Bucket& b = spec->buckets[i];
    double v;
    int part;
    if (enumerated_) {
      part = static_cast<int>(index % b.values.size());
      index /= b.values.size();
      v = b.values[part];
    } else if (!b.is_span) {
      part = static_cast<int>(rng.Below(static_cast<uint32_t>(b.values.size())));
      v = b.values[part];
    } else {
      if (b.integer) {
        const auto width = static_cast<uint32_t>(b.max - b.min + 1);
        v = b.min + rng.Below(width);
      } else {
        v = b.min + rng.Uniform() * (b.max - b.min);
      }
      const double range = b.max - b.min;
      part = range > 0 ? static_cast<int>((v - b.min) / range * label_bins_) : 0;
      part = std::clamp(part, 0, label_bins_ - 1);
    }
    params[spec->bucket_keys[i]] = v;
    *label += spec->label_parts[i][part];
  }
}

}  // namespace lpt::curriculum
