#!/usr/bin/env python3
"""Issue 17: why the joint model's portfolio 1 % ES per regime misses (diagnosis behind
BENCHMARKS.md "Joint scenarios ... session 7").

Input: a directory written by `tgfl-bench joint` (real.csv, model.json with each asset's
GJR-GARCH parameters and regime thresholds). Run:

    /work/pyref/bin/python Benchmarks/joint_es_diagnosis.py DIR [DIR ...]

For each regime g, on the real days the model labels g (every day of the file):
- real: the equal-weight portfolio's 1 % ES (as joint_baselines.py);
- fixed sigma: the same days' real standardised residuals z_t times each asset's mean training
  variance of its band g, sqrt(v_g) -- the start of one-day generation before session 7;
- band sigma: those z times sigma drawn from the asset's training distribution of sigma inside
  band g (one uniform quantile per draw shared by the assets) -- the start after it.
If "fixed" is well below "real" and "band" near it, the fixed start thins the ES.
Then the tail dependence that the whitening cannot carry: u = L_g^-1 z on the training days
(L_g: Cholesky factor of corr(z) on the training days of market regime g), mean over pairs of
the empirical lower-tail coefficient at q = 5 % (independent u: 0.05). A model whose u are
drawn independently given their levels gives 0.05 there however fat its marginals.
"""
import json
import os
import sys

import numpy as np
import scipy.stats as st


def es(x, a=0.01):
    q = np.quantile(x, a)
    return float(-x[x <= q].mean())


def portfolio(X):
    return (np.exp(X) - 1).mean(axis=1)


def lower_tail(X, q=0.05):
    n, K = X.shape
    U = np.column_stack([st.rankdata(X[:, k]) / (n + 1) for k in range(K)])
    vals = [np.sum((U[:, i] <= q) & (U[:, j] <= q)) / np.sum(U[:, i] <= q)
            for i in range(K) for j in range(K) if i != j]
    return float(np.mean(vals))


def filter_sigma(r, p, split):
    """GJR-GARCH(1,1) variance recursion with the model's parameters, backcast from the
    training days (arch's backcast: exponentially weighted mean of the first squared residuals)."""
    e = r - p["mu"]
    w = 0.94 ** np.arange(75)
    back = float(np.sum(w * e[:75] ** 2) / np.sum(w))
    h = np.empty_like(r)
    h[0] = back
    for t in range(1, len(r)):
        a = p["alpha"] + (p["gamma"] if e[t - 1] < 0 else 0.0)
        h[t] = p["omega"] + a * e[t - 1] ** 2 + p["beta"] * h[t - 1]
    return np.clip(np.sqrt(h), p["sigma_floor"], p["sigma_cap"])


def whitening_factor(Zg, covariance=False):
    """TGFL's L_g from a regime's z: the Cholesky factor of their covariance (model.json
    "whitening": "covariance", since session 13) or of their correlation (before)."""
    return np.linalg.cholesky(np.cov(Zg, rowvar=False) if covariance else np.corrcoef(Zg, rowvar=False))


def covariance_whitening(info):
    return info.get("whitening", "correlation") == "covariance"


def whitened_training_u(Z, labels, split, regimes, covariance=False):
    """u = L_g^-1 z on the training days, L_g the Cholesky factor of corr(z) (cov(z) with
    `covariance`) on the training days of market regime g (pooled with the next calmer regimes
    while fewer than 30 days), as TGFL whitens."""
    tl = labels[:split]
    U = np.empty((split, Z.shape[1]))
    for g in range(regimes):
        gs = [g]
        while np.isin(tl, gs).sum() < 30 and gs[-1] > 0:
            gs.append(gs[-1] - 1)
        L = whitening_factor(Z[:split][np.isin(tl, gs)], covariance)
        m = tl == g
        U[m] = np.linalg.solve(L, Z[:split][m].T).T
    return U


def load_training_z(d):
    """model.json, the real days (labels, returns X) and every day's z under the model's filters
    of a `tgfl-bench joint` directory."""
    info = json.load(open(os.path.join(d, "model.json")))
    real = np.loadtxt(os.path.join(d, "real.csv"), delimiter=",", skiprows=1)
    labels, X = real[:, 1].astype(int), real[:, 2:]
    S = np.column_stack([filter_sigma(X[:, k], info["garch"][k], info["split_day"]) for k in range(X.shape[1])])
    mu = np.array([p["mu"] for p in info["garch"]])
    return info, labels, X, (X - mu) / S


def load_training_u(d):
    """model.json, the real days (labels, returns X) and the training days' whitened u of a
    `tgfl-bench joint` directory."""
    info, labels, X, Z = load_training_z(d)
    U = whitened_training_u(Z, labels, info["split_day"], len(info["regime_names"]), covariance_whitening(info))
    return info, labels, X, U


def main():
    rng = np.random.default_rng(1)
    for d in sys.argv[1:]:
        info = json.load(open(os.path.join(d, "model.json")))
        real = np.loadtxt(os.path.join(d, "real.csv"), delimiter=",", skiprows=1)
        labels, X = real[:, 1].astype(int), real[:, 2:]
        n, K = X.shape
        split, th = info["split_day"], [np.asarray(t) for t in info["regime_thresholds"]]
        levels = [0.0, 0.40, 0.80, 0.95, 1.0]
        S = np.column_stack([filter_sigma(X[:, k], info["garch"][k], split) for k in range(K)])
        mu = np.array([p["mu"] for p in info["garch"]])
        Z = (X - mu) / S
        own = np.column_stack([np.searchsorted(th[k], S[:, k], side="right") for k in range(K)])
        print(f"## {info['bundled']} ({n} days, train {split})")
        print("| regime | real days | real ES1% | fixed sigma | band sigma | share of assets above the band |")
        print("|---|---|---|---|---|---|")
        for g, name in enumerate(info["regime_names"]):
            m = labels == g
            if m.sum() < 30:
                continue
            v = np.array([np.mean(S[:split, k][own[:split, k] == g] ** 2) if np.any(own[:split, k] == g)
                          else th[k][g - 1] ** 2 for k in range(K)])
            fixed = es(portfolio(mu + np.sqrt(v) * Z[m]))
            u = rng.uniform(levels[g], levels[g + 1], size=20000)
            band = np.column_stack([np.quantile(S[:split, k], u) for k in range(K)])
            zs = Z[m][rng.integers(0, m.sum(), size=20000)]
            mixed = es(portfolio(mu + band * zs))
            r = es(portfolio(X[m]))
            print(f"| {name} | {m.sum()} | {r:.4f} | {fixed:.4f} ({100 * (fixed / r - 1):+.0f} %) | "
                  f"{mixed:.4f} ({100 * (mixed / r - 1):+.0f} %) | {np.mean(own[m] > g):.2f} |")
        U = whitened_training_u(Z, labels, split, len(info["regime_names"]), covariance_whitening(info))
        print(f"lower-tail dependence at q = 5 %, training days: z {lower_tail(Z[:split]):.3f}, "
              f"whitened u {lower_tail(U):.3f} (independent: 0.050)")
        print()


if __name__ == "__main__":
    main()
