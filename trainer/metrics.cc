#include "trainer/metrics.h"

#include <cerrno>
#include <cmath>
#include <cstring>

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

}  // namespace lpt
