#!/usr/bin/env python3
"""Issue 17, session 20 (jes20): is a regime run's too-heavy portfolio ES the z the network draws,
or the mixture of sigma levels the market-regime starts draw?

usage: /work/pyref/bin/python Benchmarks/joint_regime_z_diagnosis.py [--json OUT] RUNDIR [RUNDIR ...]

RUNDIR: a `tgfl-bench joint --out` directory (model.h5, model.json, real.csv, tgfl_regime_<g>.csv:
20,000 one-day scenarios under market regime g). Per regime g and asset k, with the generated
sigma of day 0 rebuilt exactly (JointRegimeStarts: the path's first uniform through the asset's
training log-sigma quantiles of market regime g; `joint_es_diagnosis.py`) and z = (r - mu)/sigma:

- the z tail: quantiles at 0.5 / 1 / 2.5 / 97.5 / 99 / 99.5 % and ES 1 %/sd of the generated z
  against the training days' z on market-regime-g days (the filter's predictive sigma), and
  against all the training days' z (the unconditional map's target);
- the sigma mixture: ES 1 %/sd of r = sigma * z against that of z alone (how much the spread
  of sigma fattens the tail), generated and real;
- the portfolio ES ratio gen / real (real = every day of the file labelled g, the benchmark's
  cell) and three counterfactual portfolios, each ES 1 % over the real ES:
    A  generated sigma vectors x the real z vectors of the training g days (resampled by day,
       seed 20): the starts' sigma mixture with the right z — if this is near 1, sigma is not it;
    B  the real sigma vectors of the training g days x the generated z (seed 20): the right sigma
       mixture with the network's z — if this keeps the miss, z is it;
    C  the generated sigma x the generated z mapped per asset onto the training g days' z
       quantiles by the same piecewise-linear rule as the z tail map (`JointTailMap`: knots at
       0.5 / 1 / 2.5 % and mirrors, identity inside the 5-95 % quantiles, shift beyond), the
       sources measured on this run's z: what session 15's rule per regime could reach;
    D  the generated sigma x the generated z with each asset's whole marginal mapped onto the training
       g days' z (ranks kept, the empirical quantile at (rank + 0.5)/n): the network's copula with the
       right marginals;
    E  the generated sigma x the generated z mapped by JointRegimeTailMap's rule (session 20: knots at
       1 / 2.5 / 5 / 10 / 25 / 50 / 75 / 90 / 95 / 97.5 / 99 %, numpy.quantile of this run's z to those of the
       training g days' z, the outer slopes continued): a map with the generation's own within-day
       feedback left out (there, mapping an asset's z moves its u and so the later assets' z).
Also the mean z and the lower-tail dependence at 5 % (the mean over pairs of P(both below their 5 %
quantile) / 0.05), generated and training g days.
"""
import argparse
import json
import os
import sys

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from joint_baselines import es, portfolio  # noqa: E402
from joint_crisis_gap_diagnosis import filter_sigma, filters, first_uniform, interp, market  # noqa: E402

LEVELS = [0.005, 0.01, 0.025]
TARGET_LEVELS = LEVELS + [1 - x for x in reversed(LEVELS)]
SOURCE_LEVELS = LEVELS + [0.05, 0.95] + [1 - x for x in reversed(LEVELS)]


def side(z, x, y):
    x, y = np.asarray(x), np.asarray(y)
    if not (np.all(np.diff(x) > 0) and np.all(np.diff(y) > 0)):
        return z
    out = np.interp(z, x, y)
    out = np.where(z < x[0], z + y[0] - x[0], out)
    return np.where(z > x[-1], z + y[-1] - x[-1], out)


def tail_map(z, s, t):
    """JointTailMap.apply on an array: sources s at SOURCE_LEVELS, targets t at TARGET_LEVELS."""
    J = len(LEVELS)
    out = z.copy()
    lo, hi = z < s[J], z > s[J + 1]
    out[lo] = side(z[lo], s[:J + 1], list(t[:J]) + [s[J]])
    out[hi] = side(z[hi], s[J + 1:], [s[J + 1]] + list(t[J:]))
    return out


KNOTS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99]


def regime_map(z, s, t):
    """JointRegimeTailMap.apply on an array (knots s -> t, the outer slopes continued)."""
    s, t = np.asarray(s), np.asarray(t)
    if not (np.all(np.diff(s) > 0) and np.all(np.diff(t) > 0)):
        return z
    out = np.interp(z, s, t)
    out = np.where(z <= s[0], t[0] + (z - s[0]) * (t[1] - t[0]) / (s[1] - s[0]), out)
    return np.where(z >= s[-1], t[-1] + (z - s[-1]) * (t[-1] - t[-2]) / (s[-1] - s[-2]), out)


def lower_tail_dependence(X, q=0.05):
    L = X < np.quantile(X, q, axis=0)
    K = X.shape[1]
    return float(np.mean([np.mean(L[:, i] & L[:, j]) / q for i in range(K) for j in range(i + 1, K)]))


def es_sd(x):
    return es(x) / x.std()


