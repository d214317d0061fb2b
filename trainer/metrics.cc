#include "trainer/metrics.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "common/files.h"

namespace lpt {

double MetricsRow::Get(const std::string& key, double fallback) const {
  for (const auto& [k, v] : values_) {
    if (k == key) return v;
  }
  return fallback;
}

std::string MetricsRow::ToJson() const {
  std::string out = "{";
  char buf[64];
  for (size_t i = 0; i < values_.size(); ++i) {
    if (i > 0) out += ",";
    out += "\"" + values_[i].first + "\":";
    const double v = values_[i].second;
    if (!std::isfinite(v)) {
      out += "null";
    } else {
      std::snprintf(buf, sizeof(buf), "%.9g", v);
      out += buf;
    }
  }
  return out + "}";
}

MetricsWriter::~MetricsWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

Status MetricsWriter::Open(const std::string& path) {
  file_ = std::fopen(path.c_str(), "a");
  if (file_ == nullptr) return Status::IoError(path + ": " + std::strerror(errno));
  path_ = path;
  return Status::Ok();
}

Status MetricsWriter::Write(const MetricsRow& row) {
  const std::string line = row.ToJson() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    return Status::IoError(path_ + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

StatusOr<int64_t> TruncateMetrics(const std::string& path, int64_t iteration, const std::string& discarded_path) {
  if (!PathExists(path)) return int64_t{0};
  LPT_ASSIGN_OR_RETURN(const std::string text, ReadFileText(path));
  std::string keep, moved;
  int64_t count = 0;
  std::istringstream lines(text);
  const std::string key = "\"charts/iteration\":";
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const size_t at = line.find(key);
    // A line cut short by a crash has no complete row: it goes with the discarded ones.
    const bool complete = line.back() == '}';
    const double it = at == std::string::npos ? -1 : std::strtod(line.c_str() + at + key.size(), nullptr);
    if (complete && at != std::string::npos && it <= static_cast<double>(iteration)) {
      keep += line + "\n";
    } else {
      moved += line + "\n";
      ++count;
    }
  }
  if (count == 0) return count;
  std::FILE* f = std::fopen(discarded_path.c_str(), "a");
  if (f == nullptr) return Status::IoError(discarded_path + ": " + std::strerror(errno));
  const bool ok = std::fwrite(moved.data(), 1, moved.size(), f) == moved.size();
  if (std::fclose(f) != 0 || !ok) return Status::IoError(discarded_path + ": cannot write");
  LPT_RETURN_IF_ERROR(WriteFileAtomically(path, keep));
  return count;
}

}  // namespace lpt
