#!/usr/bin/python3
"""An independent implementation of the LP curriculum's formulas (docs/design.md section 4),
checked against `lptrain curriculum replay` to 1e-12.

usage: replay_reference.py TRACE.json LPTRAIN_OUTPUT.json key=value ...

The pool (its task ids, in snapshot order) is taken from lptrain's output; everything else is
computed here from the trace and the curriculum.* settings given (defaults as documented).
"""
import json
import math
import sys

DEFAULTS = {
    "ema_timescale": 0.05, "slow_timescale_factor": 0.2, "progress_smoothing": 0.05, "lp_gain": 0.0,
    "z_score_amplification": 2.0, "lp_score_temperature": 0.0, "min_samples_for_lp": 3,
    "unsolved_weight": 0.5, "rand_task_rate": 0.05,
}


def reweight(p, theta):
    if theta == 0:
        return p
    d = p + theta * (1 - 2 * p)
    return p * (1 - theta) / d if d > 0 else 0.0


def main():
    trace = json.load(open(sys.argv[1]))
    results = trace["results"] if isinstance(trace, dict) else trace
    out = json.load(open(sys.argv[2]))
    cfg = dict(DEFAULTS)
    for kv in sys.argv[3:]:
        k, v = kv.split("=", 1)
        cfg[k.replace("curriculum.", "")] = float(v)
    ids = [int(t["task_id"]) for t in out["tasks"]]
    alpha = cfg["ema_timescale"]
    slow_alpha = alpha * cfg["slow_timescale_factor"]
    stat = {i: dict(n=0, fast=0.0, slow=0.0, p_true=0.0) for i in ids}
    for r in results:
        task, score = int(r[0]), float(r[1])
        top = float(r[2]) if len(r) > 2 else 1.0
        if task not in stat:
            continue  # no longer (or never) in the pool
        s = score / top if top > 0 else score
        s = min(max(s, 0.0), 1.0)
        t = stat[task]
        t["n"] += 1
        if t["n"] == 1:
            t["fast"] = t["slow"] = t["p_true"] = s
        else:
            t["fast"] += alpha * (s - t["fast"])
            t["slow"] += slow_alpha * (s - t["slow"])
            t["p_true"] += alpha * (s - t["p_true"])
    theta = cfg["progress_smoothing"]
    raw, play = {}, {}
    total, mature_live = 0.0, 0.0
    for i in ids:
        t = stat[i]
        rf, rs = reweight(t["fast"], theta), reweight(t["slow"], theta)
        lp = abs(rf - rs) + cfg["lp_gain"] * max(rf, 0.0)
        mature = t["n"] >= cfg["min_samples_for_lp"]
        live = lp > 0 or t["p_true"] > 0
        raw[i] = lp
        play[i] = 1.0 if not mature or live else cfg["unsolved_weight"]
        if mature and live:
            total += lp
            mature_live += 1
    cold = total / mature_live if mature_live > 0 else 0.0
    for i in ids:
        if stat[i]["n"] < cfg["min_samples_for_lp"]:
            raw[i] = cold
    weight = sum(play[i] for i in ids)
    if cfg["lp_score_temperature"] > 0:
        scale, shift = 1.0 / cfg["lp_score_temperature"], 0.0
    elif weight > 0:
        mean = sum(play[i] * raw[i] for i in ids) / weight
        sd = math.sqrt(sum(play[i] * (raw[i] - mean) ** 2 for i in ids) / weight)
        scale, shift = (cfg["z_score_amplification"] / sd if sd > 1e-12 else 0.0), mean
    else:
        scale, shift = 0.0, 0.0
    p = {i: play[i] / (1 + math.exp((shift - raw[i]) * scale)) for i in ids}
    s = sum(p.values())
    rand = cfg["rand_task_rate"]
    n = len(ids)
    for i in ids:
        p[i] = p[i] * ((1 - rand) / s if s > 0 else 0.0) + (rand if s > 0 else 1.0) / n
    worst = 0.0
    for t in out["tasks"]:
        i = int(t["task_id"])
        for name, mine in (("raw_score", raw[i]), ("probability", p[i]), ("in_play", play[i]),
                           ("fast", stat[i]["fast"]), ("slow", stat[i]["slow"])):
            diff = abs(mine - t[name])
            worst = max(worst, diff)
            if diff > 1e-12:
                print("task %d %s: reference %.17g, lptrain %.17g" % (i, name, mine, t[name]))
                sys.exit(1)
    print("replay_reference: %d tasks, %d results, largest difference %.3g" % (n, len(results), worst))


if __name__ == "__main__":
    main()
