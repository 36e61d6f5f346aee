#!/usr/bin/env python3
"""Issue 17, session 12: is the lower-tail asymmetry of the joint model's training u something
a copula can add? (BENCHMARKS.md "Joint scenarios ... Session 12".)

Input: directories written by `tgfl-bench joint` (real.csv, model.json). Run:

    /work/pyref/bin/python Benchmarks/joint_lower_tail_check.py DIR [DIR ...]

On the training days' whitened u (u = L_g^-1 z, as joint_es_diagnosis.py), rank
pseudo-observations v, then by maximum likelihood on a grid (scipy / numpy, no TGFL code):
- t:      a t copula with R = I (TGFL's copula since session 9), nu on StudentTCopula.defaultGrid;
- lower:  (1 - w) t(nu) + w Clayton(theta), the K-variate Clayton density
          log c = sum_{k<K} log(1 + k theta) - (1 + theta) sum log v_k - (K + 1/theta) log(sum v_k^-theta - K + 1);
- upper:  the same with the Clayton rotated by 180 degrees (evaluated at 1 - v): extra upper-tail
          dependence, the control. If "upper" gains as much likelihood as "lower", the data do not
          single out the lower tail.
For each fit: the log-likelihood gain over t, Akaike's verdict (gain > 2 for 2 more parameters),
and the exact mean pairwise tail coefficients at q = 5 %, lower C(q,q)/q and upper
(2q - 1 + C(1-q,1-q))/q, against the u's empirical ones (independence 0.050).
"""
import os
import sys

import numpy as np
import scipy.stats as st
from scipy.special import gammaln

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from joint_copula_check import GRID, pair_tail  # noqa: E402
from joint_training_u import load_training_u, lower_tail  # noqa: E402

WEIGHTS = [0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5]      # ClaytonMixtureCopula.defaultWeights (branch joint12-lowertail)
THETAS = [0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8]
Q = 0.05


def t_logc(V, nu):
    y = st.t.ppf(V, nu)
    K = V.shape[1]
    return (gammaln((nu + K) / 2) - gammaln(nu / 2) - K / 2 * np.log(nu * np.pi)
            - (nu + K) / 2 * np.log1p((y * y).sum(1) / nu)) - st.t.logpdf(y, nu).sum(1)


def clayton_logc(V, th):
    K = V.shape[1]
    s = (V ** (-th)).sum(1) - K + 1
    return sum(np.log1p(k * th) for k in range(K)) - (1 + th) * np.log(V).sum(1) - (K + 1 / th) * np.log(s)


def clayton_pair(u, th):
    return (2 * u ** (-th) - 1) ** (-1 / th)


def upper_tail(U, q=Q):
    return lower_tail(-U, q)


def fit(V, rotated):
    VV = 1 - V if rotated else V
    tl = {nu: t_logc(V, nu) for nu in GRID}
    cl = {th: clayton_logc(VV, th) for th in THETAS}
    best_t = max((tl[nu].sum(), nu) for nu in GRID)
    best = best_t + (0.0, THETAS[0])
    for nu in GRID:
        for w in WEIGHTS[1:]:
            for th in THETAS:
                ll = np.logaddexp(np.log1p(-w) + tl[nu], np.log(w) + cl[th]).sum()
                if ll > best[0]:
                    best = (ll, nu, w, th)
    return best_t, best


def tails(nu, w, th, rotated):
    lam_t = pair_tail(0.0, nu)                                 # R = I: every pair the same
    cl_lower = clayton_pair(Q, th) / Q
    cl_upper = (2 * Q - 1 + clayton_pair(1 - Q, th)) / Q
    if rotated:
        cl_lower, cl_upper = cl_upper, cl_lower
    return (1 - w) * lam_t + w * cl_lower, (1 - w) * lam_t + w * cl_upper


def main():
    for d in sys.argv[1:]:
        info, _, X, U = load_training_u(d)
        K, split = X.shape[1], info["split_day"]
        V = np.column_stack([st.rankdata(U[:, k]) / (split + 1) for k in range(K)])
        print(f"## {info['bundled']} (train {split} days): training u tail coefficients at 5 %: "
              f"lower {lower_tail(U):.3f}, upper {upper_tail(U):.3f} (independence 0.050)")
        print("| copula | nu | w | theta | log-lik gain over t | AIC prefers | lower C(q,q)/q | upper |")
        print("|---|---|---|---|---|---|---|---|")
        (ll_t, nu_t), _ = fit(V, False)
        lo, up = tails(nu_t, 0, 1, False)
        print(f"| t, R = I | {nu_t} | 0 | – | 0 | – | {lo:.3f} | {up:.3f} |")
        for rotated, name in ((False, "t + Clayton (lower)"), (True, "t + rotated Clayton (upper)")):
            _, (ll, nu, w, th) = fit(V, rotated)
            lo, up = tails(nu, w, th, rotated)
            print(f"| {name} | {nu} | {w} | {th} | {ll - ll_t:+.1f} | {'yes' if ll - ll_t > 2 else 'no'} | "
                  f"{lo:.3f} | {up:.3f} |")
        print()


if __name__ == "__main__":
    main()
