#!/usr/bin/env python3
"""Where the joint models' single-asset regime targets miss (issue 17 / issue 12), per asset (NumPy).

For each run directory of `tgfl-bench joint` (model.json, real.csv, tgfl_long.csv) and each asset, every
day is labelled as the benchmark's `realismScorecard` labels it: the asset's stored GJR filter run over the
series (σ²_0 = ω + (α + γ/2 + β)·backcast(r − r̄), arch's backcast over the first 75 days, clamped to the
filter's σ bounds) and σ_t cut by the asset's regime thresholds — the real file as one series, each generated
250-day path as its own series. Per regime it prints the share of days, the std and the 1 % VaR of the real
days (whole file, and the first 80 % only) and of the generated days, and the generated / real ratios the
targets check (|ratio − 1| ≤ 0.20). It also prints the mean σ_t of the days in each band, real and generated
(where in the band the days sit), and the ratio for the generated days when the first `--burn` days of every
path are dropped (the filter's start on a 250-day path).

Usage: joint_single_asset_diagnosis.py [--burn 50] [--json OUT] DIR [DIR ...]
"""
import argparse
import json
import os

import numpy as np


def backcast(res):
    tau = min(75, len(res))
    w = 0.94 ** np.arange(tau)
    w = w / w.sum()
    return float(np.sum(res[:tau] ** 2 * w))


def filter_sigma(r, g):
    lo, hi = g["sigma_floor"] ** 2, g["sigma_cap"] ** 2
    om, a, gam, b, mu = g["omega"], g["alpha"], g["gamma"], g["beta"], g["mu"]
    v = min(max(om + (a + gam / 2 + b) * backcast(r - r.mean()), lo), hi)
    out = np.empty(len(r))
    for t in range(len(r)):
        out[t] = v
        e = r[t] - mu
        v = min(max(om + (a + gam if e < 0 else a) * e * e + b * v, lo), hi)
    return np.sqrt(out)


def labels(sig, thr):
    return np.searchsorted(np.asarray(thr), sig, side="right")


def var1(x):
    # RiskMeasures.historical: the loss quantile at 1 % (linear interpolation; the diagnosis needs ratios)
    return -float(np.quantile(x, 0.01)) if len(x) >= 2 else float("nan")


def stats(x):
    return (float(np.std(x, ddof=1)) if len(x) >= 2 else float("nan"), var1(x))


def run(d, burn):
    m = json.load(open(os.path.join(d, "model.json")))
    names, split = m["assets"], m["split_day"]
    real = np.genfromtxt(os.path.join(d, "real.csv"), delimiter=",", names=True)
    long = np.genfromtxt(os.path.join(d, "tgfl_long.csv"), delimiter=",", names=True)
    paths = np.unique(long["path"]).astype(int)
    rn = m["regime_names"]
    out = []
    for k, a in enumerate(names):
        g, thr = m["garch"][k], m["regime_thresholds"][k]
        r = np.asarray(real[a], dtype=float)
        sr = filter_sigma(r, g)
        lr = labels(sr, thr)
        gen, gsig, glab, gday = [], [], [], []
        for p in paths:
            x = np.asarray(long[a][long["path"] == p], dtype=float)
            s = filter_sigma(x, g)
            gen.append(x); gsig.append(s); glab.append(labels(s, thr)); gday.append(np.arange(len(x)))
        gen, gsig, glab, gday = map(np.concatenate, (gen, gsig, glab, gday))
        rows = []
        for j, name in enumerate(rn):
            rr, rt, gg, gb = r[lr == j], r[:split][lr[:split] == j], gen[glab == j], gen[(glab == j) & (gday >= burn)]
            (rs, rv), (ts, tv), (gs, gv), (bs, bv) = stats(rr), stats(rt), stats(gg), stats(gb)
            rows.append(dict(regime=name, real_share=len(rr) / len(r), train_share=len(rt) / split,
                             gen_share=len(gg) / len(gen), real_days=len(rr), train_days=len(rt),
                             real_std=rs, train_std=ts, gen_std=gs, gen_std_burn=bs,
                             real_var=rv, train_var=tv, gen_var=gv, gen_var_burn=bv,
                             real_mean_sigma=float(sr[lr == j].mean()) if len(rr) else float("nan"),
                             gen_mean_sigma=float(gsig[glab == j].mean()) if len(gg) else float("nan"),
                             real_rms_z=float(np.sqrt(np.mean(((rr - g["mu"]) / sr[lr == j]) ** 2))) if len(rr) else float("nan"),
                             gen_rms_z=float(np.sqrt(np.mean(((gg - g["mu"]) / gsig[glab == j]) ** 2))) if len(gg) else float("nan")))
        out.append(dict(asset=a, regimes=rows))
    return dict(dir=d, assets=out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--burn", type=int, default=50)
    ap.add_argument("--json")
    ap.add_argument("dirs", nargs="+")
    o = ap.parse_args()
    res = []
    for d in o.dirs:
        x = run(d, o.burn)
        res.append(x)
        print(f"== {d}")
        print("asset regime | share real/train/gen | std real, train, gen (gen/real; gen/train; burn {b}) | "
              "VaR real, train, gen (gen/real; gen/train; burn {b}) | mean σ in band real/gen | rms z real/gen".format(b=o.burn))
        for a in x["assets"]:
            for q in a["regimes"]:
                f = lambda v: f"{v:.4f}"
                print(f"{a['asset']:6s} {q['regime']:8s} | {q['real_share']:.3f}/{q['train_share']:.3f}/{q['gen_share']:.3f} | "
                      f"{f(q['real_std'])} {f(q['train_std'])} {f(q['gen_std'])} ({q['gen_std']/q['real_std']:.3f}; "
                      f"{q['gen_std']/q['train_std']:.3f}; {q['gen_std_burn']/q['real_std']:.3f}) | "
                      f"{f(q['real_var'])} {f(q['train_var'])} {f(q['gen_var'])} ({q['gen_var']/q['real_var']:.3f}; "
                      f"{q['gen_var']/q['train_var']:.3f}; {q['gen_var_burn']/q['real_var']:.3f}) | "
                      f"{q['real_mean_sigma']:.4f}/{q['gen_mean_sigma']:.4f} | {q['real_rms_z']:.3f}/{q['gen_rms_z']:.3f}")
    if o.json:
        json.dump(res, open(o.json, "w"), indent=1)


if __name__ == "__main__":
    main()
