#!/usr/bin/env python3
"""Reference values for the sign→size scales of the generated z (issue 12, session 12;
Tests/TGFLCoreTests/ZSignScalesTests.swift, Sources/TGFLCore/Data/VolatilityModel+SignScales.swift).

The residuals z_t = resid / conditional_volatility of arch's GJR-t filter at fixed parameters
(`arch_model(span, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fix(params)`) on each
span of the bundled DAX returns; then, over the days t >= K of each span (cells never cross spans):
cell_t = sum_j 2^j * 1[z_{t-1-j} >= 0] (j < K), a_i = mean |z_t| in cell i, a = mean over all,
p_i the shares, k_i = a_i / a, c_i = k_i / sqrt(sum_i p_i k_i^2).

Cases: "one" (K = 1, days 0..<1500 as one span), "two" (K = 1, the same days as two spans,
0..<800 and 800..<1500: each span has its own backcast and no pair crosses them), "lags2"
(K = 2, one span). The parameters are those of make_z_recalibration_reference.py. Deterministic.
Run: /work/pyref/bin/python Tests/Fixtures/make_z_sign_scales_reference.py
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from gjr_fit import fixed_filter_z

warnings.simplefilter("ignore")
HERE = Path(__file__).resolve().parent
CSV = HERE.parent.parent / "Sources" / "TGFLCore" / "Resources" / "eu_stocks.csv"
OUT = HERE / "z_sign_scales_reference.json"
PARAMS = {"mu": 3.65e-4, "omega": 7.24e-6, "alpha": 0.0196, "gamma": 0.1201, "beta": 0.8353, "nu": 5.5}
CASES = {"one": (1, [[0, 1500]]), "two": (1, [[0, 800], [800, 1500]]), "lags2": (2, [[0, 1500]])}


def residuals(span):
    return fixed_filter_z(span, PARAMS)


def scales(zs, lags):
    cells, nxt = [], []
    for z in zs:
        c = np.zeros(len(z) - lags, dtype=int)
        for j in range(lags):
            c += (z[lags - 1 - j:len(z) - 1 - j] >= 0).astype(int) << j
        cells.append(c)
        nxt.append(np.abs(z[lags:]))
    cell, nxt = np.concatenate(cells), np.concatenate(nxt)
    a = nxt.mean()
    k = np.array([nxt[cell == i].mean() / a for i in range(2 ** lags)])
    p = np.array([np.mean(cell == i) for i in range(2 ** lags)])
    c = k / np.sqrt((p * k * k).sum())
    return {"lags": lags, "factors": c.tolist(), "counts": [int((cell == i).sum()) for i in range(2 ** lags)]}


def main():
    r = np.diff(np.log(pd.read_csv(CSV)["dax"].values))
    out = {"params": PARAMS, "cases": {}}
    for name, (lags, spans) in CASES.items():
        zs = [residuals(r[a:b]) for a, b in spans]
        out["cases"][name] = {"spans": spans, **scales(zs, lags)}
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out["cases"], indent=1))


if __name__ == "__main__":
    main()
