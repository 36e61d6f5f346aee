#!/usr/bin/env python3
"""Reference values for model v2's data encoding (Tests/TGFLCoreTests/VolatilityModelTests.swift).

Model v2 scales each return by a GJR-GARCH(1,1) volatility filter and conditions the network on
the level of that volatility. This script computes, with `arch` and NumPy only, what
`DataModels.encode` must give on the first 1,000 log returns of the bundled S&P 500:

    arch_model(100 r, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit()
    sigma_t   = conditional_volatility / 100       (arch's backcast and recursion; mu, omega rescaled)
    z_t       = (r_t - mu) / sigma_t
    tokens    = uniform bins over mean(z) +- 12 sd(z) (ddof 1), V = 64 (ReturnTokenizer)
    levels    = searchsorted(quantile(log sigma, j/8, linear), log sigma, "right"), S = 8
    regimes   = searchsorted(quantile(sigma, [0.4, 0.8, 0.95], linear), sigma, "right")

Run: /work/pyref/bin/python Tests/Fixtures/make_v2_reference.py   (needs arch, numpy)
"""
import json
from pathlib import Path

import numpy as np

from gjr_fit import fit_gjr_t, sp500_log_returns

HERE = Path(__file__).resolve().parent
OUT = HERE / "v2_encoding_reference.json"
N, V, S, CLIP = 1000, 64, 8, 12.0
LEVELS = [0.4, 0.8, 0.95]


def main():
    r = sp500_log_returns()[:N]
    res, mu, omega, alpha, gamma, beta, nu, sigma = fit_gjr_t(r)
    z = (r - mu) / sigma
    m, s = z.mean(), z.std(ddof=1)
    edges = m + s * (-CLIP + 2 * CLIP * np.arange(V + 1) / V)
    tokens = np.clip(np.searchsorted(edges, z, side="right") - 1, 0, V - 1)
    log_sigma = np.log(sigma)
    level_edges = np.quantile(log_sigma, np.arange(1, S) / S)
    levels = np.searchsorted(level_edges, log_sigma, side="right")
    thresholds = np.quantile(sigma, LEVELS)
    regimes = np.searchsorted(thresholds, sigma, side="right")
    out = {
        "returns": r.tolist(), "mu": mu, "omega": omega, "alpha": alpha, "gamma": gamma, "beta": beta, "nu": nu,
        "loglikelihood": float(res.loglikelihood), "variances": (sigma ** 2).tolist(),
        "z_mean": m, "z_std": s, "vocab_size": V, "clip_sigma": CLIP, "tokens": tokens.tolist(),
        "level_edges": level_edges.tolist(), "levels": levels.tolist(),
        "regime_quantile_levels": LEVELS, "regime_thresholds": thresholds.tolist(), "regimes": regimes.tolist(),
    }
    OUT.write_text(json.dumps(out) + "\n")
    print(f"wrote {OUT}: mu={mu:.3e} omega={omega:.3e} alpha={alpha:.4f} gamma={gamma:.4f} beta={beta:.4f} nu={nu:.2f}")


if __name__ == "__main__":
    main()
