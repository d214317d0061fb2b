#!/usr/bin/python3
"""Plots a run's metrics.jsonl: SPS, episode return, resources gained, evaluation success
(eval.interval), curriculum statistics and results by task class against agent-steps. Usage: scripts/plot_run.py RUN_DIR [OUT.png]
(default RUN_DIR/metrics.png). Needs python3-matplotlib (scripts/setup.sh installs it)."""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    run_dir = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) == 3 else os.path.join(run_dir, "metrics.png")
    path = os.path.join(run_dir, "metrics.jsonl")
    try:
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
    except OSError as e:
        sys.exit(f"plot_run: {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        sys.exit(f"plot_run: {path}: not JSON lines ({e})")
    if not rows:
        sys.exit(f"plot_run: {path}: no metrics yet")

    def series(key):
        xs, ys = [], []
        for r in rows:
            if r.get(key) is not None:
                xs.append(r["charts/global_step"])
                ys.append(r[key])
        return xs, ys

    keys = sorted({k for r in rows for k in r})
    eval_keys = [k for k in keys if k.startswith("eval/success.")]
    class_keys = [k for k in keys if k.startswith("curriculum/results.")]
    panels = [
        ("SPS (agent-steps/s)", ["charts/sps"]),
        ("episode return (per agent)", ["charts/episode_return"]),
        ("gained per agent-episode", ["env/ore_red.gained", "env/battery_red.gained", "env/hearts_made"]),
        ("evaluation: success by task class", eval_keys),
        ("curriculum Gini", ["curriculum/gini_sampling", "curriculum/gini_raw_lp"]),
        ("curriculum results by task class (per iteration)", class_keys),
        ("curriculum counts", ["curriculum/evicted", "curriculum/mature_tasks", "curriculum/excluded_tasks"]),
        ("losses", ["losses/entropy", "losses/value_loss", "losses/approx_kl"]),
    ]
    fig, axes = plt.subplots(4, 2, figsize=(12, 13))
    for ax, (title, keys) in zip(axes.flat, panels):
        plotted = 0
        for key in keys:
            xs, ys = series(key)
            if xs:
                ax.plot(xs, ys, label=key.split("/", 1)[1], marker="o" if len(xs) < 30 else None, markersize=3)
                plotted += 1
        ax.set_title(title if plotted else title + " (no data yet)")
        ax.set_xlabel("agent-steps")
        ax.grid(alpha=0.3)
        if plotted > 1:
            ax.legend(fontsize=8)
    fig.suptitle(os.path.basename(os.path.abspath(run_dir)))
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    print(f"plot_run: wrote {out}")


if __name__ == "__main__":
    main()
