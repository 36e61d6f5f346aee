#!/usr/bin/env python3
"""Reference values for the z marginal map of generation (issue 19, session 16;
Tests/TGFLCoreTests/ZMarginalMapTests.swift, Sources/TGFLCore/Data/VolatilityModel+ZMarginal.swift).

NumPy's construction of the map, independent of the Swift code:
  C_k = (Σ_{j<k} n_j) / Σ n_j, k = 0 … V      (pilot token counts n_j; C_0 = 0, C_V = 1)
  y_k = numpy.quantile(public_z, C_k)           (NumPy's default: linear, type 7)
  T(z) = numpy.interp(z, edges, y)              (linear between edges, y_0 / y_V outside)
Cases (numpy.random.default_rng seeds given):
  - "t5": 16 bins on [−4, 4], counts ~ Poisson(200 · N(0,1) density mass) with bins 0 and 3 set to 0,
    1,000 public z ~ Student t(5) / sqrt(5/3) (seed 19); 41 probes on [−5, 5] and every edge;
  - "skewed": 9 uneven edges, counts [0, 3, 10, 40, 80, 40, 9, 1], 300 public z from a skewed mixture (seed 20).
Run: /work/pyref/bin/python Tests/Fixtures/make_z_marginal_reference.py
"""
import json
from pathlib import Path

import numpy as np
from scipy import stats

OUT = Path(__file__).resolve().parent / "z_marginal_reference.json"


def case(edges, counts, public_z, probes):
    edges, counts = np.asarray(edges, float), np.asarray(counts, int)
    c = np.concatenate([[0], np.cumsum(counts)]) / counts.sum()
    y = np.quantile(public_z, c)
    return {"edges": edges.tolist(), "counts": counts.tolist(), "public_z": np.asarray(public_z).tolist(),
            "targets": y.tolist(), "probes": np.asarray(probes).tolist(),
            "mapped": np.interp(probes, edges, y).tolist()}


def main():
    rng = np.random.default_rng(19)
    edges = np.linspace(-4, 4, 17)
    mass = np.diff(stats.norm.cdf(edges))
    counts = rng.poisson(200 * mass)
    counts[0] = counts[3] = 0
    t5 = rng.standard_t(5, 1000) / np.sqrt(5 / 3)
    probes = np.concatenate([np.linspace(-5, 5, 41), edges])
    rng2 = np.random.default_rng(20)
    skew_z = np.concatenate([rng2.normal(-0.3, 0.8, 200), rng2.normal(0.6, 1.4, 100)])
    skew_edges = [-6, -2.5, -1.2, -0.4, 0, 0.3, 1.1, 2.7, 7]
    out = {"numpy": np.__version__, "cases": {
        "t5": case(edges, counts, t5, probes),
        "skewed": case(skew_edges, [0, 3, 10, 40, 80, 40, 9, 1], skew_z, np.linspace(-7, 8, 31)),
    }}
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
