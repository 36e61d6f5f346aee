#!/usr/bin/env python3
"""Issue 17, session 9: would a t copula per market regime help? (BENCHMARKS.md "Joint
scenarios ... Session 9".)

Input: directories written by `tgfl-bench joint` (real.csv, model.json). Run:

    /work/pyref/bin/python Benchmarks/joint_regime_copula_check.py DIR [DIR ...]

For the training days' whitened u (as joint_correlation_diagnosis.py), rank pseudo-observations
over all training days, then, pooled and on the days of each market regime: nu of a t copula with
R = I by maximum likelihood on TGFL's grid (scipy.stats.multivariate_t), its log-likelihood gain
over the independence copula (nats), the empirical mean lower-tail coefficient of u at q = 5 %
(regimes with >= 200 days; pooled also the upper one, lambda_U = lambda_L of -u, the asymmetry an
asymmetric copula would carry) and the std of each asset's u.
"""
import json
import os
import sys

import numpy as np
import scipy.stats as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from joint_copula_check import GRID  # noqa: E402
from joint_correlation_diagnosis import training_u  # noqa: E402
from joint_training_u import lower_tail  # noqa: E402


def fit_nu(V):
    """nu (None: no t beats independence) and the log-likelihood gain over independence, R = I."""
    K = V.shape[1]
    best, gain = None, 0.0
    for nu in GRID:
        y = st.t.ppf(V, nu)
        ll = float((st.multivariate_t.logpdf(y, loc=np.zeros(K), shape=np.eye(K), df=nu) - st.t.logpdf(y, nu).sum(axis=1)).sum())
        if ll > gain:
            best, gain = nu, ll
    return best, gain


def main():
    for d in sys.argv[1:]:
        info = json.load(open(os.path.join(d, "model.json")))
        real = np.loadtxt(os.path.join(d, "real.csv"), delimiter=",", skiprows=1)
        U, _ = training_u(info, real)
        n, K = U.shape
        labels = real[:info["split_day"], 1].astype(int)
        V = np.column_stack([st.rankdata(U[:, k]) / (n + 1) for k in range(K)])
        nu, gain = fit_nu(V)
        print(f"## {info['bundled']}: all {n} training days: nu {nu}, gain {gain:.1f} nats, lambda_L(u) {lower_tail(U):.3f}, "
              f"lambda_U(u) {lower_tail(-U):.3f}")
        print("| regime | days | nu (R = I) | gain over independence (nats) | lambda_L(u) | std of u per asset |")
        print("|---|---|---|---|---|---|")
        for g, name in enumerate(info["regime_names"]):
            m = labels == g
            if m.sum() < 20:
                print(f"| {name} | {m.sum()} | – | – | – | – |")
                continue
            nu_g, gain_g = fit_nu(V[m])
            tail = f"{lower_tail(U[m]):.3f}" if m.sum() >= 200 else "–"
            print(f"| {name} | {m.sum()} | {nu_g} | {gain_g:.1f} | {tail} | "
                  + " ".join(f"{x:.2f}" for x in U[m].std(axis=0)) + " |")
        print()


if __name__ == "__main__":
    main()
