#!/usr/bin/env bash
# slurm/run-lptrain.sh's decisions, with a stand-in srun (it runs lptrain directly, or nothing, as
# a failed task launch that exits 0 does) and a stand-in scontrol that records requeues:
#   finished (COMPLETED written)                       -> exit 0, not requeued
#   srun exits 0 but nothing ran                       -> exit 1, not requeued
#   stopped early after a checkpoint (exit 0, exit 3)  -> requeued
#   failed after checkpointing since this start        -> requeued
#   failed without a new checkpoint                    -> its exit code, not requeued
# usage: job_body_test.sh LPTRAIN
set -uo pipefail
lptrain=$1
here=$(cd "$(dirname "$0")" && pwd)
body=$here/../../slurm/run-lptrain.sh
work=$(mktemp -d /tmp/lptrain_jobbody_XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
cat > "$work/bin/srun" <<'SH'
#!/usr/bin/env bash
# Stand-in srun: FAKE_SRUN=nothing exits 0 without starting anything; otherwise runs the task.
[[ ${FAKE_SRUN:-run} == nothing ]] && exit 0
while [[ $1 == --* ]]; do shift; done
exec "$@"
SH
cat > "$work/bin/scontrol" <<'SH'
#!/usr/bin/env bash
echo "$*" >> "$FAKE_LOG"
SH
chmod +x "$work/bin/srun" "$work/bin/scontrol"
tiny=(env.recipe=arena env.num_envs=2 env.map.num_agents=4 env.map.num_instances=1
      env.map.instance_size=11 env.map.border_width=1 env.map.walls=2 env.mine.count=2
      env.generator.count=1 env.altar.count=1 env.lasery.count=0 env.armory.count=0
      env.max_steps=20 trainer.num_steps=16 trainer.bptt_horizon=8 trainer.num_minibatches=2
      trainer.torch_threads=1 trainer.env_threads=1 curriculum.num_active_tasks=16 seed=5
      trainer.total_timesteps=1024 checkpoint.interval=2)
failures=0
# check NAME EXPECTED_EXIT EXPECTED_REQUEUES [env...] -- [extra lptrain args...]
check() {
  local name=$1 want_rc=$2 want_requeues=$3
  shift 3
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  : > "$work/requeues"
  env PATH="$work/bin:$PATH" SLURM_JOB_ID=42 LPTRAIN="$lptrain" RUN_DIR="$work/run" \
    FAKE_LOG="$work/requeues" "${envs[@]}" "$body" "${tiny[@]}" "$@" > "$work/out" 2>&1
  local rc=$? requeues
  requeues=$(grep -c requeue "$work/requeues")
  if [[ $rc != "$want_rc" || $requeues != "$want_requeues" ]]; then
    echo "FAIL $name: exit $rc (want $want_rc), requeues $requeues (want $want_requeues)"
    cat "$work/out"
    failures=$((failures + 1))
  else
    echo "ok   $name: exit $rc, requeues $requeues: $(grep -o 'lptrain [a-z].*' "$work/out" | tail -1)"
  fi
}
check "failed launch, srun exits 0" 1 0 FAKE_SRUN=nothing --
check "stopped early after a checkpoint" 0 1 -- --max-iterations 3
# (resumes keep the saved config: the fault is set, moved and cleared by each start's arguments)
check "failure after a new checkpoint" 0 1 -- trainer.debug_fail_iteration=6
check "failure without a new checkpoint" 1 0 -- trainer.debug_fail_iteration=5
check "finished" 0 0 -- trainer.debug_fail_iteration=0
[[ -f $work/run/COMPLETED ]] || { echo "FAIL: no COMPLETED marker"; failures=$((failures + 1)); }
check "already finished, srun exits 0 without running" 0 0 FAKE_SRUN=nothing --
exit $((failures > 0))
