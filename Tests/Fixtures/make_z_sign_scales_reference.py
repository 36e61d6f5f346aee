#!/usr/bin/env python3
"""Reference values for the sign→size scales of the generated z (issue 12, session 12;
Tests/TGFLCoreTests/ZSignScalesTests.swift, Sources/TGFLCore/Data/VolatilityModel+SignScales.swift).

The residuals z_t = resid / conditional_volatility of arch's GJR-t filter at fixed parameters
(`arch_model(span, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fix(params)`) on each
span of the bundled DAX returns; then, over the pairs (z_t, z_{t+1}) inside each span:
a_± = mean |z_{t+1}| for z_t < 0 / z_t >= 0, a = mean over all pairs, p_± the shares,
k_± = a_± / a, c_± = k_± / sqrt(p_- k_-^2 + p_+ k_+^2).

Cases: "one" (days 0..<1500 as one span), "two" (the same days as two spans, 0..<800 and
800..<1500: pairs do not cross spans, each span has its own backcast). The parameters are those of
make_z_recalibration_reference.py. Deterministic (no random draws).
Run: /work/pyref/bin/python Tests/Fixtures/make_z_sign_scales_reference.py
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
OUT = HERE / "z_sign_scales_reference.json"
PARAMS = {"mu": 3.65e-4, "omega": 7.24e-6, "alpha": 0.0196, "gamma": 0.1201, "beta": 0.8353, "nu": 5.5}
CASES = {"one": [[0, 1500]], "two": [[0, 800], [800, 1500]]}


def residuals(span):
    p = PARAMS
    am = arch_model(span, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
    res = am.fix([p["mu"], p["omega"], p["alpha"], p["gamma"], p["beta"], p["nu"]])
    return np.asarray(res.resid) / np.asarray(res.conditional_volatility)


def scales(zs):
    prev = np.concatenate([z[:-1] for z in zs])
    nxt = np.abs(np.concatenate([z[1:] for z in zs]))
    neg = prev < 0
    a = nxt.mean()
    k = np.array([nxt[neg].mean() / a, nxt[~neg].mean() / a])
    p = np.array([neg.mean(), 1 - neg.mean()])
    c = k / np.sqrt((p * k * k).sum())
    return {"after_negative": float(c[0]), "after_positive": float(c[1]), "pairs": [int(neg.sum()), int((~neg).sum())],
            "corr_z_z2_next": float(np.corrcoef(prev, nxt ** 2)[0, 1])}


def main():
    r = np.diff(np.log(pd.read_csv(CSV)["dax"].values))
    out = {"params": PARAMS, "cases": {}}
    for name, spans in CASES.items():
        zs = [residuals(r[a:b]) for a, b in spans]
        out["cases"][name] = {"spans": spans, **scales(zs)}
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out["cases"], indent=1))


if __name__ == "__main__":
    main()
