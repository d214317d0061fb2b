#!/usr/bin/env bash
# Slurm end to end on a real single-node Slurm (slurm/local-cluster, started here in a temp
# directory and always stopped by PID on exit):
#   1. the CPU template with 2 tasks trains, writes metrics and a checkpoint, and completes;
#   2. preemption: `scancel --signal=USR1 --batch` mid-run => a checkpoint at an iteration
#      boundary, exit 3, requeue; the requeued job resumes from that checkpoint and finishes
#      the planned iterations; its metrics (curriculum counters included) and final state equal
#      those of an uninterrupted 2-rank run (mpirun).
# Usage: slurm_test.sh LPTRAIN MPIRUN
set -euo pipefail
lptrain=$1
mpirun=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
python=/usr/bin/python3

if [[ $(id -u) -ne 0 ]]; then
  echo "slurm_test: skipped: the local Slurm runs its daemons as root (SlurmUser=root)"
  exit 77
fi

work=$(mktemp -d /tmp/lptrain_slurm_XXXXXX)
ok=0
cleanup() {
  "$repo/slurm/local-cluster" stop "$work/cluster" >/dev/null 2>&1 || true
  if [[ $ok -eq 1 ]]; then
    rm -rf "$work"
  else
    for f in "$work"/*.out; do [[ -e $f ]] && { echo "----- $f"; tail -n 40 "$f"; }; done
    echo "slurm_test: FAILED; files kept in $work"
  fi
}
trap cleanup EXIT
trap 'exit 1' TERM INT HUP  # so a killed test still stops the daemons (every wait below is bounded)
fail() { echo "slurm_test: $*" >&2; exit 1; }

# Polls `$@` every 0.5 s until it succeeds, for at most $1 seconds.
wait_for() {
  local seconds=$1; shift
  local end=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < end)) || return 1
    sleep 0.5
  done
}
rows() { [[ -f $1 ]] && wc -l <"$1" || echo 0; }
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
state_is() { [[ $(job_state "$1") == "$2" ]]; }
has_rows() { (($(rows "$1") >= $2)); }

eval "$("$repo/slurm/local-cluster" start "$work/cluster")"
export LPTRAIN_HOME=$repo LPTRAIN=$lptrain

tiny="env.recipe=arena env.num_envs=2 env.map.num_agents=4 env.map.num_instances=1 env.map.instance_size=11 \
env.map.border_width=1 env.map.walls=2 env.mine.count=2 env.generator.count=1 env.altar.count=1 \
env.lasery.count=0 env.armory.count=0 env.max_steps=20 trainer.num_steps=16 trainer.bptt_horizon=8 \
trainer.num_minibatches=2 curriculum.num_active_tasks=16 curriculum.perf_invalidation_batch_size=4 seed=5"

# --- 1. submit the CPU template with 2 tasks: it trains and completes ---
cd "$work"
# shellcheck disable=SC2086
RUN_DIR=$work/run1 timeout 240 sbatch --wait --quiet --ntasks=2 --cpus-per-task=1 --time=10 --output="$work/job1.out" \
  "$repo/slurm/train-cpu.sbatch" $tiny trainer.total_timesteps=2048 || fail "job 1 did not complete"
grep -q "lptrain finished" "$work/job1.out" || fail "job 1: no 'lptrain finished'"
grep -q "2 rank(s) (gradients: mpi)" "$work/job1.out" || fail "job 1 did not run 2 ranks over MPI"
[[ $(rows "$work/run1/metrics.jsonl") -eq 8 ]] || fail "job 1: expected 8 metrics rows"
[[ -f $work/run1/checkpoints/ckpt-8.h5 ]] || fail "job 1: no final checkpoint"
echo "slurm_test: 1. CPU template, 2 tasks: trained 8 iterations, metrics and checkpoint written"

# --- 2. preemption: USR1 => checkpoint, exit 3, requeue, resume, finish ---
long="$tiny trainer.total_timesteps=38400 checkpoint.interval=10"  # 150 iterations of 256 steps
# shellcheck disable=SC2086
job=$(RUN_DIR=$work/run2 sbatch --parsable --ntasks=2 --cpus-per-task=1 --time=10 --output="$work/job2.out" \
  "$repo/slurm/train-cpu.sbatch" $long)
wait_for 120 has_rows "$work/run2/metrics.jsonl" 5 || fail "job $job did not start training"
scancel --signal=USR1 --batch "$job"
# Slurm holds a requeued job until the requeue's job credential has expired (its begin time:
# cred_expire + 1 s later; 2 minutes by default), so the previous start is gone from the node
# before the next one launches. The local cluster sets cred_expire=10 (LPT_SLURM_CRED_EXPIRE):
# the supported way to shorten the hold. (Making the job eligible at once with `scontrol
# update StartTime=now` races that expiry: slurmd refuses a start with "Job credential
# revoked".)
wait_for 120 state_is "$job" PENDING || fail "job $job was not requeued (state $(job_state "$job"))"
wait_for 240 state_is "$job" COMPLETED || fail "job $job did not complete after the requeue (state $(job_state "$job"))"

out=$work/job2.out
grep -q "got SIGUSR1" "$out" || fail "the batch shell did not get SIGUSR1"
stopped=$(sed -n 's/.*stopped by signal 10 after \([0-9]*\) iterations.*/\1/p' "$out")
[[ -n $stopped ]] || fail "lptrain did not report the stop"
((stopped < 150)) || fail "the run finished before the signal"
grep -q "requeueing" "$out" || fail "the job was not requeued"
grep -q "start 1:" "$out" || fail "no second start"
grep -q "resumed from $work/run2/checkpoints/ckpt-$stopped.h5 (iteration $stopped)" "$out" \
  || fail "the second start did not resume from the stop's checkpoint ckpt-$stopped"
grep -q "done, 150 iterations" "$out" || fail "the resumed run did not finish the planned 150 iterations"
[[ ! -e $work/run2/metrics.discarded.jsonl ]] || fail "metrics rows were logged after the checkpoint"
echo "slurm_test: 2. preempted at iteration $stopped, checkpointed, requeued, resumed, finished 150 iterations"

# The same run uninterrupted, 2 ranks under mpirun: equal metrics (no gap, no repeat, counters
# continuing) and an equal final state.
# shellcheck disable=SC2086
timeout 240 "$mpirun" --allow-run-as-root --oversubscribe --bind-to none -np 2 "$lptrain" train --run-dir "$work/run3" \
  $long trainer.device=cpu trainer.torch_threads=1 trainer.env_threads=1 >"$work/run3.out" 2>&1 \
  || fail "the uninterrupted mpirun run failed"
"$python" - "$work/run2" "$work/run3" <<'PY' || fail "the preempted run differs from the uninterrupted one"
import json, sys
import h5py, numpy as np
a, b = sys.argv[1], sys.argv[2]
def rows(d):
    out = []
    for line in open(d + "/metrics.jsonl"):
        r = json.loads(line)
        out.append({k: v for k, v in r.items()
                    if not k.startswith("timing/") and k not in ("charts/sps", "curriculum/bytes")
                    and not k.startswith("curriculum/recompute_")})
    return out
ra, rb = rows(a), rows(b)
assert [r["charts/iteration"] for r in ra] == list(range(1, 151)), "iterations are not 1..150"
assert ra == rb, "metrics differ"
fa, fb = h5py.File(a + "/checkpoints/ckpt-150.h5", "r"), h5py.File(b + "/checkpoints/ckpt-150.h5", "r")
names = []
fa.visit(lambda n: names.append(n) if isinstance(fa[n], h5py.Dataset) else None)
def same(x, y):
    x, y = np.asarray(x), np.asarray(y)
    # NaN entries (a param a task does not set) are equal to themselves.
    if x.dtype.kind == "f" and y.dtype.kind == "f":
        return np.array_equal(x, y, equal_nan=True)
    return np.array_equal(x, y)
bad = [n for n in names if not same(fa[n][()], fb[n][()])]
assert not bad, "datasets differ: %s" % bad[:5]
print("slurm_test: metrics (%d rows) and %d datasets equal the uninterrupted run" % (len(ra), len(names)))
PY
ok=1
echo "slurm_test: passed"
