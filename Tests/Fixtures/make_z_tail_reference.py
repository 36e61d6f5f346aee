#!/usr/bin/env python3
"""Reference values for the Student-t tails of the generated z (issue 12, session 14;
Tests/TGFLCoreTests/ZTailTests.swift, Sources/TGFLCore/Data/VolatilityModel+ZTail.swift).

One day of the network: softmax weights w_v (float32, as the sampling computes them) over the bins
[edge_v, edge_{v+1}) of a uniform tokenizer; its CDF F is piecewise linear through the knots
(edge_v, sum_{j<v} w_j / W). A value z drawn in bin k has u = F(z); with z_lo = F^{-1}(p),
z_hi = F^{-1}(1 - p) (np.interp on the knots) and Q the t quantile of scipy.stats.t with nu degrees
of freedom:
    u < p      and z_lo < 0:  z' = z_lo * Q(u) / Q(p)
    u > 1 - p  and z_hi > 0:  z' = z_hi * Q'(1 - u) / Q'(p)      (Q': nu_upper, session 15; nu when absent)
    otherwise                 z' = z
then z' is clipped to [edge_0, edge_V]. Cases: random logits (fixed seed) with draws spread over all
bins and forced into the outer bins, several (p, nu), one with nu_upper; a day whose mass lies above zero (z_lo > 0: the
lower tail is left alone). Deterministic.
Run: /work/pyref/bin/python Tests/Fixtures/make_z_tail_reference.py
"""
import json
from pathlib import Path

import numpy as np
from scipy import stats

HERE = Path(__file__).resolve().parent
OUT = HERE / "z_tail_reference.json"
V = 64
EDGES = np.linspace(-12.0, 12.0, V + 1)


def mapped(w, k, z, p, nu, nu_upper=None):
    nu_upper = nu if nu_upper is None else nu_upper
    w = w.astype(np.float64)
    W = w.sum()
    knots = np.concatenate([[0.0], np.cumsum(w)]) / W
    u = np.interp(z, EDGES, knots)
    z_lo = np.interp(p, knots, EDGES)
    z_hi = np.interp(1 - p, knots, EDGES)
    qp = stats.t.ppf(p, nu)
    if u < p and z_lo < 0:
        out = z_lo * stats.t.ppf(max(u, 1e-15), nu) / qp
    elif u > 1 - p and z_hi > 0:
        out = z_hi * stats.t.ppf(max(1 - u, 1e-15), nu_upper) / stats.t.ppf(p, nu_upper)
    else:
        out = z
    return float(np.clip(out, EDGES[0], EDGES[-1]))


def day(rng, centre, width):
    logits = -0.5 * ((EDGES[:-1] + 0.1875 - centre) / width) ** 2 + 0.3 * rng.standard_normal(V)
    return np.exp(logits - logits.max()).astype(np.float32)


def main():
    rng = np.random.default_rng(14)
    cases = []
    for name, centre, width, p, nu, nu_upper in [("p1_nu5.5", 0.0, 1.6, 0.01, 5.5, None),
                                                 ("p2.5_nu3.5", -0.3, 2.0, 0.025, 3.5, None),
                                                 ("p5_nu10", 0.2, 1.2, 0.05, 10.0, None),
                                                 ("above_zero", 4.0, 0.8, 0.05, 5.0, None),
                                                 ("p5_nu4_upper12", -0.1, 1.5, 0.05, 4.0, 12.0)]:
        w = day(rng, centre, width)
        prob = w.astype(np.float64) / w.astype(np.float64).sum()
        ks = list(rng.choice(V, size=200, p=prob)) + [0, 1, 2, V - 3, V - 2, V - 1] * 3
        pos = list(rng.random(len(ks) - 6)) + [0.0] * 6
        draws = []
        for k, a in zip(ks, pos):
            z = EDGES[k] + a * (EDGES[k + 1] - EDGES[k])
            draws.append({"bin": int(k), "z": float(z), "mapped": mapped(w, k, z, p, nu, nu_upper)})
        case = {"name": name, "probability": p, "nu": nu}
        if nu_upper is not None:
            case["nu_upper"] = nu_upper
        cases.append(case | {"weights": [float(x) for x in w], "draws": draws})
    OUT.write_text(json.dumps({"edges": EDGES.tolist(), "cases": cases}) + "\n")


if __name__ == "__main__":
    main()
