#include "trainer/run/episode_tally.h"

#include <cmath>
#include <string>

namespace lpt::run {
namespace {

std::string GainedName(int item) {
  return "tally/gained." + std::string(envsim::ItemName(static_cast<envsim::Item>(item)));
}

}  // namespace

void EpisodeTally::AddEnded(const envsim::ArenaBatch& batch, Span<const uint8_t> episode_end) {
  for (size_t e = 0; e < episode_end.size(); ++e) {
    if (!episode_end[e]) continue;
    const envsim::EpisodeStats& ep = batch.LastEpisode(static_cast<int>(e));
    if (!ep.desync_shortened) Add(ep);
  }
}

void EpisodeTally::Add(const envsim::EpisodeStats& ep) {
  constexpr int kA = envsim::kNumActions;
  ++episodes_;
  length_ += ep.length;
  for (int a = 0; a < ep.num_agents(); ++a) {
    ++agent_episodes_;
    returns_ += ep.returns[a];
    for (int i = 0; i < envsim::kNumItems; ++i)
      gained_[i] += ep.Gained(a, static_cast<envsim::Item>(i));
    hearts_made_ += ep.HeartsMade(a);
    frozen_ += ep.times_frozen[a];
    for (int k = 0; k < kA; ++k) {
      const size_t at = static_cast<size_t>(a) * kA + k;
      actions_ += ep.action_count[at];
      failed_ += ep.action_failed[at];
      if (k >= static_cast<int>(envsim::Action::kAttack0)) attacks_ += ep.action_count[at];
    }
  }
}

void EpisodeTally::AddTo(RankReduction* r) const {
  r->Sum("tally/episodes", static_cast<double>(episodes_));
  r->Sum("tally/agent_episodes", static_cast<double>(agent_episodes_));
  r->Sum("tally/returns", returns_);
  r->Sum("tally/length", length_);
  r->Sum("tally/hearts_made", hearts_made_);
  r->Sum("tally/actions", actions_);
  r->Sum("tally/failed", failed_);
  r->Sum("tally/frozen", frozen_);
  r->Sum("tally/attacks", attacks_);
  for (int i = 0; i < envsim::kNumItems; ++i) r->Sum(GainedName(i), gained_[i]);
}

void EpisodeTally::Report(const RankReduction& r, MetricsRow* row) {
  const double nan = std::nan("");
  const double episodes = r.Get("tally/episodes");
  const double agent_episodes = r.Get("tally/agent_episodes");
  const auto per_agent = [&](const char* name) {
    return agent_episodes > 0 ? r.Get(name) / agent_episodes : nan;
  };
  row->Add("charts/episodes", episodes);
  row->Add("charts/episode_return", per_agent("tally/returns"));
  row->Add("charts/episode_length", episodes > 0 ? r.Get("tally/length") / episodes : nan);
  for (int i = 0; i < envsim::kNumItems; ++i) {
    row->Add("env/" + std::string(envsim::ItemName(static_cast<envsim::Item>(i))) + ".gained",
             agent_episodes > 0 ? r.Get(GainedName(i)) / agent_episodes : nan);
  }
  row->Add("env/hearts_made", per_agent("tally/hearts_made"));
  row->Add("env/attacks", per_agent("tally/attacks"));
  row->Add("env/times_frozen", per_agent("tally/frozen"));
  const double actions = r.Get("tally/actions");
  row->Add("env/action_fail_rate", actions > 0 ? r.Get("tally/failed") / actions : nan);
}

}  // namespace lpt::run
