#!/usr/bin/env python3
"""Issue 17, session 9: why the session-8 t copula raised crsp_daily's correlation error
(BENCHMARKS.md "Joint scenarios ... Session 9").

Input: pairs of directories written by `tgfl-bench joint` for the same model and seed, one
generated without the copula (`--no-copula`) and one with it. Run:

    /work/pyref/bin/python Benchmarks/joint_correlation_diagnosis.py OFF_DIR ON_DIR [OFF_DIR ON_DIR ...]

For every pair of assets (i, j):
- real: the correlation of the returns over every day of the file (the benchmark's target) and
  over the training days (first 80 %), whose difference no model fitted on them can remove;
- gen off / gen on: the correlation of the unconditional scenarios' days (1,000 paths x 20
  days) without and with the copula, their errors against the full-sample value, and the
  standard error of on - off from a bootstrap over paths (200 resamples, seed 1);
- training u = L_g^-1 z (as joint_es_diagnosis.py): their linear (Pearson) correlation, which the
  whitening makes ~0, their normal-score correlation (ranks), and the copula's R (model.json);
- predicted: the linear correlation of u drawn from the copula (R, nu of model.json; 400,000 draws
  of numpy's multivariate t, seed 2) through each asset's empirical quantile function of the
  training u, and the shift of corr(z) it implies, sum_g w_g L_g C L_g^T normalised, w_g the
  generated days' regime frequencies -- and the same with R = I (the session-9 fit).
"""
import json
import os
import sys

import numpy as np
import scipy.stats as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from joint_training_u import covariance_whitening, filter_sigma, whitening_factor  # noqa: E402


def load(d):
    info = json.load(open(os.path.join(d, "model.json")))
    real = np.loadtxt(os.path.join(d, "real.csv"), delimiter=",", skiprows=1)
    gen = np.loadtxt(os.path.join(d, "tgfl_unconditional.csv"), delimiter=",", skiprows=1)
    return info, real, gen


def training_u(info, real):
    labels, X = real[:, 1].astype(int), real[:, 2:]
    split, K = info["split_day"], X.shape[1]
    S = np.column_stack([filter_sigma(X[:, k], info["garch"][k], split) for k in range(K)])
    Z = ((X - np.array([p["mu"] for p in info["garch"]])) / S)[:split]
    tl = labels[:split]
    U, Ls = np.empty_like(Z), []
    for g in range(len(info["regime_names"])):
        gs = [g]
        while np.isin(tl, gs).sum() < 30 and gs[-1] > 0:
            gs.append(gs[-1] - 1)
        L = whitening_factor(Z[np.isin(tl, gs)], covariance_whitening(info))
        Ls.append(L)
        U[tl == g] = np.linalg.solve(L, Z[tl == g].T).T
    return U, Ls


def drawn_u_correlation(U, R, nu, rng, n=400_000):
    K = U.shape[1]
    x = rng.standard_normal((n, K)) @ np.linalg.cholesky(R).T
    v = st.norm.cdf(x) if nu is None else st.t.cdf(x / np.sqrt(rng.chisquare(nu, (n, 1)) / nu), nu)
    drawn = np.column_stack([np.quantile(U[:, k], v[:, k]) for k in range(K)])
    return np.corrcoef(drawn, rowvar=False)


def implied_z(C, Ls, w):
    M = sum(wg * L @ C @ L.T for wg, L in zip(w, Ls))
    d = 1 / np.sqrt(np.diag(M))
    return M * d[:, None] * d[None, :]


def main():
    args = sys.argv[1:]
    rng = np.random.default_rng(1)
    for off_dir, on_dir in zip(args[::2], args[1::2]):
        info, real, off = load(off_dir)
        _, _, on = load(on_dir)
        on_info = json.load(open(os.path.join(on_dir, "model.json")))
        names, X, split = info["assets"], real[:, 2:], info["split_day"]
        K = X.shape[1]
        full, train = np.corrcoef(X, rowvar=False), np.corrcoef(X[:split], rowvar=False)
        c_off, c_on = np.corrcoef(off[:, 3:], rowvar=False), np.corrcoef(on[:, 3:], rowvar=False)
        paths = int(off[:, 0].max()) + 1
        po, pn = off[:, 0].astype(int), on[:, 0].astype(int)
        by_off = [off[po == p, 3:] for p in range(paths)]
        by_on = [on[pn == p, 3:] for p in range(paths)]
        boot = []
        for _ in range(200):
            pick = rng.integers(0, paths, paths)
            a = np.corrcoef(np.concatenate([by_off[p] for p in pick]), rowvar=False)
            b = np.corrcoef(np.concatenate([by_on[p] for p in pick]), rowvar=False)
            boot.append(b - a)
        se = np.std(boot, axis=0)
        U, Ls = training_u(info, real)
        n = U.shape[0]
        ranks = np.column_stack([st.rankdata(U[:, k]) / (n + 1) for k in range(K)])
        pearson_u, normal_u = np.corrcoef(U, rowvar=False), np.corrcoef(st.norm.ppf(ranks), rowvar=False)
        R = np.asarray(on_info["copula_correlation"]).reshape(K, K)
        nu = None if on_info["copula_nu"] == 0 else float(on_info["copula_nu"])
        w = np.bincount(on[:, 2].astype(int), minlength=len(Ls)) / len(on)
        base = implied_z(np.eye(K), Ls, w)
        drawn_R = drawn_u_correlation(U, R, nu, np.random.default_rng(2))
        drawn_I = drawn_u_correlation(U, np.eye(K), nu, np.random.default_rng(2))
        shift_R, shift_I = implied_z(drawn_R, Ls, w) - base, implied_z(drawn_I, Ls, w) - base
        print(f"## {info['bundled']} seed {info['seed']}: copula nu = {nu}, generated regime shares "
              + ", ".join(f"{x:.2f}" for x in w))
        print(f"max |err| against the full sample: training days {np.abs(train - full).max():.3f}, "
              f"gen off {np.abs(c_off - full).max():.3f}, gen on {np.abs(c_on - full).max():.3f}")
        print("| pair | real full | train − full | gen off − full | gen on − full | on − off (± s.e.) | "
              "u Pearson | u normal-score | copula R | drawn u, copula R | implied Δcorr(z) | drawn u, R = I | implied Δ, R = I |")
        print("|" + "---|" * 13)
        for i in range(K):
            for j in range(i + 1, K):
                print(f"| {names[i]}–{names[j]} | {full[i, j]:.3f} | {train[i, j] - full[i, j]:+.3f} | "
                      f"{c_off[i, j] - full[i, j]:+.3f} | {c_on[i, j] - full[i, j]:+.3f} | "
                      f"{c_on[i, j] - c_off[i, j]:+.3f} ± {se[i, j]:.3f} | {pearson_u[i, j]:+.3f} | "
                      f"{normal_u[i, j]:+.3f} | {R[i, j]:+.3f} | {drawn_R[i, j]:+.3f} | {shift_R[i, j]:+.3f} | "
                      f"{drawn_I[i, j]:+.3f} | {shift_I[i, j]:+.3f} |")
        print()


if __name__ == "__main__":
    main()
