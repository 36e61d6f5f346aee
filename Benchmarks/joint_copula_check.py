#!/usr/bin/env python3
"""Issue 17, session 8: does the joint model's t copula carry the tail dependence of the
training days' whitened u? (BENCHMARKS.md "Joint scenarios ... Session 8".)

Input: a directory written by `tgfl-bench joint` (real.csv; model.json with each asset's
GJR-GARCH parameters, regime thresholds and the fitted copula: copula_nu, copula_correlation).
Run:

    /work/pyref/bin/python Benchmarks/joint_copula_check.py DIR [DIR ...]

For the training days (first 80 %): u = L_g^-1 z as in joint_es_diagnosis.py, then
- the empirical mean pairwise lower-tail coefficient of u at q = 5 % (ranks; independence 0.05);
- the same coefficient exactly under the copula TGFL fitted (R, nu from model.json):
  C(q, q)/q of each pair by one-dimensional integration (scipy.integrate.quad), averaged;
- an outside refit: rank pseudo-observations of u, R from their normal scores, nu by maximum
  likelihood on TGFL's grid with scipy.stats.multivariate_t (the two-step fit of Demarta &
  McNeil 2005 on ranks instead of TGFL's tokenizer histogram).
"""
import os
import sys

import numpy as np
import scipy.stats as st
from scipy.integrate import quad

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from joint_training_u import load_training_u, lower_tail  # noqa: E402

GRID = [2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100]   # StudentTCopula.defaultGrid
Q = 0.05


def pair_tail(rho, nu, q=Q):
    """Exact C(q, q)/q of a bivariate t copula (nu) or Gaussian copula (nu None)."""
    if nu is None:
        a = st.norm.ppf(q)
        return float(st.multivariate_normal.cdf([a, a], mean=[0, 0], cov=[[1, rho], [rho, 1]]) / q)
    a = st.t.ppf(q, nu)

    def integrand(x):
        scale = np.sqrt((nu + x * x) * (1 - rho * rho) / (nu + 1))
        return st.t.pdf(x, nu) * st.t.cdf((a - rho * x) / scale, nu + 1)
    return float(quad(integrand, -np.inf, a, epsabs=1e-13, epsrel=1e-11, limit=500)[0] / q)


def refit(U):
    n, K = U.shape
    V = np.column_stack([st.rankdata(U[:, k]) / (n + 1) for k in range(K)])
    R = np.corrcoef(st.norm.ppf(V), rowvar=False)
    best, best_ll = None, -np.inf
    for nu in GRID:
        y = st.t.ppf(V, nu)
        ll = float((st.multivariate_t.logpdf(y, loc=np.zeros(K), shape=R, df=nu) - st.t.logpdf(y, nu).sum(axis=1)).sum())
        if ll > best_ll:
            best, best_ll = nu, ll
    y = st.norm.ppf(V)
    gll = float((st.multivariate_normal.logpdf(y, mean=np.zeros(K), cov=R) - st.norm.logpdf(y).sum(axis=1)).sum())
    return (best if best_ll > gll else None), R


def main():
    for d in sys.argv[1:]:
        info, _, X, U = load_training_u(d)
        K, split = X.shape[1], info["split_day"]
        pairs = [(i, j) for i in range(K) for j in range(K) if i < j]
        nu = info.get("copula_nu", -1)
        print(f"## {info['bundled']} (train {split} days, {K} assets)")
        print(f"lambda_L(5 %) of the training u, mean over pairs: {lower_tail(U):.3f} (independence 0.050)")
        if nu is not None and nu >= 0:
            R = np.asarray(info["copula_correlation"]).reshape(K, K)
            nu_ = None if nu == 0 else float(nu)
            model = np.mean([pair_tail(R[i, j], nu_) for i, j in pairs])
            print(f"TGFL's copula (nu = {nu_ if nu_ else 'inf'}, |R_ij| <= {np.max(np.abs(R - np.eye(K))):.3f}): "
                  f"exact C(q,q)/q at 5 %, mean over pairs {model:.3f}")
        nu_r, R_r = refit(U)
        print(f"outside refit on ranks (scipy): nu = {nu_r if nu_r else 'inf'}, |R_ij| <= {np.max(np.abs(R_r - np.eye(K))):.3f}, "
              f"its C(q,q)/q at 5 %: {np.mean([pair_tail(R_r[i, j], nu_r) for i, j in pairs]):.3f}")
        print()


if __name__ == "__main__":
    main()
