#!/usr/bin/env python3
"""Issue 17, session 24 (joint24): how the assets' day-0 volatility start moves the generated lower-tail dependence.

usage: /work/pyref/bin/python Benchmarks/joint_start_dependence.py RUNDIR [RUNDIR ...]

RUNDIR: a `tgfl-bench joint --out` directory (real.csv with each day's market label, model.json, model.h5,
tgfl_unconditional.csv: P paths x 20 days), or one with links to those and a `tgfl generate-joint` CSV of the
calibrated model.h5 as tgfl_unconditional.csv (the session-24 switches: /work/bench/joint24/decomp_gen.sh). lambda_L is the benchmark's own (`joint_baselines.lower_tail`:
mean over ordered pairs of P(U_j <= 5 % | U_i <= 5 %), ranks within the sample). Printed per run:

1. lambda_L of the generated days (the cell's value), and of the days d in 0-4, 5-9, 10-14, 15-19 of the paths
   (ranks over all generated days, conditional counts within the block: joint23's `proxy/by_day.py`);
   the real whole file's and training days' lambda_L for reference.
2. The co-movement of the 20-day volatility: the mean pairwise correlation of each path's log s.d. of its 20
   days (generated) against the training days cut into 20-day blocks (joint23's `proxy/abs_corr.py`).
3. Volatility spill-over: the mean correlation of |r_i| on day t with another asset's |r_j| on day t + h (h = 0, 1, 5,
   10), and the own ACF of |r| (h = 1, 5, 10), within the 20-day paths against within the training days' 20-day blocks.
4. The training days' rank correlation of log sigma (normal scores, mean off-diagonal) under the stored filters,
   over every training day and per market regime pool (regimes under 30 days pooled with the calmer ones, as
   `JointDataModels.regimeRows`): what `JointStartDependence.fit` stores.

Figures (session 24; 10,000 x 20 days, seed 43, of the seed-42 networks with fitted starts, `tgfl generate-joint`
[--no-start-dependence]; /work/bench/joint24/g_summary_full.txt; BENCHMARKS.md "Session 24 (joint24)"):

| file | start | lambda_L (training) | 20-day sd co-movement (training) | cross |r| lag 1 / 5 / 10 (training) |
|---|---|---|---|---|
| eu_stocks | comonotone / fitted | 0.385 / 0.371 (0.426) | 0.490 / 0.445 (0.596) | 0.050 / 0.037 / 0.018; 0.046 / 0.029 / 0.018 (0.070 / 0.044 / 0.023) |
| crsp_daily | comonotone / fitted | 0.239 / 0.213 (0.266) | 0.388 / 0.215 (0.297) | 0.035 / 0.038 / 0.033; 0.015 / 0.013 / 0.011 (0.059 / 0.022 / 0.041) |
| fx_usd_1980 | comonotone / fitted | 0.368 / 0.331 (0.307) | 0.621 / 0.432 (0.480) | 0.094 / 0.089 / 0.085; 0.059 / 0.055 / 0.050 (0.079 / 0.093 / 0.100) |

Reading: with the training days' start dependence the generated sigma co-move less than the training sigma on every file
and the lagged cross-asset |r| correlation (volatility spill-over) is a half to a quarter of the training days'; the
comonotone start made up for it in the 20-day window (on fx more than made up).
"""
import json
import os
import sys

import h5py
import numpy as np
import scipy.stats as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from joint_baselines import lower_tail  # noqa: E402
from joint_crisis_gap_diagnosis import filter_sigma, filters  # noqa: E402


def normal_score_corr(S):
    n = len(S)
    Z = np.column_stack([st.norm.ppf(st.rankdata(np.log(S[:, k])) / (n + 1)) for k in range(S.shape[1])])
    return np.corrcoef(Z, rowvar=False)


