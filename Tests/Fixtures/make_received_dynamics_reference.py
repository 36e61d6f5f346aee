#!/usr/bin/env python3
"""Reference values for adapting a model with the RECEIVED volatility dynamics and the new
series' own level (ScenarioModel.adaptingVolatility(..., dynamics: .received);
Tests/TGFLCoreTests/VolatilityAdaptationTests.swift).

The received dynamics are arch's GJR-GARCH(1,1)-t fit of the S&P 500 (first 1,000 returns, from
pretraining_reference.json, written by make_pretraining_reference.py with arch). The new series is
USD/DEM 1980-87 (first 1,000 returns of the same fixture); the level is fitted on its first 80 %
(800 days), with NumPy and arch only:

    mu'    = mean(r)                                   (mean targeting)
    omega' = (1 - (alpha + gamma/2 + beta)) * mean((r - mu')^2)      (variance targeting, Engle & Mezrich)
    sigma_t = arch_model(100 r, Constant, GJR(1,1), t).fix([100 mu', 1e4 omega', alpha, gamma, beta, nu])
              .conditional_volatility / 100
    level edges  = quantile(log sigma, j/8), j = 1..7             (NumPy linear = Hyndman-Fan 7)
    thresholds   = quantile(sigma, [0.40, 0.80, 0.95])
    regime var g = mean sigma^2 over days with thresholds[g-1] <= sigma < thresholds[g]
    sigma floor  = 0.5 min sigma, cap = 1.25 max sigma
    initial      = quantile(log sigma, k/100), k = 0..100

Run: /work/pyref/bin/python Tests/Fixtures/make_received_dynamics_reference.py   (needs arch, numpy)
"""
import json
from pathlib import Path

import numpy as np
from arch import arch_model

HERE = Path(__file__).resolve().parent
OUT = HERE / "received_dynamics_reference.json"
LEVELS, REGIME_Q, TRAIN = 8, [0.40, 0.80, 0.95], 800


def main():
    ref = json.loads((HERE / "pretraining_reference.json").read_text())
    sp, dem = ref["series"][0], ref["series"][1]
    assert sp["name"] == "sp500.close" and dem["name"] == "fx_usd_1980.dem"
    r = np.asarray(dem["returns"][:TRAIN])
    a, g, b, nu = sp["alpha"], sp["gamma"], sp["beta"], sp["nu"]
    mu = r.mean()
    omega = (1 - (a + g / 2 + b)) * np.mean((r - mu) ** 2)
    am = arch_model(100 * r, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t")
    res = am.fix([100 * mu, 1e4 * omega, a, g, b, nu])
    sigma = np.asarray(res.conditional_volatility) / 100
    logs = np.log(sigma)
    edges = np.quantile(logs, np.arange(1, LEVELS) / LEVELS)
    thresholds = np.quantile(sigma, REGIME_Q)
    labels = np.searchsorted(thresholds, sigma, side="right")      # number of thresholds <= sigma
    variances = [float(np.mean(sigma[labels == k] ** 2)) for k in range(len(REGIME_Q) + 1)]
    initial = np.quantile(logs, np.arange(101) / 100)
    own = arch_model(100 * r, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit(disp="off").params
    out = {
        "received": {"mu": sp["mu"], "omega": sp["omega"], "alpha": a, "gamma": g, "beta": b, "nu": nu},
        "train_days": TRAIN, "levels": LEVELS, "regime_quantile_levels": REGIME_Q,
        "mu": mu, "omega": omega, "sigma": sigma.tolist(),
        "level_edges": edges.tolist(), "thresholds": thresholds.tolist(), "regime_variances": variances,
        "sigma_floor": 0.5 * sigma.min(), "sigma_cap": 1.25 * sigma.max(),
        "initial_log_sigma_quantiles": initial.tolist(),
        "own_persistence": own["alpha[1]"] + own["gamma[1]"] / 2 + own["beta[1]"],
    }
    OUT.write_text(json.dumps(out) + "\n")
    print(f"wrote {OUT}: mu {mu:.3e} omega {omega:.3e} (received persistence {a + g / 2 + b:.4f}, "
          f"DEM's own {out['own_persistence']:.4f}); edges {np.round(edges, 3)}")


if __name__ == "__main__":
    main()
