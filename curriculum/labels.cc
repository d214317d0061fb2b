#include "curriculum/labels.h"

#include "common/check.h"

namespace lpt::curriculum {

uint32_t LabelTable::Acquire(const std::string& label) {
  const auto it = map_.find(label);
  uint32_t id;
  if (it != map_.end()) {
    id = it->second;
    if (stats_[id].active_tasks == 0) {  // reactivated: its queue entry becomes stale
      ++generation_[id];
      --num_inactive_;
    }
  } else {
    if (!free_ids_.empty()) {
      id = free_ids_.back();
      free_ids_.pop_back();
      names_[id] = label;
      stats_[id] = LabelStats();
      live_[id] = 1;
      ++generation_[id];
    } else {
      id = static_cast<uint32_t>(names_.size());
      names_.push_back(label);
      stats_.emplace_back();
      live_.push_back(1);
      generation_.push_back(0);
    }
    map_.emplace(label, id);
  }
  ++stats_[id].active_tasks;
  ++stats_[id].created;
  return id;
}

void LabelTable::Release(uint32_t id) {
  LPT_CHECK(id < names_.size() && live_[id] && stats_[id].active_tasks > 0) << "label " << id;
  if (--stats_[id].active_tasks > 0) return;
  inactive_.emplace_back(id, generation_[id]);
  ++num_inactive_;
  while (num_inactive_ > static_cast<size_t>(max_inactive_)) {
    const auto [oldest, gen] = inactive_.front();
    inactive_.pop_front();
    if (gen != generation_[oldest]) continue;  // reactivated since
    Drop(oldest);
    --num_inactive_;
  }
  CompactQueue();
}

void LabelTable::Drop(uint32_t id) {
  map_.erase(names_[id]);
  names_[id].clear();
  names_[id].shrink_to_fit();
  live_[id] = 0;
  ++generation_[id];
  free_ids_.push_back(id);
}

// Stale entries (labels reactivated after going inactive) are dropped once they outnumber the
// live ones, so the queue stays O(inactive labels) even when labels flap.
void LabelTable::CompactQueue() {
  if (inactive_.size() <= 2 * num_inactive_ + 16) return;
  std::deque<std::pair<uint32_t, uint64_t>> kept;
  for (const auto& e : inactive_) {
    if (e.second == generation_[e.first]) kept.push_back(e);
  }
  inactive_.swap(kept);
}

size_t LabelTable::bytes() const {
  size_t b = names_.capacity() * sizeof(std::string) + stats_.capacity() * sizeof(LabelStats) +
             live_.capacity() + generation_.capacity() * sizeof(uint64_t) +
             free_ids_.capacity() * sizeof(uint32_t) +
             inactive_.size() * sizeof(std::pair<uint32_t, uint64_t>);
  for (const std::string& n : names_) b += n.capacity();
  // unordered_map: a bucket pointer each, a node (next pointer, key, value, hash) per entry.
  b += map_.bucket_count() * sizeof(void*) +
       map_.size() * (sizeof(void*) + sizeof(std::string) + sizeof(uint32_t) + sizeof(size_t));
  for (const auto& [name, id] : map_) b += name.capacity();
  return b;
}

void LabelTable::Export(ArrayBundle* out, const std::string& prefix) const {
  const size_t n = names_.size();
  out->str[prefix + "names"] = names_;
  std::vector<int64_t> live(n), active(n), created(n), samples(n), completions(n), evictions(n);
  std::vector<double> reward(n);
  for (size_t i = 0; i < n; ++i) {
    live[i] = live_[i];
    active[i] = stats_[i].active_tasks;
    created[i] = stats_[i].created;
    samples[i] = stats_[i].samples;
    completions[i] = stats_[i].completions;
    evictions[i] = stats_[i].evictions;
    reward[i] = stats_[i].reward_ema;
  }
  out->i64[prefix + "live"] = live;
  out->i64[prefix + "active_tasks"] = active;
  out->i64[prefix + "created"] = created;
  out->i64[prefix + "samples"] = samples;
  out->i64[prefix + "completions"] = completions;
  out->i64[prefix + "evictions"] = evictions;
  out->f64[prefix + "reward_ema"] = reward;
  out->u64[prefix + "generation"] = generation_;
  out->i64[prefix + "free_ids"] = std::vector<int64_t>(free_ids_.begin(), free_ids_.end());
  std::vector<int64_t> queue_ids;
  std::vector<uint64_t> queue_gens;
  for (const auto& [id, gen] : inactive_) {
    queue_ids.push_back(id);
    queue_gens.push_back(gen);
  }
  out->i64[prefix + "inactive_queue_ids"] = queue_ids;
  out->u64[prefix + "inactive_queue_generations"] = queue_gens;
}

Status LabelTable::Import(const ArrayBundle& in, const std::string& prefix) {
  LPT_ASSIGN_OR_RETURN(const std::vector<std::string>* names, in.GetStr(prefix + "names"));
  const auto n = static_cast<int64_t>(names->size());
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* live, in.GetI64(prefix + "live", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* active, in.GetI64(prefix + "active_tasks", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* created, in.GetI64(prefix + "created", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* samples, in.GetI64(prefix + "samples", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* completions,
                       in.GetI64(prefix + "completions", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* evictions, in.GetI64(prefix + "evictions", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<double>* reward, in.GetF64(prefix + "reward_ema", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<uint64_t>* generation,
                       in.GetU64(prefix + "generation", n));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* free_ids, in.GetI64(prefix + "free_ids"));
  LPT_ASSIGN_OR_RETURN(const std::vector<int64_t>* queue_ids,
                       in.GetI64(prefix + "inactive_queue_ids"));
  LPT_ASSIGN_OR_RETURN(
      const std::vector<uint64_t>* queue_gens,
      in.GetU64(prefix + "inactive_queue_generations", static_cast<int64_t>(queue_ids->size())));
  map_.clear();
  names_ = *names;
  stats_.assign(n, LabelStats());
  live_.assign(n, 0);
  generation_ = *generation;
  num_inactive_ = 0;
  for (int64_t i = 0; i < n; ++i) {
    live_[i] = (*live)[i] != 0;
    stats_[i] = LabelStats{(*active)[i],      (*created)[i],   (*samples)[i],
                           (*completions)[i], (*evictions)[i], (*reward)[i]};
    if (live_[i]) {
      if (!map_.emplace(names_[i], static_cast<uint32_t>(i)).second) {
        return Status::Corruption(prefix + "names: label '" + names_[i] + "' appears twice");
      }
      if (stats_[i].active_tasks == 0) ++num_inactive_;
    }
  }
  free_ids_.clear();
  for (int64_t id : *free_ids) {
    if (id < 0 || id >= n || live_[id]) return Status::Corruption(prefix + "free_ids: bad id");
    free_ids_.push_back(static_cast<uint32_t>(id));
  }
  inactive_.clear();
  for (size_t i = 0; i < queue_ids->size(); ++i) {
    const int64_t id = (*queue_ids)[i];
    if (id < 0 || id >= n) return Status::Corruption(prefix + "inactive_queue_ids: bad id");
    inactive_.emplace_back(static_cast<uint32_t>(id), (*queue_gens)[i]);
  }
  return Status::Ok();
}

}  // namespace lpt::curriculum
