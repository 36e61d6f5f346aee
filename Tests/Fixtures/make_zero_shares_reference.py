#!/usr/bin/env python3
"""Reference values for the point mass at zero of v2 generation (issue 12, session 13;
Tests/TGFLCoreTests/ZeroSharesTests.swift, Sources/TGFLCore/Data/VolatilityModel+ZeroShares.swift).

The residuals z_t = resid / conditional_volatility of arch's GJR-t filter at fixed parameters
(`arch_model(span, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fix(params)`) on each
span of the bundled Siemens log returns (8 % exact zeros); the token of z_t under a uniform
tokenizer with fixed m, s, c, V (edge_i = m + s * (-c + 2c * i / V), bin k = [edge_k, edge_{k+1}),
values beyond the range clip to the extreme bins); then per token b
q_b = #{t : b_t = b, r_t == 0} / #{t : b_t = b} (0 for a token without days).

Cases: "one" (days 0..<3000 as one span), "two" (days 0..<1500 and 1500..<3000 as two spans,
each with its own backcast). Deterministic.
Run: /work/pyref/bin/python Tests/Fixtures/make_zero_shares_reference.py
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from gjr_fit import fixed_filter_z, uniform_tokens

warnings.simplefilter("ignore")
HERE = Path(__file__).resolve().parent
CSV = HERE.parent.parent / "Sources" / "TGFLCore" / "Resources" / "siemens.csv"
OUT = HERE / "zero_shares_reference.json"
PARAMS = {"mu": 4.0e-4, "omega": 3.0e-6, "alpha": 0.05, "gamma": 0.06, "beta": 0.90, "nu": 5.0}
TOKENIZER = {"vocab_size": 1024, "mean": 0.0, "std": 1.0, "clip_sigma": 12.0}
CASES = {"one": [[0, 3000]], "two": [[0, 1500], [1500, 3000]]}


def residuals(span):
    return fixed_filter_z(span, PARAMS)


def tokens(z):
    return uniform_tokens(z, TOKENIZER)


def main():
    r = pd.read_csv(CSV)["log_return"].values.astype(float)
    out = {"params": PARAMS, "tokenizer": TOKENIZER, "cases": {}}
    V = TOKENIZER["vocab_size"]
    for name, spans in CASES.items():
        toks = np.concatenate([tokens(residuals(r[a:b])) for a, b in spans])
        zero = np.concatenate([r[a:b] == 0 for a, b in spans])
        days = np.bincount(toks, minlength=V)
        zeros = np.bincount(toks[zero], minlength=V)
        q = np.where(days > 0, zeros / np.maximum(days, 1), 0.0)
        out["cases"][name] = {"spans": spans, "shares": q.tolist(), "zero_days": int(zero.sum()),
                              "days": int(len(zero))}
    OUT.write_text(json.dumps(out) + "\n")
    for name, c in out["cases"].items():
        nz = {i: round(v, 4) for i, v in enumerate(c["shares"]) if v > 0}
        print(name, c["zero_days"], "of", c["days"], nz)


if __name__ == "__main__":
    main()
