#!/usr/bin/env bash
# The main job: installs what is missing, builds, then trains agents on the default arena
# (arena_basic_easy_shaped) with the default LP curriculum for a short run (3M agent-steps,
# about 4 minutes on 2 cores: long enough to see hearts per agent-episode rise),
# printing one progress line per iteration, and plots the run. Extra key=value arguments go to
# `lptrain train` (e.g. trainer.total_timesteps=2000000 curriculum.algorithm=discrete_random).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build >/dev/null
run_dir="runs/main-$(date +%Y%m%d-%H%M%S)"
./build/lptrain train --run-dir "$run_dir" trainer.total_timesteps=3000000 "$@"
scripts/plot_run.py "$run_dir"
echo "outputs: $run_dir/config.yaml (resolved config), $run_dir/metrics.jsonl (one line per iteration), $run_dir/metrics.png, $run_dir/checkpoints/ (resume with: build/lptrain train --run-dir $run_dir --resume auto)"
