#!/usr/bin/env python3
"""Reference values for the z recalibration of prompted generation (issue 16;
Tests/TGFLCoreTests/ZRecalibrationTests.swift, Sources/TGFLCore/Generation/ZRecalibration.swift).

1. "residuals": the prompt's last WINDOW standardized residuals e_i = (r_i − μ)/σ_i under a GJR-t
   filter with fixed parameters, from arch (`arch_model(prompt, mean="Constant", vol="GARCH", p=1,
   o=1, q=1, dist="t").fix(params)`: resid / conditional_volatility), sorted; the prompt is the
   PROMPT bundled DAX returns before each day (the parameters and days of
   make_conditional_volatility_reference.py). Also NumPy's linear quantiles of them at QUANTILES.
2. "maps": the map T(x) = (1 − λ)·x + λ·Q_e(F(x)) in NumPy, for random float32 logits over V
   uniform bins of z: F is the CDF of softmax(logits / τ) (computed in float64 from the float32
   logits), uniform within each bin; Q_e is np.quantile(e, u, method=...) with the map's "method":
   "linear" (NumPy's default) or "weibull" (h = (n + 1) u, session 12); x are points inside the
   bins (each with its bin index).

Fixed seed (numpy default_rng(2026)). Run: /work/pyref/bin/python Tests/Fixtures/make_z_recalibration_reference.py
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from arch import arch_model

warnings.simplefilter("ignore")
HERE = Path(__file__).resolve().parent
CSV = HERE.parent.parent / "Sources" / "TGFLCore" / "Resources" / "eu_stocks.csv"
OUT = HERE / "z_recalibration_reference.json"
PARAMS = {"mu": 3.65e-4, "omega": 7.24e-6, "alpha": 0.0196, "gamma": 0.1201, "beta": 0.8353, "nu": 5.5}
DAYS = [1487, 1858]
PROMPT = 1000
WINDOW = 250
QUANTILES = [0.01, 0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]


def residuals():
    r = np.diff(np.log(pd.read_csv(CSV)["dax"].values))
    p = PARAMS
    out = []
    for t in DAYS:
        prompt = r[t - PROMPT:t]
        am = arch_model(prompt, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
        res = am.fix([p["mu"], p["omega"], p["alpha"], p["gamma"], p["beta"], p["nu"]])
        e = np.sort((np.asarray(res.resid) / np.asarray(res.conditional_volatility))[-WINDOW:])
        out.append({"day": t, "residuals": e.tolist(), "quantiles": np.quantile(e, QUANTILES).tolist()})
    return out


def make_map(rng, V, lo, hi, tau, weight, n, method="linear"):
    logits = (rng.normal(size=V) * 2).astype(np.float32)
    edges = lo + (hi - lo) * np.arange(V + 1) / V
    l = logits.astype(np.float64) / tau
    w = np.exp(l - l.max())
    cdf = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    e = rng.standard_t(4, size=n) * 1.3
    xs, bins, ys = [], [], []
    for k in range(V):
        for f in (0.0, 0.3, 0.9):
            x = edges[k] + f * (edges[k + 1] - edges[k])
            u = cdf[k] + (cdf[k + 1] - cdf[k]) * f
            xs.append(float(x)); bins.append(k)
            ys.append(float((1 - weight) * x + weight * np.quantile(e, min(1.0, max(0.0, u)), method=method)))
    return {"logits": logits.astype(np.float64).tolist(), "edges": edges.tolist(), "temperature": tau,
            "weight": weight, "residuals": e.tolist(), "x": xs, "bin": bins, "y": ys, "method": method}


def main():
    rng = np.random.default_rng(2026)
    maps = [make_map(rng, 16, -4.0, 4.0, 1.0, 0.5, 37), make_map(rng, 24, -6.0, 6.0, 0.7, 1.0, 250),
            make_map(rng, 8, -3.0, 3.0, 1.3, 0.25, 20)]
    # Session 12: the Weibull position (drawn after the three above, which stay as they were).
    maps += [make_map(rng, 24, -6.0, 6.0, 0.7, 1.0, 250, "weibull"), make_map(rng, 16, -4.0, 4.0, 1.0, 0.75, 37, "weibull")]
    out = {"params": PARAMS, "prompt_days": PROMPT, "window": WINDOW, "quantile_levels": QUANTILES,
           "days": residuals(), "maps": maps}
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}: {[d['quantiles'][0] for d in out['days']]}")


if __name__ == "__main__":
    main()
