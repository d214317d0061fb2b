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

}  // namespace

StatusOr<std::unique_ptr<TaskGenerator>> TaskGenerator::Create(std::vector<GeneratorSpec> specs,
                                                               int label_bins) {
  if (specs.empty()) return Status::InvalidArgument("task generator: no generator specs");
  if (label_bins < 1) {
    return Status::InvalidArgument("task generator: label_bins " + std::to_string(label_bins) +
                                   " must be at least 1");
  }
  std::unique_ptr<TaskGenerator> gen(new TaskGenerator());
  gen->label_bins_ = label_bins;
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
    gen->specs_.push_back(std::move(compiled));
  }
  return gen;
}

void TaskGenerator::Generate(uint64_t task_id, double* params, std::string* label) const {
  CounterRng rng(task_id, kGenerateStream);
  std::fill(params, params + keys_.size(), std::numeric_limits<double>::quiet_NaN());
  const CompiledSpec* spec = &specs_[0];
  if (specs_.size() > 1) {
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
    if (!b.is_span) {
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
