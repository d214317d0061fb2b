#include "envsim/render.h"

#include <cstdio>

namespace lpt::envsim {

char CellChar(Cell cell) {
  switch (cell) {
    case Cell::kEmpty:
      return '.';
    case Cell::kWall:
      return '#';
    case Cell::kBlock:
      return 'o';
    case Cell::kAgent:
      return 'A';
    case Cell::kMine:
      return 'm';
    case Cell::kGenerator:
      return 'g';
    case Cell::kAltar:
      return '_';
    case Cell::kLasery:
      return 'l';
    case Cell::kArmory:
      return 'r';
  }
  return '?';
}

std::string Legend() {
  return "legend: . empty  # wall  o block  m mine  g generator  _ altar  l lasery  r armory  "
         "A-Z agents (@ past Z)";
}

std::string RenderMap(const ArenaBatch& batch, int env) {
  const int h = batch.map_height(env);
  const int w = batch.map_width(env);
  std::string grid(static_cast<size_t>(h) * (w + 1), '\n');
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c)
      grid[static_cast<size_t>(r) * (w + 1) + c] = CellChar(batch.CellAt(env, r, c));
  }
  for (int a = 0; a < batch.num_agents(); ++a) {
    grid[static_cast<size_t>(batch.AgentRow(env, a)) * (w + 1) + batch.AgentCol(env, a)] =
        a < 26 ? static_cast<char>('A' + a) : '@';
  }
  return grid;
}

std::string RenderAgents(const ArenaBatch& batch, int env) {
  static constexpr const char* kFacing[] = {"up", "down", "left", "right"};
  std::string out = "agent  row  col  facing  frozen";
  for (int i = 0; i < kNumItems; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), " %11s", std::string(ItemName(static_cast<Item>(i))).c_str());
    out += buf;
  }
  out += "   return\n";
  const EpisodeStats& stats = batch.CurrentEpisode(env);
  for (int a = 0; a < batch.num_agents(); ++a) {
    char buf[128];
    std::snprintf(buf, sizeof(buf), "%5c %4d %4d  %-6s  %6d", a < 26 ? 'A' + a : '@',
                  batch.AgentRow(env, a), batch.AgentCol(env, a),
                  kFacing[static_cast<int>(batch.Facing(env, a))], batch.Frozen(env, a));
    out += buf;
    for (int i = 0; i < kNumItems; ++i) {
      std::snprintf(buf, sizeof(buf), " %11d", batch.Inventory(env, a, static_cast<Item>(i)));
      out += buf;
    }
    std::snprintf(buf, sizeof(buf), " %8.2f\n", stats.returns[a]);
    out += buf;
  }
  return out;
}

}  // namespace lpt::envsim
