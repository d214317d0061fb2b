#include "trainer/run/reduction.h"

#include <cstdint>

#include "common/check.h"

namespace lpt::run {
namespace {

// A hash of the names in order, as a double that survives the reduction exactly (< 2^53).
double NamesHash(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::vector<std::string>* names : {&a, &b}) {
    for (const std::string& n : *names) {
      for (const unsigned char c : n) h = (h ^ c) * 0x100000001b3ULL;
      h = (h ^ 0xff) * 0x100000001b3ULL;
    }
  }
  return static_cast<double>(h >> 11);
}

}  // namespace

void RankReduction::Sum(const std::string& name, double value) {
  sum_names_.push_back(name);
  sums_.push_back(value);
}

void RankReduction::Max(const std::string& name, double value) {
  max_names_.push_back(name);
  maxima_.push_back(value);
}

Status RankReduction::Reduce(distributed::Control* control) {
  if (control->world().size == 1) return Status::Ok();
  // The names' hash and its negative go with the maxima: equal on every rank iff both
  // maxima are each other's negatives.
  const double hash = NamesHash(sum_names_, max_names_);
  std::vector<double> maxima = maxima_;
  maxima.push_back(hash);
  maxima.push_back(-hash);
  LPT_RETURN_IF_ERROR(control->AllreduceSum(&sums_));
  LPT_RETURN_IF_ERROR(control->AllreduceMax(&maxima));
  if (maxima[maxima.size() - 2] != -maxima.back()) {
    return Status::Internal("metrics reduction: the ranks reduced different figures");
  }
  maxima.resize(maxima_.size());
  maxima_ = std::move(maxima);
  return Status::Ok();
}

double RankReduction::Get(const std::string& name) const {
  for (size_t i = 0; i < sum_names_.size(); ++i) {
    if (sum_names_[i] == name) return sums_[i];
  }
  for (size_t i = 0; i < max_names_.size(); ++i) {
    if (max_names_[i] == name) return maxima_[i];
  }
  LPT_CHECK(false) << "metrics reduction: no figure named '" << name << "'";
  return 0;
}

}  // namespace lpt::run
