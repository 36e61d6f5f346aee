#!/usr/bin/env python3
"""Writes Tests/Fixtures/report_reference.json: golden values for the HTML report's numbers
(TGFLReport.ScenarioReportData), computed with NumPy and statsmodels from seeded samples:

- fan bands: numpy.quantile ('linear') over paths of P_t = 100·exp(cumsum r), t = 0 … H, and
  the same over every H-day window of the real series (stride 1);
- densities: numpy.histogram(density=True) on numpy.linspace edges between the smaller 0.1 %
  and the larger 99.9 % quantile of both samples (1-day returns and overlapping 20-day sums);
- QQ: numpy.quantile of both samples at the report's probabilities;
- dependence: the 5 % and 95 % quantiles over non-overlapping real chunks of H days of the
  statsmodels ACF of r, |r|, r² and of the leverage curve corr(r_t, r²_t+k); the path average;
- per regime: numpy std (ddof 0), historical 1 % VaR/ES (VaR = −q, ES = −mean{r ≤ q}).

    /work/pyref/bin/python Tests/Fixtures/make_report_reference.py
"""
import json
import os

import numpy as np
from statsmodels.tsa.stattools import acf

SEED = 20261205
rng = np.random.default_rng(SEED)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report_reference.json")

N_REAL, N_PATHS, H, K = 700, 40, 60, 20
LEVELS = [0.05, 0.25, 0.5, 0.75, 0.95]
QQ_P = [0.001, 0.0025, 0.005] + [(i + 0.5) / 200 for i in range(200)] + [0.995, 0.9975, 0.999]


def garch_like(n, rng):
    """Returns with volatility clustering and leverage (so every curve is non-trivial)."""
    r = np.empty(n)
    s2 = 1e-4
    for t in range(n):
        z = rng.standard_t(5) / np.sqrt(5 / 3)
        r[t] = np.sqrt(s2) * z
        s2 = 2e-6 + 0.08 * r[t] ** 2 + 0.06 * (r[t] < 0) * r[t] ** 2 + 0.86 * s2
    return r


real = garch_like(N_REAL, rng)
paths = np.stack([garch_like(H, rng) * 1.1 for _ in range(N_PATHS)])
regime_real = real[real < np.quantile(real, 0.7)][:300]


def fl(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def price(r):
    return 100 * np.exp(np.concatenate([[0.0], np.cumsum(r)]))


def bands(prices):
    return [fl(np.quantile(prices, q, axis=0)) for q in LEVELS]


def sums(series, h):
    out = []
    for x in series:
        c = np.concatenate([[0.0], np.cumsum(x)])
        out.extend(c[h:] - c[:-h])
    return np.array(out)


def density(real_x, syn_x):
    lo = min(np.quantile(real_x, 0.001), np.quantile(syn_x, 0.001))
    hi = max(np.quantile(real_x, 0.999), np.quantile(syn_x, 0.999))
    edges = np.linspace(lo, hi, 61)
    return {"edges": fl(edges), "real": fl(np.histogram(real_x, edges, density=True)[0]),
            "synthetic": fl(np.histogram(syn_x, edges, density=True)[0])}


def leverage(x, k_max):
    return [float(np.corrcoef(x[: len(x) - k], x[k:] ** 2)[0, 1]) for k in range(1, k_max + 1)]


def curves(x):
    return {"acf_returns": fl(acf(x, nlags=K, adjusted=False, fft=False)[1:]),
            "acf_absolute": fl(acf(np.abs(x), nlags=K, adjusted=False, fft=False)[1:]),
            "acf_squared": fl(acf(x ** 2, nlags=K, adjusted=False, fft=False)[1:]),
            "leverage": leverage(x, K)}


def risk(x):
    q = np.quantile(x, 0.01)
    return {"std": float(np.std(x)), "var": float(-q), "es": float(-np.mean(x[x <= q]))}


chunks = [real[j * H:(j + 1) * H] for j in range(N_REAL // H)]
chunk_curves = [curves(c) for c in chunks]
path_curves = [curves(p) for p in paths]
keys = ["acf_returns", "acf_absolute", "acf_squared", "leverage"]
real_windows = np.stack([price(real[s:s + H]) for s in range(N_REAL - H + 1)])

ref = {
    "seed": SEED,
    "inputs": {"real": fl(real), "paths": [fl(p) for p in paths], "regime_real": fl(regime_real)},
    "fan": {"bands": bands(np.stack([price(p) for p in paths])), "real_bands": bands(real_windows),
            "real_windows": len(real_windows)},
    "density_1": density(real, paths.ravel()),
    "density_20": density(sums([real], 20), sums(paths, 20)),
    "qq": {"real": fl(np.quantile(real, QQ_P)), "synthetic": fl(np.quantile(paths.ravel(), QQ_P))},
    "dependence": {
        "chunks": len(chunks),
        "low": {k: fl(np.quantile([c[k] for c in chunk_curves], 0.05, axis=0)) for k in keys},
        "high": {k: fl(np.quantile([c[k] for c in chunk_curves], 0.95, axis=0)) for k in keys},
        "synthetic": {k: fl(np.mean([c[k] for c in path_curves], axis=0)) for k in keys},
        "real": curves(real),
    },
    "regime": {"real": risk(regime_real), "synthetic": risk(paths.ravel())},
    "versions": {"numpy": np.__version__},
}
with open(OUT, "w") as f:
    json.dump(ref, f)
print("wrote", OUT)
