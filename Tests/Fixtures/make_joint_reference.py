#!/usr/bin/env python3
"""Reference values for the joint (multi-asset) encoding of issue 17
(Tests/TGFLCoreTests/JointScenarioModelTests.swift).

A joint model interleaves K assets per day. This script computes, with `arch` and NumPy only,
what `JointDataModels.encode` must give on the first 800 log returns of the bundled
eu_stocks.csv (DAX, SMI, CAC, FTSE):

    per asset k: arch_model(100 r_k, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit()
                 sigma_kt = conditional_volatility / 100, z_kt = (r_kt - mu_k) / sigma_kt
    g_t        = market regime = lower median over k of regime_kt  (sorted(...)[(K-1)//2])
    L_g        = cholesky(corrcoef(z on days with g_t = g)); a regime with < 30 days adds the days of
                 regimes g-1, g-2, ... until it has 30
    u_t        = L_{g_t}^-1 z_t   (whitening: CCC's standardised residuals, one matrix per regime)
    tokenizer  = uniform bins over mean(u) +- 12 sd(u) (ddof 1) of every asset's u pooled, V = 64
    level_kt   = searchsorted(quantile(log sigma_k, j/S), log sigma_kt, "right"), S = 4
    regime_kt  = searchsorted(quantile(sigma_k, [0.4, 0.8, 0.95]), sigma_kt, "right")
    stream     = day-major: token[t*K + k] = token(u_kt), condition[t*K + k] = k*S + level_kt

Run: /work/pyref/bin/python Tests/Fixtures/make_joint_reference.py   (needs arch, numpy)
"""
import json
from pathlib import Path

import numpy as np
from arch import arch_model

HERE = Path(__file__).resolve().parent
CSV = HERE.parent.parent / "Sources" / "TGFLCore" / "Resources" / "eu_stocks.csv"
OUT = HERE / "joint_encoding_reference.json"
N, V, S, CLIP = 800, 64, 4, 12.0
MIN_DAYS = 30     # JointDataModels.minimumRegimeDays
LEVELS = [0.4, 0.8, 0.95]


def main():
    prices = np.loadtxt(CSV, delimiter=",", skiprows=1)
    names = open(CSV).readline().strip().split(",")
    R = np.diff(np.log(prices), axis=0)[:N]
    K = R.shape[1]
    assets, zs, sigmas = [], [], []
    for k in range(K):
        r = R[:, k]
        res = arch_model(100 * r, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit(disp="off")
        p = res.params
        mu = p["mu"] / 100
        sigma = np.asarray(res.conditional_volatility) / 100
        log_sigma = np.log(sigma)
        level_edges = np.quantile(log_sigma, np.arange(1, S) / S)
        thresholds = np.quantile(sigma, LEVELS)
        assets.append({"name": names[k], "returns": r.tolist(), "mu": mu, "omega": p["omega"] / 1e4,
                       "alpha": p["alpha[1]"], "gamma": p["gamma[1]"], "beta": p["beta[1]"], "nu": p["nu"],
                       "variances": (sigma ** 2).tolist(), "level_edges": level_edges.tolist(),
                       "levels": np.searchsorted(level_edges, log_sigma, side="right").tolist(),
                       "regime_thresholds": thresholds.tolist(),
                       "regimes": np.searchsorted(thresholds, sigma, side="right").tolist()})
        zs.append((r - mu) / sigma)
    Z = np.column_stack(zs)
    labels = np.array([a["regimes"] for a in assets])        # (K, N)
    market = np.sort(labels, axis=0)[(K - 1) // 2]
    pooled_corr = np.corrcoef(Z, rowvar=False)
    Ls = []
    for g in range(len(LEVELS) + 1):
        lowest = g
        rows = market == g
        while rows.sum() < MIN_DAYS and lowest > 0:
            lowest -= 1
            rows = (market >= lowest) & (market <= g)
        Ls.append(np.linalg.cholesky(np.corrcoef(Z[rows], rowvar=False)))
    U = np.stack([np.linalg.solve(Ls[g], Z[t]) for t, g in enumerate(market)])   # u_t = L_g^-1 z_t
    zs = [U[:, k] for k in range(K)]
    pooled = np.concatenate(zs)
    m, s = pooled.mean(), pooled.std(ddof=1)
    edges = m + s * (-CLIP + 2 * CLIP * np.arange(V + 1) / V)
    tokens = np.empty(N * K, dtype=int)
    conditions = np.empty(N * K, dtype=int)
    for k in range(K):
        tokens[k::K] = np.clip(np.searchsorted(edges, zs[k], side="right") - 1, 0, V - 1)
        conditions[k::K] = k * S + np.array(assets[k]["levels"])
    out = {"assets": assets, "cholesky": [L.ravel().tolist() for L in Ls], "z_correlation": pooled_corr.ravel().tolist(),
           "pooled_cholesky": np.linalg.cholesky(pooled_corr).ravel().tolist(),
           "regime_days": [int((market == g).sum()) for g in range(len(LEVELS) + 1)],
           "vocab_size": V, "levels_per_asset": S, "clip_sigma": CLIP, "z_mean": m, "z_std": s,
           "regime_quantile_levels": LEVELS, "tokens": tokens.tolist(), "conditions": conditions.tolist(),
           "market_regimes": market.tolist()}
    OUT.write_text(json.dumps(out) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
