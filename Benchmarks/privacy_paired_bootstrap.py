#!/usr/bin/env python3
"""Issue 19's "< 10 % worse" test with its seed noise: for each realism score, the change of a DP
setting's mean against the baseline's (Benchmarks/privacy_tradeoff.py's `compare`: relative change
of the mean badness; KS p and facts as relative drops; the std ratio as |ratio − 1|), with a paired
bootstrap 90 % interval over seeds (the seeds resampled with replacement, both settings' runs of a
seed kept together; percentile interval, 10,000 resamples, NumPy's generator, seed 0).

Verdict per score: "within 10 %" if the interval's upper end is below +10 %, "worse" if its lower
end is above +10 %, else "undecidable at n = N". Also the same on the AUC (mean and interval, the
target being AUC ≤ 0.52).

Usage: privacy_paired_bootstrap.py --out-dir DIR --setting dp-djia99-vol1 [--baseline nodp]
       [--seeds S ...] [--json OUT]   (DIR: privacy_tradeoff.py's, with SETTING-sSEED/run.json)
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from privacy_tradeoff import SCORES, badness  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--setting", required=True)
    ap.add_argument("--baseline", default="nodp")
    ap.add_argument("--seeds", type=int, nargs="*")
    ap.add_argument("--resamples", type=int, default=10000)
    ap.add_argument("--json")
    a = ap.parse_args()
    runs = {}
    for name in os.listdir(a.out_dir):
        p = os.path.join(a.out_dir, name, "run.json")
        if os.path.exists(p):
            r = json.load(open(p))
            runs[(r["setting"], r["seed"])] = r
    seeds = sorted(s for (n, s) in runs if n == a.setting and (a.baseline, s) in runs
                   and (not a.seeds or s in a.seeds))
    if len(seeds) < 2:
        sys.exit(f"need at least 2 seeds with both {a.baseline} and {a.setting}, have {seeds}")
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(seeds), size=(a.resamples, len(seeds)))
    out = {"setting": a.setting, "baseline": a.baseline, "seeds": seeds, "scores": {}}
    print(f"{a.setting} against {a.baseline}, n = {len(seeds)} seeds {seeds}")
    print(f"{'score':14s} {'baseline':>10s} {'setting':>10s} {'change':>8s} {'90 % interval':>18s}  verdict")
    for key, label, direction in SCORES:
        base = np.array([badness(key, direction, runs[(a.baseline, s)]["realism"][key]) for s in seeds])
        other = np.array([badness(key, direction, runs[(a.setting, s)]["realism"][key]) for s in seeds])
        if direction == +1:  # values (higher is better): the relative drop of the mean
            bv, xv = -base, -other
            change = (bv.mean() - xv.mean()) / abs(bv.mean()) * 100
            boot = (bv[idx].mean(1) - xv[idx].mean(1)) / np.abs(bv[idx].mean(1)) * 100
            shown = (bv.mean(), xv.mean())
        else:
            change = (other.mean() - base.mean()) / abs(base.mean()) * 100
            boot = (other[idx].mean(1) - base[idx].mean(1)) / np.abs(base[idx].mean(1)) * 100
            shown = (base.mean(), other.mean())
        lo, hi = np.percentile(boot, [5, 95])
        verdict = ("within 10 %" if hi < 10 else "worse" if lo > 10 else f"undecidable at n = {len(seeds)}")
        print(f"{label.replace(chr(92), ''):14s} {shown[0]:10.4g} {shown[1]:10.4g} {change:+7.0f}% "
              f"[{lo:+6.0f}%, {hi:+6.0f}%]  {verdict}")
        out["scores"][key] = {"baseline_mean": shown[0], "setting_mean": shown[1], "change_pct": change,
                              "interval90_pct": [lo, hi], "verdict": verdict}
    auc = np.array([runs[(a.setting, s)]["audits"]["default"]["auc"] for s in seeds])
    lo, hi = np.percentile(auc[idx].mean(1), [5, 95])
    print(f"{'AUC':14s} {'':>10s} {auc.mean():10.3f} (sd {auc.std(ddof=1):.3f}) [{lo:.3f}, {hi:.3f}]  "
          + ("≤ 0.52" if hi <= 0.52 else "> 0.52" if lo > 0.52 else "undecidable"))
    out["auc"] = {"mean": auc.mean(), "sd": auc.std(ddof=1), "interval90": [lo, hi]}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
