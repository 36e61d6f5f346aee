#!/usr/bin/env python3
"""Reference values for the exact-zero returns of joint generation (issue 17, session 14;
Tests/TGFLCoreTests/JointZeroReturnsTests.swift, Sources/TGFLCore/Joint/JointDataModels+ZeroReturns.swift).

The bundled eu_stocks prices (DAX, SMI, CAC, FTSE; 3.4-4.7 % exact-zero log returns, many on the
same holidays). For each asset k, z_kt = resid / conditional_volatility of arch's GJR-t filter at
fixed parameters (`arch_model(span, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fix`,
each span with its own backcast), and the token b_kt of z_kt under a uniform tokenizer with fixed
m, s, c, V (edge_i = m + s * (-c + 2c * i / V), bin b = [edge_b, edge_{b+1}), values beyond the
range clip to the extreme bins). With c_kt = the number of assets j < k with r_jt == 0:

  shares[k][b]      = #{t : c_kt = 0, b_kt = b, r_kt = 0} / #{t : c_kt = 0, b_kt = b}   (0 without days)
  after_zeros[k][c] = #{t : c_kt = c, r_kt = 0} / #{t : c_kt = c}   for c = 1 ... k      (0 otherwise)

Also the co-occurrence on the same days: days with exactly m zero assets, m = 0 ... K.
Cases: "one" (days 0..<1487, the benchmark's training days, as one span), "two" (days 0..<700 and
700..<1487 as two spans). Deterministic.
Run: /work/pyref/bin/python Tests/Fixtures/make_joint_zero_returns_reference.py
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from gjr_fit import fixed_filter_z, uniform_tokens

warnings.simplefilter("ignore")
HERE = Path(__file__).resolve().parent
CSV = HERE.parent.parent / "Sources" / "TGFLCore" / "Resources" / "eu_stocks.csv"
OUT = HERE / "joint_zero_returns_reference.json"
ASSETS = ["dax", "smi", "cac", "ftse"]
PARAMS = [
    {"mu": 6.0e-4, "omega": 2.0e-6, "alpha": 0.04, "gamma": 0.08, "beta": 0.90, "nu": 6.0},
    {"mu": 7.0e-4, "omega": 1.5e-6, "alpha": 0.05, "gamma": 0.07, "beta": 0.89, "nu": 7.0},
    {"mu": 4.0e-4, "omega": 3.0e-6, "alpha": 0.03, "gamma": 0.06, "beta": 0.91, "nu": 8.0},
    {"mu": 4.0e-4, "omega": 1.0e-6, "alpha": 0.05, "gamma": 0.05, "beta": 0.90, "nu": 10.0},
]
TOKENIZER = {"vocab_size": 128, "mean": 0.0, "std": 1.0, "clip_sigma": 6.0}
CASES = {"one": [[0, 1487]], "two": [[0, 700], [700, 1487]]}


def tokens(z):
    return uniform_tokens(z, TOKENIZER)


def main():
    prices = pd.read_csv(CSV)[ASSETS].values.astype(float)
    r = np.diff(np.log(prices), axis=0)
    K, V = len(ASSETS), TOKENIZER["vocab_size"]
    out = {"assets": ASSETS, "params": PARAMS, "tokenizer": TOKENIZER, "cases": {}}
    for name, spans in CASES.items():
        x = np.concatenate([r[a:b] for a, b in spans])
        zero = x == 0
        toks = np.stack([np.concatenate([tokens(fixed_filter_z(r[a:b, k], PARAMS[k])) for a, b in spans])
                         for k in range(K)], axis=1)
        shares, after = [], []
        for k in range(K):
            c = zero[:, :k].sum(axis=1)
            first = c == 0
            days = np.bincount(toks[first, k], minlength=V)
            zeros = np.bincount(toks[first & zero[:, k], k], minlength=V)
            shares.append(np.where(days > 0, zeros / np.maximum(days, 1), 0.0).tolist())
            row = [0.0] * K
            for m in range(1, k + 1):
                n = (c == m).sum()
                row[m] = float((zero[:, k] & (c == m)).sum() / n) if n > 0 else 0.0
            after.append(row)
        out["cases"][name] = {"spans": spans, "shares": shares, "after_zeros": after,
                              "zero_days": zero.sum(axis=0).tolist(),
                              "days_by_zero_count": np.bincount(zero.sum(axis=1), minlength=K + 1).tolist(),
                              "days": int(len(x))}
    OUT.write_text(json.dumps(out) + "\n")
    for name, c in out["cases"].items():
        print(name, "zero days per asset", c["zero_days"], "of", c["days"], "days by zero count", c["days_by_zero_count"])
        for k in range(K):
            nz = {i: round(v, 4) for i, v in enumerate(c["shares"][k]) if v > 0}
            print(" ", ASSETS[k], "shares", nz, "after_zeros", [round(v, 4) for v in c["after_zeros"][k]])


if __name__ == "__main__":
    main()
