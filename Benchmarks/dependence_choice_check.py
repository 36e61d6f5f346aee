#!/usr/bin/env python3
"""Which rule should choose the generation recursion? Every candidate of `matchDependence`'s grids,
scored once, so that any choice rule can be evaluated on all 18 bundled series without rerunning
(issue 12; BENCHMARKS.md "Leverage, EGARCH and the choice rule (session 11)").

For every bundled series, trained on its first 80 % (the realism protocol), with `arch`:
the GJR-t fit (power 2) gives the training z and (α, γ) of the power-2 and power-1 grids (as
`VolatilityModel.matchDependence` since session 10); an EGARCH(1,1,1)-t fit gives the (α, γ) of
the log-variance grid (Benchmarks/volatility_power_check.py, `eg`). Each candidate — the fitted
GJR, the power-2, power-1 and EGARCH grids — is simulated on

- the 256 matching paths (seed 42; the criterion's draws, common to all candidates): its
  ACF|r| L2 error (lags 1–50) and leverage L2 error (lags 1–20) against the *training* span's
  own 250-day chunks — the two terms of matchDependence's criterion;
- 1,000 independent scoring paths: the same two errors against the *full* series' fair curves
  (what the realism benchmark scores), and the lag-1 ACF and leverage.

Then each rule picks one candidate per series from the training terms only, and the script counts
the targets its pick passes (ACF ≤ GARCH-t's, leverage ≤ GJR skew-t's; from the realism JSON
files) and the mean errors. Rules: `sum` (acf + lev, matchDependence's) over the grids {2, 1}
(session 10) and {2, 1, EGARCH}; weighted sums acf + w·lev; and guards for short training spans
(fewer than 8 chunks: the fitted candidate, or the power-2 grid only).

With --match-fraction 0.8 the fits and the criterion see only the first 80 % of the training span,
as in `Trainer` (its last 20 % is the validation span, which `DataModels.fit` does not see).

Run: /work/pyref/bin/python Benchmarks/dependence_choice_check.py [--series a,b] [--json out.json]
     [--match-fraction 0.8]
     (seed 42; needs arch, numpy, pandas; about 10 min on one busy core)
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dependence_diagnosis import fair  # noqa: E402
from realism_baselines import bundled_series, TRAIN_FRACTION  # noqa: E402
from volatility_power_check import (H, MATCH_PATHS, PERSISTENCES, SCALES, SCORE_PATHS, SQRT2_OV_PI,  # noqa: E402
                                    curves_fast, fit, simulate, targets)

MIN_CHUNKS = 8


def candidates(f, e):
    """(kind, α, γ, β, δ) in matchDependence's order: the fitted GJR, the power-2 and power-1 grids
    (the GJR fit's α, γ), then the EGARCH grid (the EGARCH fit's α, γ; δ = 0), its fitted one first."""
    z = f["z"]
    out = [("fit", f["alpha"], f["gamma"], f["beta"], 2.0)]
    for d in (2.0, 1.0):
        m, mn = np.mean(np.abs(z) ** d), np.mean(np.abs(z) ** d * (z < 0))
        for k in SCALES:
            for p in PERSISTENCES:
                a, g = k * f["alpha"], k * f["gamma"]
                b = p - a * m - g * mn
                if b >= 0:
                    out.append((f"p{d:.0f}", a, g, b, d))
    out.append(("eg", e["alpha"], e["gamma"], e["beta"], 0.0))
    out += [("eg", k * e["alpha"], k * e["gamma"], p, 0.0) for k in SCALES for p in PERSISTENCES]
    return out


def omega(f, train, a, g, b, d):
    """The intercept each candidate is simulated with (volatility_power_check.match's)."""
    z = f["z"]
    if d == 0:
        return np.mean(np.log(f["sigma"] ** 2)) * (1 - b) - a * (np.mean(np.abs(z)) - SQRT2_OV_PI) - g * np.mean(z)
    m = np.mean(np.abs(z) ** d)
    pe = a * m + g * np.mean(np.abs(z) ** d * (z < 0)) + b
    return np.mean(np.abs(train - f["mu"]) ** d) / m * max(1 - pe, 1e-3)


RULES = {
    "sum, grids 2+1 (session 10)": dict(kinds=("fit", "p2", "p1"), w=1.0),
    "sum, grids 2+1+EGARCH": dict(kinds=("fit", "p2", "p1", "eg"), w=1.0),
    "acf + 0.5 lev, grids 2+1": dict(kinds=("fit", "p2", "p1"), w=0.5),
    "acf + 1.5 lev, grids 2+1": dict(kinds=("fit", "p2", "p1"), w=1.5),
    "acf + 2 lev, grids 2+1": dict(kinds=("fit", "p2", "p1"), w=2.0),
    "acf + 1.5 lev, grids 2+1+EGARCH": dict(kinds=("fit", "p2", "p1", "eg"), w=1.5),
    "sum, grids 2+1; < 8 chunks: fitted": dict(kinds=("fit", "p2", "p1"), w=1.0, short=("fit",)),
    "sum, grids 2+1; < 8 chunks: grid 2": dict(kinds=("fit", "p2", "p1"), w=1.0, short=("fit", "p2")),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", default=None)
    ap.add_argument("--realism", default="/work/bench/s9/realism/rest10.json,/work/bench/s9/real9/slow.json")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json", default=None)
    ap.add_argument("--match-fraction", type=float, default=1.0,
                    help="fit and match on the first part of the training span only (0.8: Trainer's split, "
                         "whose last 20 %% is validation)")
    a = ap.parse_args()
    tg = targets(a.realism.split(","))
    wanted = a.series.split(",") if a.series else None
    table = []
    for si, (name, r) in enumerate(bundled_series()):
        if wanted and name not in wanted:
            continue
        train = r[: int(np.floor(len(r) * TRAIN_FRACTION))]
        train = train[: int(np.floor(len(train) * a.match_fraction))]
        f, e = fit(train, "p2"), fit(train, "eg")
        chunks = np.array([train[i * H:(i + 1) * H] for i in range(len(train) // H)])
        Af, Lf = curves_fast(chunks)
        A0, L0 = fair(r)
        rng = np.random.default_rng(a.seed)
        u_m, i_m = rng.uniform(size=MATCH_PATHS), rng.integers(0, len(f["z"]), size=(MATCH_PATHS, H))
        rng = np.random.default_rng([a.seed, si])
        u_s, i_s = rng.uniform(size=SCORE_PATHS), rng.integers(0, len(f["z"]), size=(SCORE_PATHS, H))
        lo, hi = 0.5 * f["sigma"].min(), 3 * f["sigma"].max()
        rows = []
        for kind, al, ga, be, d in candidates(f, e):
            om = omega(f, train, al, ga, be, d)
            A, L = curves_fast(simulate(f, al, ga, be, om, u_m, i_m, lo, hi, d))
            As, Ls = curves_fast(simulate(f, al, ga, be, om, u_s, i_s, lo, hi, d))
            rows.append(dict(kind=kind, alpha=al, gamma=ga, beta=be, delta=d,
                             train_acf=float(np.linalg.norm(A - Af)), train_lev=float(np.nan_to_num(np.linalg.norm(L - Lf), nan=9)),
                             acf=float(np.linalg.norm(As - A0)), lev=float(np.linalg.norm(Ls - L0)),
                             acf1=float(As[0]), lev1=float(Ls[0])))
        t = tg.get(name, {})
        table.append(dict(series=name, chunks=len(chunks), real_acf1=float(A0[0]), real_lev1=float(L0[0]), **t,
                          candidates=rows))
        print(f"== {name}: {len(chunks)} chunks, {len(rows)} candidates; targets ACF ≤ {t.get('garch_acf', np.nan):.3f}, "
              f"lev ≤ {t.get('gjr_lev', np.nan):.3f}", flush=True)
        for rule, spec in RULES.items():
            c = pick(table[-1], spec)
            print(f"  {rule:38s} → {c['kind']:3s} a {c['alpha']:.3f} g {c['gamma']:+.3f} b {c['beta']:.3f}: "
                  f"acf {c['acf']:.3f} lev {c['lev']:.3f} lev1 {c['lev1']:+.3f} (real {A0[0]:.3f} / {L0[0]:+.3f})", flush=True)
    summary(table)
    if a.json:
        Path(a.json).write_text(json.dumps(table, indent=1) + "\n")


def pick(s, spec):
    kinds = spec.get("short", spec["kinds"]) if s["chunks"] < MIN_CHUNKS and "short" in spec else spec["kinds"]
    rows = [c for c in s["candidates"] if c["kind"] in kinds]
    return min(rows, key=lambda c: c["train_acf"] + spec["w"] * c["train_lev"])


def summary(table):
    print("\nrule: ACF ≤ GARCH-t's, leverage ≤ GJR's (of the series), mean errors, mean lag-1 leverage")
    for rule, spec in RULES.items():
        acf = lev = 0
        ea, el, l1 = [], [], []
        for s in table:
            c = pick(s, spec)
            acf += c["acf"] <= s.get("garch_acf", -1)
            lev += c["lev"] <= s.get("gjr_lev", -1)
            ea.append(c["acf"]); el.append(c["lev"]); l1.append(c["lev1"])
        print(f"  {rule:38s} ACF {acf:2d}  lev {lev:2d}  both {acf + lev:2d}  mean acf {np.mean(ea):.3f}  "
              f"mean lev {np.mean(el):.3f}  lev1 {np.mean(l1):+.3f}")


if __name__ == "__main__":
    main()