def diagnose(d, rng):
    info = json.load(open(os.path.join(d, "model.json")))
    names, split, seed = info["assets"], info["split_day"], info["seed"]
    K, regime_names = len(names), info["regime_names"]
    f = h5py.File(os.path.join(d, "model.h5"), "r")["joint"]
    par = filters(f, K)
    mu = np.array([a["mu"] for a in par])
    starts = f["regime_starts.log_sigma_quantiles"][:].reshape(len(regime_names), K, -1)
    real = pd.read_csv(os.path.join(d, "real.csv"))
    R, lab = real[names].values, real["label"].values
    S = filter_sigma(par, R, split)
    Z = (R - mu) / S
    train = np.arange(len(R)) < split
    print(f"== {d}: {info['bundled']} seed {seed}")
    print("| regime | asset | z q 0.5/1/2.5/97.5/99/99.5 %, gen / training-g | gen / all training | z ES/sd gen / training-g "
          "| training-g z ES/sd / all training | r ES/sd over z ES/sd (sigma mixture): gen; real training-g |")
    print("|" + "---|" * 7)
    out = {}
    for g, gname in enumerate(regime_names):
        path = os.path.join(d, f"tgfl_regime_{g}.csv")
        m = lab == g
        mt = m & train
        if m.sum() < 30 or not os.path.exists(path):
            continue
        Rg = pd.read_csv(path)[names].values
        u = np.array([first_uniform(seed + 2, p) for p in range(len(Rg))])
        sig = np.column_stack([[np.sqrt(min(max(np.exp(2 * interp(starts[g, k], x)), par[k]["sigma_floor"] ** 2),
                                                par[k]["sigma_cap"] ** 2)) for x in u] for k in range(K)])
        Zg = (Rg - mu) / sig
        Zt, St = Z[mt], S[mt]
        Zall = Z[train]
        mapped = np.empty_like(Zg)
        rows = []
        for k in range(K):
            qg = np.quantile(Zg[:, k], TARGET_LEVELS)
            qt = np.quantile(Zt[:, k], TARGET_LEVELS)
            qa = np.quantile(Zall[:, k], TARGET_LEVELS)
            mapped[:, k] = tail_map(Zg[:, k], np.quantile(Zg[:, k], SOURCE_LEVELS), qt)
            mix_g = es_sd(Rg[:, k] - mu[k]) / es_sd(Zg[:, k])
            mix_r = es_sd(R[mt, k] - mu[k]) / es_sd(Zt[:, k])
            row = dict(asset=names[k], q_ratio=(qg / qt).tolist(), q_ratio_all=(qg / qa).tolist(),
                       z_es_sd=es_sd(Zg[:, k]) / es_sd(Zt[:, k]), train_g_vs_all=es_sd(Zt[:, k]) / es_sd(Zall[:, k]),
                       mix_gen=mix_g, mix_real=mix_r)
            rows.append(row)
            print(f"| {gname} | {names[k]} | {' '.join(f'{x:.2f}' for x in row['q_ratio'])} | "
                  f"{' '.join(f'{x:.2f}' for x in row['q_ratio_all'])} | {row['z_es_sd']:.3f} | {row['train_g_vs_all']:.3f} "
                  f"| {mix_g:.3f}; {mix_r:.3f} |")
        es_r = es(portfolio(R[m]))
        es_g = es(portfolio(Rg))
        A = es(portfolio(mu + sig * Zt[rng.integers(0, len(Zt), len(Rg))]))
        B = es(portfolio(mu + St[rng.integers(0, len(St), len(Rg))] * Zg))
        C = es(portfolio(mu + sig * mapped))
        full = np.column_stack([np.quantile(Zt[:, k], (np.argsort(np.argsort(Zg[:, k])) + 0.5) / len(Zg)) for k in range(K)])
        D = es(portfolio(mu + sig * full))
        knots = np.column_stack([regime_map(Zg[:, k], np.quantile(Zg[:, k], KNOTS), np.quantile(Zt[:, k], KNOTS))
                                 for k in range(K)])
        E = es(portfolio(mu + sig * knots))
        es_t = es(portfolio(R[mt]))
        out[gname] = dict(n=int(m.sum()), n_train=int(mt.sum()), ratio=es_g / es_r, A=A / es_r, B=B / es_r, C=C / es_r,
                          D=D / es_r, E=E / es_r, mean_z_gen=Zg.mean(axis=0).tolist(), mean_z_train=Zt.mean(axis=0).tolist(),
                          ltd_gen=lower_tail_dependence(Zg), ltd_train=lower_tail_dependence(Zt),
                          train=es_g / es_t, real_train_vs_all=es_t / es_r, assets=rows)
        print(f"| {gname} | portfolio | ES gen / real {es_g / es_r:.3f} ({m.sum()} real days, {mt.sum()} training); "
              f"A gen sigma x real training-g z {A / es_r:.3f}; B real training-g sigma x gen z {B / es_r:.3f}; "
              f"C gen sigma x gen z tail-mapped (session 15's rule) {C / es_r:.3f}; D whole marginals {D / es_r:.3f}; "
              f"E JointRegimeTailMap's rule {E / es_r:.3f}; training-g days' ES / all g days' {es_t / es_r:.3f}; "
              f"mean z gen {Zg.mean():+.2f} / training-g {Zt.mean():+.2f}; lower-tail dependence at 5 % gen "
              f"{out[gname]['ltd_gen']:.2f} / training-g {out[gname]['ltd_train']:.2f} | | | | | |")
    print()
    return dict(bundled=info["bundled"], seed=seed, regimes=out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--json")
    args = ap.parse_args()
    rng = np.random.default_rng(20)
    res = [diagnose(d, rng) for d in args.dirs]
    if args.json:
        json.dump(res, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
