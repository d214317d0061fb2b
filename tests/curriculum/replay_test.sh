#!/usr/bin/env bash
# `lptrain curriculum replay` against an independent Python implementation of the formulas,
# on random traces, for the mixed-difficulty set (enumerated) and a sampled arena pool, with
# several settings. usage: replay_test.sh LPTRAIN
set -euo pipefail
lptrain=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/lptrain_replay_XXXXXX)
trap 'rm -rf "$work"' EXIT
echo '{"results": []}' > "$work/empty.json"
for pool in "" "env.recipe=arena curriculum.num_active_tasks=40"; do
  for settings in "" "curriculum.progress_smoothing=0" "curriculum.unsolved_weight=0 curriculum.lp_gain=0.1" \
                  "curriculum.lp_score_temperature=0.3" "curriculum.rand_task_rate=0.2 curriculum.min_samples_for_lp=1"; do
    # shellcheck disable=SC2086
    "$lptrain" curriculum replay "$work/empty.json" $pool $settings > "$work/ids.json"
    /usr/bin/python3 - "$work/ids.json" "$work/trace.json" <<'PY'
import json, random, sys
ids = [int(t["task_id"]) for t in json.load(open(sys.argv[1]))["tasks"]]
rng = random.Random(len(ids))
kind = {i: rng.random() for i in ids}  # each task's success probability rises at its own rate
results = []
for k in range(40 * len(ids)):
    i = rng.choice(ids)
    p = min(1.0, kind[i] * k / (20.0 * len(ids)))
    if kind[i] < 0.25:
        p = 0.0  # never succeeds
    results.append([str(i), 1.0 if rng.random() < p else 0.0])  # ids beyond 2^53 travel as text
results.append(["12345678901234567", 1.0])  # not in the pool: dropped
results.append([str(ids[0]), 3.0, 4.0])     # normalised by its max score
json.dump({"results": results}, open(sys.argv[2], "w"))
PY
    # shellcheck disable=SC2086
    "$lptrain" curriculum replay "$work/trace.json" $pool $settings > "$work/out.json"
    # shellcheck disable=SC2086
    /usr/bin/python3 "$here/replay_reference.py" "$work/trace.json" "$work/out.json" $settings
  done
done
