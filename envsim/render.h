// Text pictures of an env, for people: one character per cell and an inventory table.
#ifndef LPTRAIN_ENVSIM_RENDER_H_
#define LPTRAIN_ENVSIM_RENDER_H_

#include <string>

#include "envsim/arena.h"

namespace lpt::envsim {

// '.' empty, '#' wall, 'o' block, 'm' mine, 'g' generator, '_' altar, 'l' lasery, 'r' armory.
// Agents are drawn as 'A' + index ('@' past 'Z'). ArenaBatch::LoadMap reads the same legend.
char CellChar(Cell cell);
std::string Legend();

// The map of env, one line per row.
std::string RenderMap(const ArenaBatch& batch, int env);
// One line per agent: position, facing, frozen, inventory, episode return so far.
std::string RenderAgents(const ArenaBatch& batch, int env);

}  // namespace lpt::envsim

#endif  // LPTRAIN_ENVSIM_RENDER_H_
