// A replay: one episode of a frozen policy, recorded frame by frame through the evaluator's
// episode player (evaluator.h), and written as one self-contained HTML file (no network, no
// external scripts) that draws the map step by step on a canvas: walls and blocks, converters
// with their stock and cooldown, agents with facing, frozen state and inventory; play/pause,
// step, a scrub bar, speed; a side panel with each agent's reward, hearts, inventory and action
// counts so far. `lptrain replay` writes it.
#ifndef LPTRAIN_TRAINER_REPLAY_H_
#define LPTRAIN_TRAINER_REPLAY_H_

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "trainer/evaluator.h"
#include "trainer/policy.h"
#include "trainer/run/tasks.h"

namespace lpt::trainer {

struct ReplayOptions {
  uint64_t seed = 1;    // the map and the action draws
  int steps = 0;        // steps to record (0: the whole episode)
  bool greedy = false;  // argmax actions instead of sampled ones
};

// One agent in one frame.
struct ReplayAgent {
  int row = 0, col = 0, facing = 0, frozen = 0;
  int inventory[envsim::kNumItems] = {};
  float reward = 0;  // the episode's return so far
  int hearts = 0;    // hearts made so far
  int action = -1;   // the action taken in the step that led to this frame (-1 in frame 0)
  bool failed = false;
};

// One converter in one frame.
struct ReplayConverter {
  int outputs = 0;  // outputs waiting to be taken (all items)
  int state = 0;    // envsim::ConverterState
  int timer = 0;    // ticks left converting or cooling down
};

struct ReplayFrame {
  std::vector<ReplayAgent> agents;
  std::vector<ReplayConverter> converters;
};

struct Replay {
  std::string task;  // the task's name
  uint64_t seed = 0;
  bool greedy = false;
  int height = 0, width = 0, rooms = 0, max_steps = 0;
  std::string cells;  // [height * width] static cells as render.h letters ('#', 'o', '.')
  struct Converter {
    int row, col, kind;
  };
  std::vector<Converter> converters;
  std::vector<ReplayFrame> frames;  // frame 0 is the start; frame t follows step t - 1
  bool episode_ended = false;       // the episode ended within the recorded steps
};

// Plays one episode of `task` with the policy (the player of evaluator.h, one env) and records
// it: frame 0 and a frame after every step, until options.steps steps or the episode's last
// step (whose frame shows the agents where they ended, with the finished episode's totals).
StatusOr<Replay> RecordReplay(Policy& policy, const run::TaskFeatures& features,
                              const EvalTask& task, const ReplayOptions& options,
                              torch::Device device);

// The replay as JSON (the page's data), and as the self-contained HTML page.
std::string ReplayJson(const Replay& replay);
std::string ReplayHtml(const Replay& replay, const std::string& title);

}  // namespace lpt::trainer

#endif  // LPTRAIN_TRAINER_REPLAY_H_
