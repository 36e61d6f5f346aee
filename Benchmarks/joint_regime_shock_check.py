#!/usr/bin/env python3
"""Issue 17, session 13: are the joint model's shocks regime-dependent in a way the whitening
misses? (BENCHMARKS.md "Joint scenarios ... Session 13".)

Input: directories written by `tgfl-bench joint` (real.csv with the model's market regime of
every day, model.json with the GJR filters and split_day, tgfl_unconditional.csv). Run:

    /work/pyref/bin/python Benchmarks/joint_regime_shock_check.py DIR [DIR ...]

On the training days (the first split_day), per market regime g:
- the mean off-diagonal correlation of the returns r and of the standardised z (each asset's
  GJR filter), and the std of z per asset;
- "corr-whitened, independent u": u = L_g^-1 z with L_g = chol(corr(z | g)) (TGFL's rule before
  session 13), each asset's u drawn independently from its own u on the regime's days
  (200,000 draws, seed 1), mapped back z = L_g u: the mean correlation and the 1 % ES of the
  equal-weight portfolio's z this gives, i.e. what a generator that reproduces each asset's u
  per regime but not their dependence would give;
- "cov-whitened": the same with L_g = chol(cov(z | g)) (session 13);
- the real 1 % ES of the portfolio z on the regime's days;
- generated: the mean correlation of TGFL's unconditional returns on days of regime g.
Then, over all generated days: which regimes the pairs' joint 5 % lower extremes (both returns
below their 5 % quantile; their mean count / 5 % of the days is the benchmark's lambda_L) fall
in, against how often each regime is generated.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from joint_baselines import corr, es, mean_off, read  # noqa: E402
from joint_training_u import load_training_z, whitening_factor  # noqa: E402

MIN_DAYS = 30


def main():
    rng = np.random.default_rng(1)
    for d in sys.argv[1:]:
        info, labels, X, Z = load_training_z(d)
        split, K = info["split_day"], X.shape[1]
        Z, R, tl = Z[:split], X[:split], labels[:split]
        _, gen = read(os.path.join(d, "tgfl_unconditional.csv"))
        gl, G = gen[:, 2].astype(int), gen[:, 3:]
        print(f"## {info['bundled']} (seed {info['seed']}, whitening {info.get('whitening', 'correlation')}): "
              f"{split} training days")
        print("| regime | days | corr r | corr z | std z per asset | corr-whitened, indep. u: corr z, ES1% port z "
              "| cov-whitened: corr z, ES1% port z | real ES1% port z | TGFL corr r (days) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for g, name in enumerate(info["regime_names"]):
            gs = [g]
            while np.isin(tl, gs).sum() < MIN_DAYS and gs[-1] > 0:
                gs.append(gs[-1] - 1)
            pool, m = np.isin(tl, gs), tl == g
            if m.sum() < 10:
                continue
            idx = rng.integers(0, m.sum(), (200_000, K))
            out = []
            for L in (whitening_factor(Z[pool]), whitening_factor(Z[pool], covariance=True)):
                U = np.linalg.solve(L, Z[m].T).T
                Zi = np.column_stack([U[idx[:, k], k] for k in range(K)]) @ L.T
                out.append(f"{mean_off(corr(Zi)):.3f}, {es(Zi.mean(axis=1)):.3f}")
            mg = gl == g
            gen_corr = f"{mean_off(corr(G[mg])):.3f} ({mg.sum()})" if mg.sum() >= 30 else "–"
            print(f"| {name} | {m.sum()} | {mean_off(corr(R[m])):.3f} | {mean_off(corr(Z[m])):.3f} | "
                  + " ".join(f"{s:.2f}" for s in Z[m].std(axis=0))
                  + f" | {out[0]} | {out[1]} | {es(Z[m].mean(axis=1)):.3f} | {gen_corr} |")
        low = G < np.quantile(G, 0.05, axis=0)
        both = [low[:, i] & low[:, j] for i in range(K) for j in range(i + 1, K)]
        share = np.mean([np.bincount(gl[b], minlength=len(info["regime_names"])) / b.sum() for b in both], axis=0)
        freq = np.bincount(gl, minlength=len(info["regime_names"])) / len(gl)
        print(f"generated: lambda_L {np.mean([b.mean() / 0.05 for b in both]):.3f}; share of the joint 5 % lower days by regime "
              + " / ".join(f"{x:.3f}" for x in share) + "; regime frequency " + " / ".join(f"{x:.3f}" for x in freq))
        print()


if __name__ == "__main__":
    main()
