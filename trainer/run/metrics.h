// Metrics of a run: `metrics.jsonl` in the run directory, one JSON object per logged
// iteration with namespaced keys ("charts/sps", "losses/approx_kl", "curriculum/gini_sampling",
// "env/ore_red.gained", "timing/update"). Keys keep the order they were added in.
//
// Format: UTF-8 JSON lines; every value a number with 9 significant digits (NaN and
// infinities are written as null). The file's name: run_dir.h.
#ifndef LPTRAIN_TRAINER_RUN_METRICS_H_
#define LPTRAIN_TRAINER_RUN_METRICS_H_

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace lpt::run {

class MetricsRow {
 public:
  void Add(const std::string& key, double value) { values_.emplace_back(key, value); }
  // The value of key, or `fallback`.
  double Get(const std::string& key, double fallback = 0) const;
  const std::vector<std::pair<std::string, double>>& values() const { return values_; }
  std::string ToJson() const;

 private:
  std::vector<std::pair<std::string, double>> values_;
};

class MetricsWriter {
 public:
  MetricsWriter() = default;
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;

  // Opens path for appending (created if missing).
  Status Open(const std::string& path);
  // Writes one line and flushes it, so a crash loses at most the line being written.
  Status Write(const MetricsRow& row);

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
};

// For a resumed run: keeps the rows of the metrics file at path up to `iteration`
// ("charts/iteration") and appends the later ones (logged after the checkpoint resumed from)
// to discarded_path, so the metrics continue without a gap or a repeat and nothing is lost.
// Rows that do not parse (a line cut short by a crash) are moved too. A missing file is fine.
// Returns the number of rows moved.
StatusOr<int64_t> TruncateMetrics(const std::string& path, int64_t iteration,
                                  const std::string& discarded_path);

}  // namespace lpt::run

#endif  // LPTRAIN_TRAINER_RUN_METRICS_H_
