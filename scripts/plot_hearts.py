#!/usr/bin/python3
"""Hearts per agent-episode of several runs (e.g. seeds of one configuration), tenth by tenth of
each run's agent-steps (episode-weighted): prints each run's curve, the mean over runs and the
last tenth's mean with a 95% CI (Student t), and draws them. Usage:
scripts/plot_hearts.py OUT.png RUN_DIR [RUN_DIR ...]. Needs python3-matplotlib."""
import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# 97.5% quantiles of Student's t for 1..10 degrees of freedom, then the normal's.
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]


def tenths(run_dir):
    rows = [json.loads(line) for line in open(run_dir + "/metrics.jsonl")]
    last = rows[-1]["charts/global_step"]
    sums = [[0.0, 0.0] for _ in range(10)]
    for r in rows:
        hearts, episodes = r.get("env/hearts_made"), r.get("charts/episodes") or 0
        if hearts is None or episodes == 0:
            continue
        k = min(9, int(10 * r["charts/global_step"] / last - 1e-9))
        sums[k][0] += hearts * episodes
        sums[k][1] += episodes
    return last, [a / b if b else float("nan") for a, b in sums]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, runs = sys.argv[1], sys.argv[2:]
    curves = []
    fig, ax = plt.subplots(figsize=(7, 4))
    for run in runs:
        last, curve = tenths(run)
        curves.append(curve)
        xs = [(k + 0.5) * last / 10 for k in range(10)]
        print(f"{run}: {last:,} agent-steps; hearts per agent-episode by tenth:",
              " ".join(f"{c:.2f}" for c in curve))
        ax.plot(xs, curve, color="tab:red", alpha=0.35, linewidth=1, marker=".")
    def finite(values):
        return [v for v in values if v == v]  # NaN: no episode ended in that tenth

    mean = [statistics.mean(finite(c[k] for c in curves) or [float("nan")]) for k in range(10)]
    print("mean over runs:", " ".join(f"{m:.2f}" for m in mean))
    ax.plot(xs, mean, color="tab:red", linewidth=2.5, label=f"mean of {len(runs)} runs")
    final = finite(c[9] for c in curves)
    if len(final) > 1:
        sd = statistics.stdev(final)
        t = T975[len(final) - 2] if len(final) - 1 <= len(T975) else 1.96
        half = t * sd / len(final) ** 0.5
        print(f"last tenth: mean {mean[9]:.2f}, sd {sd:.2f}, 95% CI "
              f"[{mean[9] - half:.2f}, {mean[9] + half:.2f}] over {len(final)} runs")
        ax.errorbar([xs[9]], [mean[9]], yerr=[[half], [half]], color="black", capsize=4,
                    label="last tenth, 95% CI")
    else:
        print(f"last tenth: mean {mean[9]:.2f} ({len(final)} run(s) with episodes there: no CI)")
    ax.set_xlabel("agent-steps")
    ax.set_ylabel("hearts per agent-episode")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print("plot:", out)


if __name__ == "__main__":
    main()
