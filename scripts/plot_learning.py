#!/usr/bin/python3
"""Draws `lptrain bench learning`'s data: eval success of the possible and the learnable tasks
over agent-steps per arm (mean over seeds, with the 95% CI band), and the share of results per
task class over the run. Usage: scripts/plot_learning.py LEARNING.json OUT.png"""
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131]


def mean_ci(values):
    n = len(values)
    m = sum(values) / n
    if n < 2:
        return m, m, m
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    half = (T975[n - 2] if n - 2 < len(T975) else 1.96) * sd / math.sqrt(n)
    return m, m - half, m + half


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data = json.load(open(sys.argv[1]))
    names = {"lp": "LP", "discrete_random": "DiscreteRandom"}
    colours = {"lp": "tab:blue", "discrete_random": "tab:orange"}
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    for ax, cls in zip(axes[0], ("possible", "learnable")):
        for arm, d in data["arms"].items():
            runs = [r for r in d["runs"] if r[cls]]
            if not runs:
                continue
            k = min(len(r[cls]) for r in runs)
            xs = runs[0]["eval_steps"][:k]
            stats = [mean_ci([r[cls][i] for r in runs]) for i in range(k)]
            ax.plot(xs, [s[0] for s in stats], marker="o", color=colours[arm], label=names[arm])
            ax.fill_between(xs, [s[1] for s in stats], [s[2] for s in stats], color=colours[arm], alpha=0.2)
        ax.set_title("eval success, %s tasks (mean, 95%% CI over %d seeds)" % (cls, len(data["arms"]["lp"]["runs"])))
        ax.set_xlabel("agent-steps")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend()
    for ax, (arm, d) in zip(axes[1], data["arms"].items()):
        shares = d["shares"]
        tenths = [i + 0.5 for i in range(len(shares))]
        bottom = [0.0] * len(shares)
        for c, cls in enumerate(data["classes"]):
            ys = [row[c] for row in shares]
            ax.bar(tenths, ys, bottom=bottom, width=0.9, label=cls)
            bottom = [b + y for b, y in zip(bottom, ys)]
        ax.set_title("%s: share of results by task class" % names[arm])
        ax.set_xlabel("tenth of the run")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=8)
    fig.suptitle("lptrain bench learning: %s, %s agent-steps per run" % (data["task_set"], format(int(data["agent_steps"]), ",")))
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=90)
    print("plot_learning: wrote " + sys.argv[2])


if __name__ == "__main__":
    main()
