#!/usr/bin/env python3
"""Does a volatility recursion in |r| (power 1) generate better dependence than one in r² (power 2)?
(issue 12; BENCHMARKS.md "The power of the volatility recursion (session 10)").

For every bundled series, trained on its first 80 % (the realism protocol), this script fits with
`arch` (returns x 100, constant mean, Student-t innovations)

- `p2`   GJR-GARCH(1,1,1):  σ²_{t+1} = ω + (α + γ·1[ε_t<0]) ε_t² + β σ²_t          (power 2)
- `p1`   TARCH / ZARCH (Zakoian 1994):  σ_{t+1} = ω + (α + γ·1[ε_t<0]) |ε_t| + β σ_t   (power 1)
- `pd`   APARCH (Ding, Granger & Engle 1993), δ free; arch's (|ε| − γε)^δ rewritten as
         (α' + γ'·1[ε<0]) |ε|^δ with α' = α(1−γ)^δ, γ' = α((1+γ)^δ − (1−γ)^δ),
- `eg`   EGARCH(1,1,1) (Nelson 1991) in log variance, as arch fits it:
         ln σ²_{t+1} = ω + α(|z_t| − √(2/π)) + γ z_t + β ln σ²_t  (z_t = ε_t/σ_t): with γ < 0 a
         negative day raises σ and a positive day *lowers* it, so leverage is less tied to clustering
         (session 11),

and, for each, simulates filtered historical simulation paths (z i.i.d. from that fit's own
training residuals, σ_0 from the training σ's quantiles, σ bounded to [0.5 min, 3 max] of the
training σ) in these variants:

- `fit`:   the fitted coefficients;
- `match`: the coefficients `VolatilityModel.matchDependence` would pick, generalised to power δ
           (α, γ scaled by 0.5–1.5, effective persistence α·E|z|^δ + γ·E[|z|^δ·1(z<0)] + β in
           0.90–0.99, plus the fitted ones; criterion = fair ACF|r| L2 (lags 1–50) + fair leverage
           L2 (lags 1–20) against the *training* span's 250-day chunks, 256 paths, common random
           numbers), which is what TGFL's unconditional generation runs since session 9;
- `match12` (for `p2` only): what `VolatilityModel.matchDependence` does since session 10 — the
           power-2 filter's z and (α, γ), with the power-1 grid added to the power-2 grid and
           one criterion choosing among both.
- `match12e` (for `p2` only, when `eg` is among the kinds): the same, with the EGARCH grid added
           (the EGARCH fit's α, γ scaled by 0.5–1.5, β = the persistence grid 0.90–0.99, plus the
           fitted ones; the log-variance level set to the training σ's mean log variance) — all
           three grids driven by the power-2 filter's z, one criterion choosing among them (session 11).

Each variant is scored on 1,000 × 250 paths against the fair curves of the full series (as
Benchmarks/dependence_diagnosis.py and RealismScorecard): ACF|r| error, leverage error, ACF lag 1
and leverage lag 1, beside the targets (GARCH-t's ACF error and GJR skew-t's leverage error, read
from a `tgfl-bench realism` JSON given with --realism, RealismScorecard's own figures) and TGFL session 9's errors.
The slow level of `matchDependence` is left out: a per-path scale does not change per-path
ACF or leverage curves. Also printed: the over-reaction of each filter (ACF of |z| at lag 1 and
corr(z_t, z²_{t+1}) of its training residuals; 0 for a filter that neither over- nor
under-reacts) and the log-likelihoods.

Run: /work/pyref/bin/python Benchmarks/volatility_power_check.py [--series sp500.close,...]
     [--realism REALISM.json[,MORE.json]] [--json out.json]
     (seed 42; needs arch, numpy, pandas; about 5 min on one core)
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
from arch import arch_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dependence_diagnosis import acf, fair, lev  # noqa: E402  (the fair curves, one definition)
from realism_baselines import bundled_series, TRAIN_FRACTION  # noqa: E402

H = 250
SCALES = [0.5, 0.75, 1.0, 1.25, 1.5]          # VolatilityModel.dependenceShockScales
PERSISTENCES = [0.9, 0.95, 0.97, 0.98, 0.99]  # VolatilityModel.dependencePersistences
MATCH_PATHS, SCORE_PATHS = 256, 1000
SQRT2_OV_PI = np.sqrt(2 / np.pi)               # arch's E|z| in the EGARCH recursion


def curves_fast(paths):
    """Mean ACF|r| (lags 1–50) and leverage (lags 1–20) over paths: dependence_diagnosis.curves,
    vectorised over paths (same definitions: ACF about each path's mean, leverage a Pearson
    correlation of r_t and r²_{t+k})."""
    a = np.abs(paths)
    a = a - a.mean(axis=1, keepdims=True)
    d = (a * a).sum(axis=1)
    A = np.array([((a[:, :-k] * a[:, k:]).sum(axis=1) / d).mean() for k in range(1, 51)])
    L = []
    for k in range(1, 21):
        x, y = paths[:, :-k], paths[:, k:] ** 2
        x = x - x.mean(axis=1, keepdims=True)
        y = y - y.mean(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            c = (x * y).sum(axis=1) / np.sqrt((x * x).sum(axis=1) * (y * y).sum(axis=1))
        L.append(np.nanmean(c))
    return A, np.array(L)


def fit(train, kind):
    """(mu, omega, alpha, gamma, beta, delta, z, sigma, loglik) in return units (not percent)."""
    x = 100 * train
    if kind == "p2":
        m = arch_model(x, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t")
    elif kind == "p1":
        m = arch_model(x, mean="Constant", vol="GARCH", p=1, o=1, q=1, power=1.0, dist="t")
    elif kind == "eg":
        m = arch_model(x, mean="Constant", vol="EGARCH", p=1, o=1, q=1, dist="t")
    else:
        m = arch_model(x, mean="Constant", vol="APARCH", p=1, o=1, q=1, dist="t")
    r = m.fit(disp="off", show_warning=False)
    p = r.params
    z = np.asarray(r.std_resid)
    sigma = np.asarray(r.conditional_volatility) / 100
    if kind == "eg":  # ln σ² in percent² → in return units: ω − (1 − β)·ln 100²; delta 0 marks log variance
        b = p["beta[1]"]
        return dict(mu=p["mu"] / 100, omega=p["omega"] - (1 - b) * np.log(100.0 ** 2), alpha=p["alpha[1]"],
                    gamma=p["gamma[1]"], beta=b, delta=0.0, z=z[np.isfinite(z)], sigma=sigma,
                    loglik=float(r.loglikelihood), nu=float(p["nu"]))
    a, g, b = p["alpha[1]"], p["gamma[1]"], p["beta[1]"]
    d = {"p2": 2.0, "p1": 1.0}.get(kind) or float(p["delta"])
    if kind == "pd":  # (|e| - g e)^d = |e|^d (1 - g sign e)^d
        a, g = a * (1 - g) ** d, a * ((1 + g) ** d - (1 - g) ** d)
    omega = p["omega"] / 100 ** d    # σ^δ in percent → in return units
    return dict(mu=p["mu"] / 100, omega=omega, alpha=a, gamma=g, beta=b, delta=d,
                z=z[np.isfinite(z)], sigma=sigma, loglik=float(r.loglikelihood), nu=float(p["nu"]))


def simulate(f, a, g, b, omega, u, idx, lo, hi, d=None):
    """FHS paths: σ_0 from the training σ quantiles at u, r_t = μ + σ_t z[idx], power-δ recursion
    (δ = the fit's unless given)."""
    d, z = f["delta"] if d is None else d, f["z"]
    s = np.clip(np.quantile(f["sigma"], u), lo, hi)
    out = np.empty(idx.shape)
    for t in range(idx.shape[1]):
        zt = z[idx[:, t]]
        e = s * zt
        out[:, t] = f["mu"] + e
        if d == 0:   # EGARCH: log variance, driven by the standardised draw itself
            s = np.clip(np.exp(0.5 * (omega + a * (np.abs(zt) - SQRT2_OV_PI) + g * zt + b * np.log(s * s))), lo, hi)
        else:
            sd = omega + (a + g * (e < 0)) * np.abs(e) ** d + b * s ** d
            s = np.clip(sd ** (1 / d), lo, hi)
    return out


def errors(paths, A0, L0):
    A, L = curves_fast(paths)
    return dict(acf=float(np.linalg.norm(A - A0)), lev=float(np.linalg.norm(L - L0)), acf1=float(A[0]),
                lev1=float(L[0]))


def match(f, train, seed, powers=None, egarch=None):
    """matchDependence generalised to power δ: returns ((α, γ, β), ω, criterion of the kept one,
    kept index, δ). `powers`: the recursion powers whose grids are tried, each with the fit's own
    α, γ (default: the fit's δ only); the fitted candidate is the first. δ = 0 is EGARCH (log
    variance): its grid scales the EGARCH fit's α, γ (`egarch`, default f itself when f is one)
    by SCALES with β in PERSISTENCES, plus the fitted coefficients; driven by f's z."""
    chunks = [train[i * H:(i + 1) * H] for i in range(len(train) // H)]
    Af, Lf = curves_fast(np.array(chunks))
    z = f["z"]
    cands = [(f["alpha"], f["gamma"], f["beta"], f["delta"])]
    for d in powers or [f["delta"]]:
        if d == 0:
            e = egarch or f
            if e is not f:
                cands.append((e["alpha"], e["gamma"], e["beta"], 0.0))
            cands += [(k * e["alpha"], k * e["gamma"], p, 0.0) for k in SCALES for p in PERSISTENCES]
            continue
        m = np.mean(np.abs(z) ** d)
        mn = np.mean(np.abs(z) ** d * (z < 0))
        for k in SCALES:
            for p in PERSISTENCES:
                a, g = k * f["alpha"], k * f["gamma"]
                b = p - a * m - g * mn
                if b >= 0:
                    cands.append((a, g, b, d))
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=MATCH_PATHS)
    idx = rng.integers(0, len(z), size=(MATCH_PATHS, H))
    lo, hi = 0.5 * f["sigma"].min(), 3 * f["sigma"].max()
    best = None
    for i, (a, g, b, d) in enumerate(cands):
        if d == 0:   # stationary mean of ln σ² = the training σ's mean log variance
            om = np.mean(np.log(f["sigma"] ** 2)) * (1 - b) - a * (np.mean(np.abs(z)) - SQRT2_OV_PI) - g * np.mean(z)
        else:
            m = np.mean(np.abs(z) ** d)
            pe = a * m + g * np.mean(np.abs(z) ** d * (z < 0)) + b
            level = np.mean(np.abs(train - f["mu"]) ** d) / m   # E[σ^δ] that gives the training E|ε|^δ
            om = level * max(1 - pe, 1e-3)
        A, L = curves_fast(simulate(f, a, g, b, om, u, idx, lo, hi, d))
        c = np.linalg.norm(A - Af) + np.linalg.norm(L - Lf)
        if best is None or c < best[2]:
            best = ((a, g, b), om, c, i, d)
    return best


def targets(files):
    """series → {tgfl_acf, tgfl_lev, garch_acf, gjr_lev} from `tgfl-bench realism` JSON files."""
    out = {}
    for fn in files:
        if not Path(fn).exists():
            raise SystemExit(f"--realism: {fn} does not exist (pass the JSON that `tgfl-bench realism --json` wrote)")
        for s in json.load(open(fn))["series"]:
            m = [x["card"]["metrics"] for x in s["methods"]]   # TGFL, GARCH-t, GJR skew-t, bootstrap
            out[s["name"]] = dict(tgfl_acf=m[0]["acf_abs_error"], tgfl_lev=m[0]["leverage_error"],
                                  garch_acf=m[1]["acf_abs_error"], gjr_lev=m[2]["leverage_error"])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", default=None, help="comma-separated series names (default: all 18)")
    ap.add_argument("--realism", default=None,
                    help="comma-separated `tgfl-bench realism --json` files whose GARCH-t / GJR errors are the "
                         "targets printed beside each fit (optional; without it the targets print as nan)")
    ap.add_argument("--kinds", default="p2,p1,pd,eg")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json", default=None, help="write every figure here")
    a = ap.parse_args()
    tg = targets(a.realism.split(",")) if a.realism else {}
    kinds = a.kinds.split(",")
    wanted = a.series.split(",") if a.series else None
    rows, wins = [], {}
    for si, (name, r) in enumerate(bundled_series()):
        if wanted and name not in wanted:
            continue
        train = r[: int(np.floor(len(r) * TRAIN_FRACTION))]
        A0, L0 = fair(r)
        t = tg.get(name, {})
        print(f"== {name}: real fair acf1 {A0[0]:.3f} lev1 {L0[0]:.3f}; targets ACF ≤ {t.get('garch_acf', np.nan):.3f} "
              f"(GARCH-t), lev ≤ {t.get('gjr_lev', np.nan):.3f} (GJR); TGFL s9 {t.get('tgfl_acf', np.nan):.3f} / "
              f"{t.get('tgfl_lev', np.nan):.3f}", flush=True)
        fits = {kind: fit(train, kind) for kind in kinds}
        for ki, kind in enumerate(kinds):
            f = fits[kind]
            z = f["z"]
            over = (acf(np.abs(z), 1)[0], lev(z, 1)[0])
            rng = np.random.default_rng([a.seed, si, ki])
            u = rng.uniform(size=SCORE_PATHS)
            idx = rng.integers(0, len(z), size=(SCORE_PATHS, H))
            lo, hi = 0.5 * f["sigma"].min(), 3 * f["sigma"].max()
            m = np.mean(np.abs(z) ** f["delta"])
            mn = np.mean(np.abs(z) ** f["delta"] * (z < 0))
            pe = f["beta"] if kind == "eg" else f["alpha"] * m + f["gamma"] * mn + f["beta"]
            e_fit = errors(simulate(f, f["alpha"], f["gamma"], f["beta"], f["omega"], u, idx, lo, hi), A0, L0)
            (ma, mg, mb), mom, crit, kept, _ = match(f, train, a.seed)
            e_match = errors(simulate(f, ma, mg, mb, mom, u, idx, lo, hi), A0, L0)
            variants = [("fit", e_fit), ("match", e_match)]
            extra = ""
            if kind == "p2":
                # What a generation-side option would do: the power-2 filter's z and (α, γ), the
                # recursion's power chosen with its coefficients by the same criterion (grids 2 and 1).
                (ha, hg, hb), hom, _, hk, hd = match(f, train, a.seed, powers=[2.0, 1.0])
                e_h = errors(simulate(f, ha, hg, hb, hom, u, idx, lo, hi, hd), A0, L0)
                variants.append(("match12", e_h))
                extra = (f" | match12[{hk}, δ {hd:.0f}]: acf {e_h['acf']:.3f} lev {e_h['lev']:.3f} "
                         f"acf1 {e_h['acf1']:.3f} lev1 {e_h['lev1']:+.3f}")
                if "eg" in fits:
                    # Session 11: the EGARCH grid (log variance) beside the power-2 and power-1 grids.
                    (ea, eg_, eb), eom, _, ek, ed = match(f, train, a.seed, powers=[2.0, 1.0, 0.0], egarch=fits["eg"])
                    e_e = errors(simulate(f, ea, eg_, eb, eom, u, idx, lo, hi, ed), A0, L0)
                    variants.append(("match12e", e_e))
                    extra += (f" | match12e[{ek}, δ {ed:.0f}]: acf {e_e['acf']:.3f} lev {e_e['lev']:.3f} "
                              f"acf1 {e_e['acf1']:.3f} lev1 {e_e['lev1']:+.3f}")
            row = dict(series=name, kind=kind, delta=f["delta"], alpha=f["alpha"], gamma=f["gamma"], beta=f["beta"],
                       nu=f["nu"], loglik=f["loglik"], eff_persistence=pe, z_acf1=over[0], z_lev1=over[1],
                       **dict(variants), match_kept=kept, match_coef=(ma, mg, mb), **t)
            rows.append(row)
            for v, e in variants:
                w = wins.setdefault((kind, v), [0, 0, 0, 0.0, 0.0])
                w[0] += e["acf"] <= t.get("garch_acf", -1)
                w[1] += e["lev"] <= t.get("gjr_lev", -1)
                w[2] += 1
                w[3] += e["acf"]
                w[4] += e["lev"]
            print(f"  {kind} δ {f['delta']:.2f} a {f['alpha']:.4f} g {f['gamma']:.4f} b {f['beta']:.4f} "
                  f"p_eff {pe:.4f} LL {f['loglik']:.1f} | z acf1 {over[0]:+.3f} lev1 {over[1]:+.3f} | "
                  f"fit: acf {e_fit['acf']:.3f} lev {e_fit['lev']:.3f} acf1 {e_fit['acf1']:.3f} lev1 {e_fit['lev1']:+.3f} | "
                  f"match[{kept}]: acf {e_match['acf']:.3f} lev {e_match['lev']:.3f} acf1 {e_match['acf1']:.3f} "
                  f"lev1 {e_match['lev1']:+.3f}" + extra, flush=True)
    print("\nsummary (targets passed over the series: ACF ≤ GARCH-t's, leverage ≤ GJR's; mean errors)")
    for (kind, v), w in sorted(wins.items()):
        print(f"  {kind:3s} {v:5s}: ACF {w[0]}/{w[2]}  lev {w[1]}/{w[2]}  mean acf err {w[3] / w[2]:.3f} "
              f"mean lev err {w[4] / w[2]:.3f}")
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1, default=float) + "\n")


if __name__ == "__main__":
    main()
