#!/usr/bin/env python3
"""Reference values for pretraining's corpus encoding (Tests/TGFLCoreTests/PretrainingTests.swift).

Pretraining standardises every series by its OWN GJR-GARCH(1,1)-t filter and tokenizes all of
them with ONE tokenizer fitted on the pooled standardised returns (CorpusEncoding). This script
computes that with `arch` and NumPy only, on two bundled series of very different volatility
(S&P 500 closes, daily sd ~1.2 %, and the USD/DEM rate of 1980-87, ~0.7 %), first 1,000 returns each:

    per series: arch_model(100 r, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit()
                z_t = (r_t - mu) / sigma_t            (arch's conditional volatility / 100)
    shared:     tokenizer = uniform bins over mean(z_all) +- 12 sd(z_all) (ddof 1), V = 64
    tokens      of each series' z under the shared tokenizer

Run: /work/pyref/bin/python Tests/Fixtures/make_pretraining_reference.py   (needs arch, numpy)
"""
import csv
import json
from pathlib import Path

import numpy as np
from arch import arch_model

HERE = Path(__file__).resolve().parent
RES = HERE.parent.parent / "Sources" / "TGFLCore" / "Resources"
OUT = HERE / "pretraining_reference.json"
N, V, CLIP = 1000, 64, 12.0


def log_returns(file, column):
    with (RES / file).open(newline="") as f:
        prices = np.array([float(r[column]) for r in csv.DictReader(f)])
    return np.diff(np.log(prices))[:N]


def main():
    series = []
    zs = []
    for name, file, column in [("sp500.close", "sp500.csv", "close"), ("fx_usd_1980.dem", "fx_usd_1980.csv", "dem")]:
        r = log_returns(file, column)
        res = arch_model(100 * r, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit(disp="off")
        p = res.params
        mu = p["mu"] / 100
        sigma = np.asarray(res.conditional_volatility) / 100
        z = (r - mu) / sigma
        zs.append(z)
        series.append({"name": name, "returns": r.tolist(), "mu": mu, "omega": p["omega"] / 1e4,
                       "alpha": p["alpha[1]"], "gamma": p["gamma[1]"], "beta": p["beta[1]"], "nu": p["nu"],
                       "z": z.tolist()})
    pooled = np.concatenate(zs)
    m, s = pooled.mean(), pooled.std(ddof=1)
    edges = m + s * (-CLIP + 2 * CLIP * np.arange(V + 1) / V)
    for entry, z in zip(series, zs):
        entry["tokens"] = np.clip(np.searchsorted(edges, z, side="right") - 1, 0, V - 1).tolist()
    OUT.write_text(json.dumps({"vocab_size": V, "clip_sigma": CLIP, "z_mean": m, "z_std": s,
                               "series": series}) + "\n")
    print(f"wrote {OUT}: z mean {m:.4f} sd {s:.4f}; " + ", ".join(
        f"{e['name']}: omega {e['omega']:.3e} beta {e['beta']:.4f}" for e in series))


if __name__ == "__main__":
    main()
