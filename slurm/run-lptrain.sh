#!/usr/bin/env bash
# The body of lptrain's sbatch templates (slurm/train.sbatch, slurm/train-cpu.sbatch), run by
# them with `exec`, so it is the job's batch shell. It
#   - starts `lptrain train --run-dir RUN_DIR --resume auto ARGS...` as one job step
#     (`srun --mpi=pmix`, one rank per task): a fresh job starts the run, a requeued one
#     continues from its newest good checkpoint;
#   - on SIGUSR1 (Slurm's warning, `--signal=B:USR1@300`) or SIGTERM sends SIGUSR1 to the
#     step: lptrain finishes the iteration, writes a checkpoint and exits 3 on every rank;
#   - decides from RUN_DIR/COMPLETED, which lptrain writes when the run reached its planned end,
#     whether the run finished (srun was seen exiting 0 after a failed task launch, so its exit
#     code alone does not tell);
#   - requeues the job when lptrain exits 3 (stopped after a checkpoint), or when it ended
#     otherwise without finishing but wrote a checkpoint since this start (a rank that stopped
#     answering, a node that died: exit 4, or a crash); a run that neither finished nor
#     checkpointed is not requeued (it would fail the same way again). The job keeps its id, so
#     RUN_DIR is the same and the output file, opened with --open-mode=append, holds every part.
#
# Environment (all optional):
#   LPTRAIN_HOME  the lptrain checkout (default: the directory sbatch was run from)
#   LPTRAIN       the binary (default: $LPTRAIN_HOME/build/lptrain)
#   RUN_DIR       the run directory, on storage every node sees
#                 (default: $LPTRAIN_HOME/runs/<job name>-<job id>)
#   LPT_SRUN_ARGS extra srun options (e.g. --gpu-bind=none)
#   LPT_MAX_REQUEUES  requeue at most this many times (default 100)
set -uo pipefail

if [[ -z ${SLURM_JOB_ID:-} ]]; then
  echo "run-lptrain.sh: run this from an sbatch script (no SLURM_JOB_ID)" >&2
  exit 2
fi
home=${LPTRAIN_HOME:-${SLURM_SUBMIT_DIR:-$PWD}}
lptrain=${LPTRAIN:-$home/build/lptrain}
run_dir=${RUN_DIR:-$home/runs/${SLURM_JOB_NAME:-lptrain}-$SLURM_JOB_ID}
restarts=${SLURM_RESTART_COUNT:-0}
max_requeues=${LPT_MAX_REQUEUES:-100}
say() { echo "[$(date -u +%FT%TZ) slurm job $SLURM_JOB_ID] $*"; }

if [[ ! -x $lptrain ]]; then
  say "no lptrain binary at $lptrain (set LPTRAIN or LPTRAIN_HOME; build with scripts/build.sh)"
  exit 2
fi
say "start $restarts: ${SLURM_JOB_NUM_NODES:-1} node(s), ${SLURM_NTASKS:-1} rank(s), run directory $run_dir"

# The newest checkpoint's iteration (0: none): progress is a newer one after the step.
newest_checkpoint() {
  local n newest=0 f
  for f in "$run_dir"/checkpoints/ckpt-*.h5; do
    [[ -e $f ]] || continue
    n=${f##*/ckpt-}
    n=${n%.h5}
    [[ $n =~ ^[0-9]+$ ]] && ((n > newest)) && newest=$n
  done
  echo "$newest"
}
checkpoint_before=$(newest_checkpoint)

# The step is asked to stop with SIGUSR1 whatever the batch shell got: srun forwards USR1 to
# every task, but answers SIGTERM by killing them (no checkpoint). Traps first, so a signal
# during start-up is not lost.
step=
stop_requested=
forward() {
  say "got SIG$1: lptrain checkpoints at the end of its iteration and stops"
  stop_requested=1
  [[ -n $step ]] && kill -s USR1 "$step" 2>/dev/null || true
}
trap 'forward USR1' USR1
trap 'forward TERM' TERM

# shellcheck disable=SC2086  # LPT_SRUN_ARGS holds several options
srun --mpi=pmix --kill-on-bad-exit=1 ${LPT_SRUN_ARGS:-} \
  "$lptrain" train --run-dir "$run_dir" --resume auto "$@" &
step=$!
# A signal that came before the step existed: lptrain installs its handlers first thing, so
# sending it now is safe once the step runs (it polls at every iteration boundary).
[[ -n $stop_requested ]] && { sleep 1; kill -s USR1 "$step" 2>/dev/null || true; }

# `wait` returns early (> 128) when a trapped signal arrives: wait again until the step ends.
while :; do
  wait "$step"
  rc=$?
  if (( rc > 128 )) && kill -0 "$step" 2>/dev/null; then continue; fi
  if (( rc > 128 )); then
    wait "$step" 2>/dev/null
    again=$?
    (( again != 127 )) && rc=$again
  fi
  break
done

requeue() {
  if (( restarts >= max_requeues )); then
    say "not requeued: the job was requeued $restarts times already (LPT_MAX_REQUEUES)"
    exit "${1:-3}"
  fi
  if ! scontrol requeue "$SLURM_JOB_ID"; then
    say "scontrol requeue failed: resubmit this script with the same RUN_DIR to continue"
    exit "${1:-3}"
  fi
  exit 0
}

if [[ -f $run_dir/COMPLETED ]]; then
  say "lptrain finished ($(tr '\n' ' ' < "$run_dir/COMPLETED"))"
  exit 0
fi
checkpoint_after=$(newest_checkpoint)
case $rc in
  3)
    say "lptrain stopped after a checkpoint (exit 3): requeueing; the next start resumes from it"
    requeue 3
    ;;
  *)
    # Exit 0 without the marker did not finish either (a failed launch, a time limit): a failure.
    code=$(( rc == 0 ? 1 : rc ))
    if (( checkpoint_after > checkpoint_before )); then
      say "lptrain ended (exit $rc) before the run finished, after checkpoint $checkpoint_after (this start began at $checkpoint_before): requeueing"
      requeue "$code"
    fi
    say "lptrain ended (exit $rc) before the run finished and wrote no checkpoint since this start (newest: $checkpoint_after): not requeued"
    exit "$code"
    ;;
esac
