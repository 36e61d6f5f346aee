#!/usr/bin/env python3
"""Reference values for the dependence matching with sign->size scales (issue 12, session 13;
`VolatilityModel.matchDependence` with `generationZSignScales`,
Tests/TGFLCoreTests/DependenceMatchTests.swift `testMatchingSimulatesTheSignScales`).

The same S&P 500 training span, fair curves, bounds and draws as make_dependence_reference.py
(whose helpers this imports), and its GJR-t parameters as written in dependence_reference.json
(arch's filter at those fixed parameters: a new fit may land 1e-6 away), with the scales of the
generated z:

    z_t = arch's GJR-t residuals;  cell_t = sum_{j<2} 2^j 1[z_{t-1-j} >= 0]  (K = 2)
    a_i = mean |z_t| in cell i (t >= 2), a = mean over all, p_i shares, k_i = a_i / a,
    c_i = k_i / sqrt(sum_i p_i k_i^2)                          (as make_z_sign_scales_reference.py)
    q = mean(z >= 0),  pi_i = prod_j (q if bit j of i else 1 - q),  s_d = sum_i pi_i c_i^d
    candidates: as make_dependence_reference.py with the moments m_d, m_dn times s_d
    simulation: day t's z times c[cell of the path's previous 2 draws] for t >= 2, power 1's
                scale S = mean|r - mu| / (m1 s_1)

Written: the factors, q, s_2, s_1, the scaled candidates, every scaled candidate's criterion on
the seed-7 draws of make_dependence_reference.py (the Swift simulation must give the same numbers),
and on an independent simulation of 512 scaled paths (seed 11): the scaled candidates
("independent_criteria") and the unscaled candidates, i.e. the recursions matching without the
scales chooses from, run with the scales ("independent_criteria_unscaled_candidates").

Run: /work/pyref/bin/python Tests/Fixtures/make_dependence_scaled_reference.py   (needs arch, numpy)
"""
import json
from pathlib import Path

import numpy as np
from arch import arch_model

from gjr_fit import sp500_log_returns
from make_dependence_reference import H, candidates, curves, simulate

HERE = Path(__file__).resolve().parent
OUT = HERE / "dependence_scaled_reference.json"
REF = HERE / "dependence_reference.json"
LAGS = 2


def sign_scales(z, lags):
    cell = sum((z[lags - 1 - j:len(z) - 1 - j] >= 0).astype(int) << j for j in range(lags))
    nxt = np.abs(z[lags:])
    a = nxt.mean()
    k = np.array([nxt[cell == i].mean() / a for i in range(2 ** lags)])
    p = np.array([np.mean(cell == i) for i in range(2 ** lags)])
    return k / np.sqrt((p * k * k).sum())


def main():
    ref = json.loads(REF.read_text())
    r = sp500_log_returns()
    train = r[: ref["train_days"]]
    mu, omega, a, g, b, nu = (ref[k] for k in ("mu", "omega", "alpha", "gamma", "beta", "nu"))
    fixed = arch_model(100 * train, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fix(
        [100 * mu, 1e4 * omega, a, g, b, nu])
    sigma = np.asarray(fixed.conditional_volatility) / 100
    z = (train - mu) / sigma
    assert abs(np.mean(z ** 2) / ref["m2"] - 1) < 1e-9, "arch's filter at the reference's parameters"
    c = sign_scales(z, LAGS)
    q = np.mean(z >= 0)
    pi = np.array([np.prod([q if i >> j & 1 else 1 - q for j in range(LAGS)]) for i in range(2 ** LAGS)])
    s2, s1 = float((pi * c ** 2).sum()), float((pi * c).sum())
    m2, m2n = np.mean(z ** 2), np.mean(z ** 2 * (z < 0))
    m1, m1n = np.mean(np.abs(z)), np.mean(np.abs(z) * (z < 0))
    V = np.mean((train - mu) ** 2)
    raw = {2: (m2, m2n), 1: (m1, m1n)}
    moments = {2: (m2 * s2, m2n * s2), 1: (m1 * s1, m1n * s1)}
    scale = {2: V, 1: np.mean(np.abs(train - mu)) / (m1 * s1)}
    scale_raw = {2: V, 1: np.mean(np.abs(train - mu)) / m1}
    qs = np.array(ref["initial_log_sigma_quantiles"])
    lo, hi = ref["sigma_floor"], ref["sigma_cap"]
    chunks = [train[i * H:(i + 1) * H] for i in range(len(train) // H)]
    fa, fl = curves(chunks)
    cands, cands_raw = candidates(a, g, b, moments), candidates(a, g, b, raw)

    def criteria(cs, mom, sc, u, idx):
        out = []
        for cd in cs:
            pe = cd[0] * mom[cd[3]][0] + cd[1] * mom[cd[3]][1] + cd[2]
            A, L = curves(simulate(mu, sc[cd[3]] * max(1 - pe, 1e-3), *cd, qs, lo, hi, z, u, idx, factors=c))
            out.append(float(np.linalg.norm(fa - A) + np.linalg.norm(fl - L)))
        return out

    rng = np.random.default_rng(7)
    u, idx = rng.uniform(size=64), rng.integers(0, len(z), size=(64, H))
    rng2 = np.random.default_rng(11)
    u2, idx2 = rng2.uniform(size=512), rng2.integers(0, len(z), size=(512, H))
    out = {
        "lags": LAGS, "factors": c.tolist(), "nonnegative_share": q, "s2": s2, "s1": s1,
        "absolute_scale": scale[1], "candidates": [list(x) for x in cands],
        "criteria": criteria(cands, moments, scale, u, idx),
        "independent_criteria": criteria(cands, moments, scale, u2, idx2),
        "independent_criteria_unscaled_candidates": criteria(cands_raw, raw, scale_raw, u2, idx2),
    }
    OUT.write_text(json.dumps(out))
    ic, iu = out["independent_criteria"], out["independent_criteria_unscaled_candidates"]
    print(f"wrote {OUT}: factors {np.round(c, 4).tolist()}, q {q:.4f}, s2 {s2:.5f}, s1 {s1:.5f}; scaled process: "
          f"best of the scaled candidates {min(ic):.4f} (candidate {int(np.argmin(ic))}), "
          f"best of the unscaled ones {min(iu):.4f} (candidate {int(np.argmin(iu))})")


if __name__ == "__main__":
    main()
