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


def hearts_panel(ax, rows):
    """Hearts per agent-episode: each iteration's (faint), an episode-weighted running mean, and
    the mean of each quarter of the run (as lptrain's progress line prints them)."""
    pts = [(r["charts/global_step"], r["env/hearts_made"], r.get("charts/episodes", 1) or 1)
           for r in rows if r.get("env/hearts_made") is not None]
    ax.set_title("hearts per agent-episode" + ("" if pts else " (no episodes yet)"))
    ax.set_xlabel("agent-steps")
    ax.grid(alpha=0.3)
    if not pts:
        return
    xs = [p[0] for p in pts]
    ax.plot(xs, [p[1] for p in pts], color="tab:red", alpha=0.25, linewidth=0.8, label="iteration")
    window = max(1, len(pts) // 20)
    smooth = []
    for i in range(len(pts)):
        part = pts[max(0, i - window + 1): i + 1]
        smooth.append(sum(p[1] * p[2] for p in part) / sum(p[2] for p in part))
    ax.plot(xs, smooth, color="tab:red", linewidth=2, label="running mean")
    last = rows[-1]["charts/global_step"]
    for q in range(4):
        lo, hi = q * last / 4, (q + 1) * last / 4
        part = [p for p in pts if lo < p[0] <= hi]
        if part:
            mean = sum(p[1] * p[2] for p in part) / sum(p[2] for p in part)
            ax.hlines(mean, lo, hi, colors="black", linestyles="--", linewidth=1.2,
                      label="quarter mean" if q == 0 else None)
            ax.annotate(f"{mean:.2f}", ((lo + hi) / 2, mean), textcoords="offset points",
                        xytext=(0, 4), ha="center", fontsize=8)
    ax.legend(fontsize=8)


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
    fig, axes = plt.subplots(5, 2, figsize=(12, 16))
    hearts_panel(axes.flat[-1], rows)
    axes.flat[-2].axis("off")
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
