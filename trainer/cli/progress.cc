#include "trainer/cli/progress.h"

#include <algorithm>
#include <cmath>

#include "common/strings.h"

namespace lpt::cli {

std::string ProgressLine(const ProgressPoint& at, const run::MetricsRow& row, bool with_bar) {
  const double total = static_cast<double>(std::max(at.planned_agent_steps, int64_t{1}));
  const double done = static_cast<double>(at.agent_steps);
  const double frac = std::min(1.0, done / total);
  std::string bar;
  if (with_bar) {
    const int filled = static_cast<int>(frac * 20);
    bar = "[" + std::string(filled, '#') + std::string(20 - filled, '.') + "] ";
  }
  const double sps = row.Get("charts/sps");
  const double left = sps > 0 ? std::max(0.0, total - done) / sps : 0;
  const auto show = [&](const char* key, const char* format) {
    const double v = row.Get(key, std::nan(""));
    return std::isnan(v) ? std::string("-") : StrFormat(format, v);
  };
  return StrFormat(
      "%siter %lld/%lld  steps %s (%.0f%%)  %s SPS  return %s  ore %s battery %s hearts %s  "
      "LP: gini %.2f evicted %.0f  eta %dm%02ds",
      bar.c_str(), static_cast<long long>(at.iteration),
      static_cast<long long>(at.planned_iterations), WithThousands(at.agent_steps).c_str(),
      100 * frac, WithThousands(static_cast<long long>(sps)).c_str(),
      show("charts/episode_return", "%.3f").c_str(), show("env/ore_red.gained", "%.2f").c_str(),
      show("env/battery_red.gained", "%.2f").c_str(), show("env/hearts_made", "%.3f").c_str(),
      row.Get("curriculum/gini_sampling"), row.Get("curriculum/evicted"),
      static_cast<int>(left) / 60, static_cast<int>(left) % 60);
}

void HeartsByQuarter::Add(const ProgressPoint& at, const run::MetricsRow& row) {
  const double hearts = row.Get("env/hearts_made", std::nan(""));
  const double episodes = row.Get("charts/episodes", 0);
  if (std::isnan(hearts) || episodes <= 0 || at.planned_agent_steps <= 0) return;
  // The quarter of the run the iteration ended in.
  const double frac =
      static_cast<double>(at.agent_steps) / static_cast<double>(at.planned_agent_steps);
  const int q = std::clamp(static_cast<int>(std::ceil(frac * 4)) - 1, 0, 3);
  hearts_[q] += hearts * episodes;
  episodes_[q] += episodes;
}

std::string HeartsByQuarter::Line() const {
  std::string s = "hearts by quarter";
  for (int q = 0; q < 4; ++q) {
    s += episodes_[q] > 0 ? StrFormat(" %.2f", hearts_[q] / episodes_[q]) : std::string(" -");
  }
  return s;
}

std::string HeartsByQuarter::Summary() const {
  if (episodes_[0] <= 0 || episodes_[3] <= 0) return "";
  return StrFormat("hearts per agent-episode: first quarter %.3f, last quarter %.3f",
                   hearts_[0] / episodes_[0], hearts_[3] / episodes_[3]);
}

}  // namespace lpt::cli