def regime_rows(labels, g, minimum=30):
    lowest = g
    rows = np.flatnonzero(labels == lowest)
    while len(rows) < minimum and lowest > 0:
        lowest -= 1
        rows = np.flatnonzero((labels >= lowest) & (labels <= g))
    return np.arange(len(labels)) if len(rows) < 4 else rows


def mean_off(C):
    iu = np.triu_indices(len(C), 1)
    return float(C[iu].mean())


def block_xacf(B, lags):
    """Per lag h: (mean over pairs i != j, mean over i) of corr(|r_i,t|, |r_j,t+h|), pairs of days within each block."""
    P, H, K = B.shape
    A = np.abs(B - B.reshape(-1, K).mean(0))
    out = []
    for h in lags:
        C = np.corrcoef(np.hstack([A[:, :H - h, :].reshape(-1, K), A[:, h:, :].reshape(-1, K)]), rowvar=False)[:K, K:]
        out.append((C[~np.eye(K, dtype=bool)].mean(), np.diag(C).mean()))
    return out


def main():
    for d in sys.argv[1:]:
        info = json.load(open(d + "/model.json"))
        K, G, split = len(info["assets"]), len(info["regime_names"]), info["split_day"]
        real = np.loadtxt(d + "/real.csv", delimiter=",", skiprows=1)
        labels, X = real[:, 1].astype(int), real[:, 2:]
        # (the regime column is a number in tgfl-bench's CSV, a name in `tgfl generate-joint`'s)
        gen = np.loadtxt(d + "/tgfl_unconditional.csv", delimiter=",", skiprows=1, usecols=[0, 1] + list(range(3, 3 + K)))
        day, Y = gen[:, 1].astype(int), gen[:, 2:]
        day -= day.min()                                   # (generate-joint counts days from 1)
        P, H = len(np.unique(gen[:, 0])), int(day.max()) + 1
        n = len(Y)
        U = np.column_stack([st.rankdata(Y[:, k]) / (n + 1) for k in range(K)])
        blocks = []
        for a in range(0, H, 5):
            m = (day >= a) & (day < a + 5)
            vals = [np.sum((U[m, i] <= .05) & (U[m, j] <= .05)) / max(np.sum(U[m, i] <= .05), 1)
                    for i in range(K) for j in range(K) if i != j]
            blocks.append(f"{a}-{a + 4} {np.mean(vals):.3f}")
        iu = np.triu_indices(K, 1)
        sd = np.log(Y.reshape(P, H, K).std(1))
        B = X[:split][:(split // H) * H].reshape(-1, H, K)
        sdr = np.log(B.std(1))
        lags = (0, 1, 5, 10)
        xt, xg = block_xacf(B, lags), block_xacf(Y.reshape(P, H, K), lags)
        spill = (f" | cross |r| lag 0/1/5/10: gen {' / '.join(f'{v[0]:.3f}' for v in xg)}, training "
                 f"{' / '.join(f'{v[0]:.3f}' for v in xt)}; own ACF |r| lag 1/5/10: gen {' / '.join(f'{v[1]:.3f}' for v in xg[1:])}, "
                 f"training {' / '.join(f'{v[1]:.3f}' for v in xt[1:])}")
        par = filters(h5py.File(d + "/model.h5", "r")["joint"], K)
        S = filter_sigma(par, X, split)[:split]
        lab = labels[:split]
        pools = [mean_off(normal_score_corr(S[regime_rows(lab, g)])) for g in range(G)]
        print(f"{d}: lambda_L gen {lower_tail(Y):.3f} (days {'; '.join(blocks)}); real whole {lower_tail(X):.3f}, "
              f"training {lower_tail(X[:split]):.3f} | corr of 20-day log sd: gen {np.corrcoef(sd, rowvar=False)[iu].mean():.3f}, "
              f"training {np.corrcoef(sdr, rowvar=False)[iu].mean():.3f}{spill} | training rank corr of log sigma: all "
              f"{mean_off(normal_score_corr(S)):.3f}, per regime " + " / ".join(f"{p:.3f}" for p in pools))


if __name__ == "__main__":
    main()
