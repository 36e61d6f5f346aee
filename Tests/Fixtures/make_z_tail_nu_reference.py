#!/usr/bin/env python3
"""Reference values for the tail's own index of the generated z's t tails (issue 12, session 15;
Tests/TGFLCoreTests/ZTailNuTests.swift, Sources/TGFLCore/Data/VolatilityModel+ZTail.swift,
Sources/TGFLStats/Tails/HillEstimator.swift).

The Hill statistic of Student's t at tail fraction f, by scipy.integrate.quad:
    q = t.isf(f, nu),   h_nu(f) = E[ln(T/q) | T > q] = (1/f) * quad(t.sf(x, nu) / x, q, inf)
The rule, per side (lower: y = -z, upper: y = z), with n values and k = floor(0.05 n):
    H = mean(ln y_(1..k)) - ln y_(k+1)            (numpy Hill, y sorted descending)
    nu = the root of h_nu(0.05) = H (scipy.optimize.brentq on ln nu), bounded to [3, 100]
    (3 when H >= h_3, 100 when H <= h_100); no nu when k < 20.
Samples (numpy default_rng(15)): an asymmetric one (lower tail of t_4, upper of t_12; n = 1,500 and
6,000), a heavy one (Pareto tails of index 1.2: the bound 3) and a light one (uniform: the bound 100),
and the DAX: arch's GJR-t fit on the first 1,487 bundled DAX log returns (gjr_fit.py), z from arch's
filter at those parameters (`fixed_filter_z`), each side's nu, and the fit's rule: each side's nu
capped at the filter's (min(nu_side, nu_filter)). Deterministic.
Run: /work/pyref/bin/python Tests/Fixtures/make_z_tail_nu_reference.py
"""
import csv
import json
from pathlib import Path

import numpy as np
from scipy import integrate, optimize, stats

from gjr_fit import fit_gjr_t, fixed_filter_z

HERE = Path(__file__).resolve().parent
OUT = HERE / "z_tail_nu_reference.json"
EU_CSV = HERE.parent.parent / "Sources" / "TGFLCore" / "Resources" / "eu_stocks.csv"
F, LO, HI, KMIN = 0.05, 3.0, 100.0, 20


def h_t(nu, f):
    q = stats.t.isf(f, nu)
    v, _ = integrate.quad(lambda x: stats.t.sf(x, nu) / x, q, np.inf, limit=400, epsabs=0, epsrel=1e-12)
    return v / f


def nu_for(h):
    if h >= h_t(LO, F):
        return LO
    if h <= h_t(HI, F):
        return HI
    return float(np.exp(optimize.brentq(lambda l: h_t(np.exp(l), F) - h, np.log(LO), np.log(HI), xtol=1e-14, rtol=1e-14)))


def hill(y, k):
    s = np.sort(y)[::-1]
    return float(np.mean(np.log(s[:k])) - np.log(s[k]))


def sides(z):
    k = int(np.floor(F * len(z)))
    if k < KMIN:
        return None
    out = {"k": k}
    for side, y in [("lower", -z), ("upper", z)]:
        h = hill(y, k)
        out[side] = {"hill": h, "nu": nu_for(h)}
    return out


def main():
    rng = np.random.default_rng(15)
    grid = [{"nu": nu, "fraction": f, "h": h_t(nu, f)}
            for nu in [2.5, 3.0, 4.0, 5.5, 8.0, 12.0, 30.0, 100.0] for f in [0.01, 0.05, 0.1]]
    samples = []
    for n in [1500, 6000]:
        lower = -np.abs(rng.standard_t(4, size=n))
        upper = np.abs(rng.standard_t(12, size=n))
        z = np.where(rng.random(n) < 0.5, lower, upper)
        samples.append({"name": f"t4_t12_n{n}", "z": z.tolist(), "expected": sides(z)})
    n = 1000
    z = rng.choice([-1.0, 1.0], size=n) * (rng.pareto(1.2, size=n) + 1.0)
    samples.append({"name": "pareto1.2", "z": z.tolist(), "expected": sides(z)})
    z = rng.uniform(-1.7, 1.7, size=n)
    samples.append({"name": "uniform", "z": z.tolist(), "expected": sides(z)})
    z = rng.standard_t(5, size=399)
    samples.append({"name": "too_few", "z": z.tolist(), "expected": sides(z)})
    # The DAX: arch's fit on the first 80 %, z from arch's filter at those parameters.
    with EU_CSV.open(newline="") as fh:
        prices = np.array([float(r["dax"]) for r in csv.DictReader(fh)])
    r = np.diff(np.log(prices))
    span = r[: int(np.floor(0.8 * len(r)))]
    _, mu, omega, alpha, gamma, beta, nu, _ = fit_gjr_t(span)
    params = {"mu": mu, "omega": omega, "alpha": alpha, "gamma": gamma, "beta": beta, "nu": nu}
    z = fixed_filter_z(span, params)
    e = sides(z)
    rule = {side: min(e[side]["nu"], nu) for side in ["lower", "upper"]}
    dax = {"days": len(span), "params": params, "expected": e, "expected_rule": rule}
    OUT.write_text(json.dumps({"fraction": F, "bounds": [LO, HI], "minimum_exceedances": KMIN,
                               "grid": grid, "samples": samples, "dax": dax}) + "\n")


if __name__ == "__main__":
    main()
