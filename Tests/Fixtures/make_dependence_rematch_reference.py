#!/usr/bin/env python3
"""Reference values for the candidate grid of `ScenarioModel.rematchDependence` (session 21,
Tests/TGFLCoreTests/DependenceRematchTests.swift), NumPy only.

For a current generation recursion (alpha, gamma, beta, power d):

    m = 1 (d = 2) or sqrt(2/pi) (d = 1)          nominal moments of symmetric unit-variance z
    shock = alpha m + gamma m / 2,  p = shock + beta          (the nominal persistence)
    gap = max(1 - p, 1e-4)
    candidates: the current one first (k = f = 1), then for f in [0.5, 1, 2], k in [0.75, 1, 1.25, 1.5],
                (k, f) != (1, 1):  p' = 1 - f gap,  beta' = p' - k shock,  (k alpha, k gamma, beta', d)
                kept when beta' >= 0 and p' < 1

The cases: a power-2 GJR fit, a power-1 TARCH recursion, a fit beyond the unit root (p > 1:
the gap floor), and a short-memory one whose high-k, f = 2 candidates have beta' < 0 (dropped).

Run: /work/pyref/bin/python Tests/Fixtures/make_dependence_rematch_reference.py   (needs numpy)
"""
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "dependence_rematch_reference.json"
SCALES = [0.75, 1.0, 1.25, 1.5]
FACTORS = [0.5, 1.0, 2.0]
CASES = [(0.02, 0.12, 0.88, 2), (0.05, 0.10, 0.90, 1), (0.01, 0.10, 0.945, 2), (0.3, 0.4, 0.2, 2)]


def grid(alpha, gamma, beta, d):
    m = 1.0 if d == 2 else np.sqrt(2 / np.pi)
    shock = alpha * m + gamma * m / 2
    p = shock + beta
    gap = max(1 - p, 1e-4)
    out = [dict(alpha=alpha, gamma=gamma, beta=beta, power=d, k=1.0, f=1.0)]
    for f in FACTORS:
        for k in SCALES:
            if k == 1.0 and f == 1.0:
                continue
            pp = 1 - f * gap
            b = pp - k * shock
            if b >= 0 and pp < 1:
                out.append(dict(alpha=k * alpha, gamma=k * gamma, beta=b, power=d, k=k, f=f))
    return p, out


cases = []
for a, g, b, d in CASES:
    p, cands = grid(a, g, b, d)
    cases.append(dict(alpha=a, gamma=g, beta=b, power=d, nominal_persistence=p, candidates=cands))
OUT.write_text(json.dumps(dict(shock_scales=SCALES, persistence_factors=FACTORS, cases=cases), indent=1) + "\n")
print(f"wrote {OUT}: {[len(c['candidates']) for c in cases]} candidates")
