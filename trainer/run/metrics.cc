#include "trainer/run/metrics.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "common/files.h"
#include "common/json.h"

namespace lpt::run {

double MetricsRow::Get(const std::string& key, double fallback) const {
  for (const auto& [k, v] : values_) {
    if (k == key) return v;
  }
  return fallback;
}

std::string MetricsRow::ToJson() const {
  JsonWriter json(/*digits=*/9);
  json.BeginObject();
  for (const auto& [key, value] : values_) json.Number(key, value);
  json.EndObject();
  return json.text();
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

StatusOr<int64_t> TruncateMetrics(const std::string& path, int64_t iteration,
                                  const std::string& discarded_path) {
  if (!PathExists(path)) return int64_t{0};
  LPT_ASSIGN_OR_RETURN(const std::string text, ReadFileText(path));
  std::string keep, moved;
  int64_t count = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    // A line cut short by a crash does not parse: it goes with the discarded ones.
    const auto row = ParseFlatJsonNumbers(line);
    double it = -1;
    if (row.ok()) {
      for (const auto& [key, value] : *row) {
        if (key == "charts/iteration") it = value;
      }
    }
    if (it >= 0 && it <= static_cast<double>(iteration)) {
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

}  // namespace lpt::run
