#include "trainer/replay.h"

#include <algorithm>

#include "common/json.h"
#include "envsim/arena.h"
#include "envsim/render.h"

namespace lpt::trainer {
namespace {

using envsim::ArenaBatch;
using envsim::Item;
using envsim::kNumActions;
using envsim::kNumItems;

// The agents of env 0 as they stand, with the running (or finished) episode's totals.
void FillAgents(const ArenaBatch& batch, const envsim::EpisodeStats& stats,
                const std::vector<int32_t>& actions, const std::vector<int32_t>& failed_before,
                bool first, std::vector<ReplayAgent>* agents) {
  const int n = batch.num_agents();
  agents->resize(n);
  for (int a = 0; a < n; ++a) {
    ReplayAgent& r = (*agents)[a];
    r.row = batch.AgentRow(0, a);
    r.col = batch.AgentCol(0, a);
    r.facing = static_cast<int>(batch.Facing(0, a));
    r.frozen = batch.Frozen(0, a);
    for (int i = 0; i < kNumItems; ++i)
      r.inventory[i] = batch.Inventory(0, a, static_cast<Item>(i));
    r.reward = stats.returns.empty() ? 0.0f : stats.returns[a];
    r.hearts = stats.returns.empty() ? 0 : stats.HeartsMade(a);
    r.action = first ? -1 : actions[a];
    r.failed = false;
    if (!first && !stats.action_failed.empty()) {
      const size_t k = static_cast<size_t>(a) * kNumActions + actions[a];
      r.failed = stats.action_failed[k] > failed_before[k];
    }
  }
}

void FillConverters(const ArenaBatch& batch, std::vector<ReplayConverter>* converters) {
  const int n = batch.num_converters(0);
  converters->resize(n);
  for (int c = 0; c < n; ++c) {
    ReplayConverter& r = (*converters)[c];
    r.outputs = 0;
    for (int i = 0; i < kNumItems; ++i) r.outputs += batch.OutputOf(0, c, static_cast<Item>(i));
    r.state = static_cast<int>(batch.StateOf(0, c));
    r.timer = batch.TimerOf(0, c);
  }
}

}  // namespace

StatusOr<Replay> RecordReplay(Policy& policy, const run::TaskFeatures& features,
                              const EvalTask& task, const ReplayOptions& options,
                              torch::Device device) {
  if (options.steps < 0) return Status::InvalidArgument("steps: at least 0");
  Replay replay;
  replay.task = task.name;
  replay.seed = options.seed;
  replay.greedy = options.greedy;
  replay.max_steps = task.config.max_steps;
  const int wanted =
      options.steps > 0 ? std::min(options.steps, task.config.max_steps) : task.config.max_steps;
  std::vector<int32_t> failed_before;  // action failures so far, to tell this step's outcome
  const StepObserver observer = [&](int step, const ArenaBatch& batch,
                                    const std::vector<int32_t>& actions) {
    if (step == 0) {
      replay.height = batch.map_height(0);
      replay.width = batch.map_width(0);
      replay.rooms = batch.config(0).num_instances;
      replay.cells.assign(static_cast<size_t>(replay.height) * replay.width, '.');
      for (int r = 0; r < replay.height; ++r) {
        for (int c = 0; c < replay.width; ++c) {
          const envsim::Cell cell = batch.CellAt(0, r, c);
          char& out = replay.cells[static_cast<size_t>(r) * replay.width + c];
          if (cell == envsim::Cell::kWall) out = '#';
          if (cell == envsim::Cell::kBlock) out = 'o';
          const int conv = batch.ConverterAt(0, r, c);
          if (conv >= 0)
            replay.converters.push_back({r, c, static_cast<int>(batch.KindOf(0, conv))});
        }
      }
    }
    // An episode that ended in this step: the env already shows its next episode, so the last
    // frame keeps the agents where the previous frame had them, with the finished totals.
    const bool ended = step > 0 && batch.episode(0) != 0;
    ReplayFrame frame;
    if (ended) {
      const envsim::EpisodeStats& stats = batch.LastEpisode(0);
      frame = replay.frames.back();
      for (int a = 0; a < static_cast<int>(frame.agents.size()); ++a) {
        ReplayAgent& r = frame.agents[a];
        r.reward = stats.returns[a];
        r.hearts = stats.HeartsMade(a);
        r.action = actions[a];
        const size_t k = static_cast<size_t>(a) * kNumActions + actions[a];
        r.failed = stats.action_failed[k] > failed_before[k];
      }
      replay.frames.push_back(std::move(frame));
      replay.episode_ended = true;
      return false;
    }
    const envsim::EpisodeStats& stats = batch.CurrentEpisode(0);
    FillAgents(batch, stats, actions, failed_before, step == 0, &frame.agents);
    FillConverters(batch, &frame.converters);
    replay.frames.push_back(std::move(frame));
    failed_before = stats.action_failed;
    if (failed_before.empty()) {
      failed_before.assign(static_cast<size_t>(batch.num_agents()) * kNumActions, 0);
    }
    return step < wanted;
  };
  EvalOptions eval;
  eval.episodes = 1;
  eval.seed = options.seed;
  eval.greedy = options.greedy;
  LPT_RETURN_IF_ERROR(Evaluate(policy, features, {task}, eval, device, observer).status());
  return replay;
}

std::string ReplayJson(const Replay& replay) {
  JsonWriter j(6);
  j.BeginObject()
      .String("task", replay.task)
      .Int("seed", static_cast<int64_t>(replay.seed))
      .Bool("greedy", replay.greedy)
      .Int("height", replay.height)
      .Int("width", replay.width)
      .Int("rooms", replay.rooms)
      .Int("max_steps", replay.max_steps)
      .Bool("episode_ended", replay.episode_ended)
      .String("cells", replay.cells)
      .Key("items")
      .BeginArray();
  for (int i = 0; i < kNumItems; ++i) j.String(envsim::ItemName(static_cast<Item>(i)));
  j.EndArray().Key("actions").BeginArray();
  for (int a = 0; a < kNumActions; ++a) j.String(envsim::ActionName(a));
  j.EndArray().Key("converter_kinds").BeginArray();
  for (int k = 0; k < envsim::kNumConverterKinds; ++k) {
    j.String(envsim::ConverterName(static_cast<envsim::ConverterKind>(k)));
  }
  j.EndArray().Key("converters").BeginArray();
  for (const Replay::Converter& c : replay.converters) {
    j.BeginArray().Int(c.row).Int(c.col).Int(c.kind).EndArray();
  }
  // Frames: per agent [row, col, facing, frozen, inventory x5, reward, hearts, action, failed];
  // per converter [outputs, state, timer].
  j.EndArray().Key("frames").BeginArray();
  for (const ReplayFrame& f : replay.frames) {
    j.BeginObject().Key("a").BeginArray();
    for (const ReplayAgent& a : f.agents) {
      j.BeginArray().Int(a.row).Int(a.col).Int(a.facing).Int(a.frozen);
      for (int i = 0; i < kNumItems; ++i) j.Int(a.inventory[i]);
      j.Number(a.reward).Int(a.hearts).Int(a.action).Int(a.failed ? 1 : 0).EndArray();
    }
    j.EndArray().Key("c").BeginArray();
    for (const ReplayConverter& c : f.converters) {
      j.BeginArray().Int(c.outputs).Int(c.state).Int(c.timer).EndArray();
    }
    j.EndArray().EndObject();
  }
  j.EndArray().EndObject();
  return j.text();
}

namespace {

// The page: everything inline. DATA is replaced by the replay's JSON.
constexpr const char* kPage = R"PAGE(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>TITLE</title>
<style>
body{font:13px/1.35 system-ui,sans-serif;margin:12px;background:#f6f6f3;color:#222}
#main{display:flex;gap:14px;align-items:flex-start}
canvas{background:#fff;border:1px solid #bbb;image-rendering:pixelated}
#controls{margin:8px 0;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
#scrub{width:420px}
table{border-collapse:collapse;font-size:12px}
td,th{padding:2px 6px;border-bottom:1px solid #ddd;text-align:right}
th{background:#eee}td.l,th.l{text-align:left}
.sw{display:inline-block;width:10px;height:10px;border-radius:5px;vertical-align:middle}
#legend span{margin-right:10px}
#summary{color:#555;font-size:11px;white-space:pre-wrap}
</style></head><body>
<h3 id="heading"></h3>
<div id="main"><div>
<canvas id="map"></canvas>
<div id="controls">
<button id="play">play</button><button id="back">&#9664; step</button><button id="fwd">step &#9654;</button>
<input id="scrub" type="range" min="0" value="0">
<label>speed <select id="speed"><option>1</option><option>5</option><option selected>10</option><option>30</option><option>60</option></select> steps/s</label>
<span id="label"></span></div>
<div id="legend"></div>
</div>
<div><table id="panel"></table></div></div>
<pre id="summary"></pre>
<script id="replay-data" type="application/json">DATA</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("replay-data").textContent);
const N = D.frames.length, A = N ? D.frames[0].a.length : 0;
const CELL = Math.max(6, Math.min(24, Math.floor(720 / Math.max(D.height, D.width, 1))));
const cv = document.getElementById("map"), ctx = cv.getContext("2d");
cv.width = D.width * CELL; cv.height = D.height * CELL;
const KIND_COLOR = ["#6d4c41", "#f9a825", "#d81b60", "#7e57c2", "#00897b"];
const agentColor = a => "hsl(" + Math.round(a * 360 / Math.max(A, 1)) + ",70%,45%)";
const FACING = [[0, -1], [0, 1], [-1, 0], [1, 0]];  // up, down, left, right as (dx, dy)
// Action counts so far, per frame and agent (frame 0: none).
const counts = [];
for (let f = 0; f < N; f++) {
  const prev = f ? counts[f - 1] : null, row = [];
  for (let a = 0; a < A; a++) {
    const c = prev ? prev[a].slice() : new Array(D.actions.length).fill(0);
    const act = D.frames[f].a[a][11];
    if (act >= 0) c[act]++;
    row.push(c);
  }
  counts.push(row);
}
let drawn = 0;
function draw(f) {
  const fr = D.frames[f];
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, cv.width, cv.height);
  for (let r = 0; r < D.height; r++) for (let c = 0; c < D.width; c++) {
    const ch = D.cells[r * D.width + c];
    if (ch === "#") { ctx.fillStyle = "#37474f"; ctx.fillRect(c * CELL, r * CELL, CELL, CELL); }
    else if (ch === "o") { ctx.fillStyle = "#b0bec5"; ctx.fillRect(c * CELL + 2, r * CELL + 2, CELL - 4, CELL - 4); }
  }
  D.converters.forEach((cv_, i) => {
    const [r, c, k] = cv_, [out, state, timer] = fr.c[i];
    ctx.fillStyle = KIND_COLOR[k]; ctx.globalAlpha = state === 0 ? 1 : 0.55;
    ctx.fillRect(c * CELL + 1, r * CELL + 1, CELL - 2, CELL - 2); ctx.globalAlpha = 1;
    if (state === 2 && timer > 0) {  // cooling down: a bar shrinking to nothing
      ctx.fillStyle = "#263238"; ctx.fillRect(c * CELL + 1, (r + 1) * CELL - 3, Math.max(1, (CELL - 2) * Math.min(1, timer / 50)), 2);
    }
    if (out > 0) {
      ctx.fillStyle = "#fff"; ctx.font = "bold " + Math.floor(CELL * 0.6) + "px sans-serif";
      ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.fillText(String(out), c * CELL + CELL / 2, r * CELL + CELL / 2);
    }
  });
  fr.a.forEach((ag, a) => {
    const [r, c, facing, frozen] = ag, x = c * CELL + CELL / 2, y = r * CELL + CELL / 2;
    ctx.beginPath(); ctx.arc(x, y, CELL * 0.42, 0, 2 * Math.PI);
    ctx.fillStyle = agentColor(a); ctx.fill();
    if (frozen > 0) { ctx.lineWidth = 3; ctx.strokeStyle = "#4fc3f7"; ctx.stroke(); }
    const [dx, dy] = FACING[facing] || [0, 0];
    ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + dx * CELL * 0.5, y + dy * CELL * 0.5);
    ctx.lineWidth = 2; ctx.strokeStyle = "#111"; ctx.stroke();
    if (ag[6] > 0) { ctx.fillStyle = "#d81b60"; ctx.fillRect(x + CELL * 0.15, y - CELL * 0.45, CELL * 0.3, CELL * 0.3); }
  });
  document.getElementById("label").textContent = "step " + f + " / " + (N - 1) +
    (D.episode_ended && f === N - 1 ? " (episode ended)" : "");
  document.getElementById("scrub").value = f;
  panel(f);
  drawn++;
}
function panel(f) {
  const fr = D.frames[f];
  let h = "<tr><th class=l>agent</th><th>room</th><th>reward</th><th>hearts</th>";
  D.items.forEach(it => h += "<th>" + it.replace("_red", "") + "</th>");
  h += "<th class=l>action</th><th class=l>actions so far</th></tr>";
  fr.a.forEach((ag, a) => {
    const act = ag[11] >= 0 ? D.actions[ag[11]] + (ag[12] ? " (failed)" : "") : "-";
    const c = counts[f][a], top = c.map((n, i) => [n, i]).filter(p => p[0] > 0)
      .sort((p, q) => q[0] - p[0]).slice(0, 4).map(p => D.actions[p[1]] + " " + p[0]).join(", ");
    h += "<tr class=agent><td class=l><span class=sw style='background:" + agentColor(a) + "'></span> " + a +
      (ag[3] > 0 ? " &#10052;" : "") + "</td><td>" + (a % Math.max(D.rooms, 1)) + "</td><td>" + ag[9].toFixed(2) +
      "</td><td>" + ag[10] + "</td>";
    for (let i = 0; i < D.items.length; i++) h += "<td>" + ag[4 + i] + "</td>";
    h += "<td class=l>" + act + "</td><td class=l>" + top + "</td></tr>";
  });
  document.getElementById("panel").innerHTML = h;
}
let frame = 0, timer = null;
function show(f) { frame = Math.max(0, Math.min(N - 1, f)); draw(frame); }
function stop() { if (timer) clearInterval(timer); timer = null; document.getElementById("play").textContent = "play"; }
function play() {
  if (frame >= N - 1) frame = 0;
  const fps = Number(document.getElementById("speed").value);
  timer = setInterval(() => { if (frame >= N - 1) { stop(); return; } show(frame + 1); }, 1000 / fps);
  document.getElementById("play").textContent = "pause";
}
document.getElementById("play").onclick = () => timer ? stop() : play();
document.getElementById("back").onclick = () => { stop(); show(frame - 1); };
document.getElementById("fwd").onclick = () => { stop(); show(frame + 1); };
document.getElementById("speed").onchange = () => { if (timer) { stop(); play(); } };
const scrub = document.getElementById("scrub"); scrub.max = Math.max(0, N - 1);
scrub.oninput = () => { stop(); show(Number(scrub.value)); };
document.getElementById("heading").textContent = "lptrain replay: " + D.task + " (seed " + D.seed +
  ", " + (D.greedy ? "greedy" : "sampled") + " actions, " + A + " agents)";
let legend = "";
D.converter_kinds.forEach((k, i) => legend += "<span><span class=sw style='background:" + KIND_COLOR[i] + "'></span> " + k + "</span>");
document.getElementById("legend").innerHTML = legend + "<span class=sw style='background:#b0bec5;border-radius:0'></span> block <span>&nbsp;number: outputs waiting; faded: converting or cooling down; ring: frozen; pink square: holds a heart</span>";
// Draw every frame once (a check that each one draws), then show the first.
for (let f = 0; f < N; f++) draw(f);
const last = N ? D.frames[N - 1].a : [];
document.getElementById("summary").textContent = "frames drawn: " + drawn + " of " + N +
  "\nagents: " + A + "\nhearts: " + last.map(a => a[10]).join(" ") +
  "\nrewards: " + last.map(a => a[9].toFixed(3)).join(" ");
show(0);
</script></body></html>
)PAGE";

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string ReplayHtml(const Replay& replay, const std::string& title) {
  // Inside a <script> element "</" would end it early; JSON allows "<\/" for it.
  const std::string data = ReplaceAll(ReplayJson(replay), "</", "<\\/");
  std::string page = kPage;
  const size_t t = page.find("TITLE");
  page.replace(t, 5, HtmlEscape(title));
  const size_t d = page.find("DATA</script>");
  page.replace(d, 4, data);
  return page;
}

}  // namespace lpt::trainer
