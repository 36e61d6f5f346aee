#!/usr/bin/env python3
"""Does a component (two-speed) volatility recursion win realism targets? (issue 12; BENCHMARKS.md
"A component recursion on the realism targets (session 18, net18)").

The screen of `volatility_power_check.py` (session 10: filtered historical simulation, FHS) with
the Engle–Lee (1999) component GARCH-t with an asymmetric short component beside the current
choice. Per series, fitted on its first 80 % (the realism protocol):

  CG   q_{t+1}  = ω + ρ·q_t + φ·(ε_t² − σ_t²)                                        (long run)
       σ²_{t+1} = q_{t+1} + (α + γ·1[ε_t<0])·ε_t² − (α + γ/2)·q_t + β·(σ_t² − q_t)     (short)
       Student t innovations; the MLE of `crash_filter_decay.cg_fit` (SLSQP with the Engle–Lee
       constraints ρ > α + γ/2 + β, β ≥ φ), started from its default and from the GJR-t fit, the
       better kept; the filter run as two IIR filters (`cg_filter_fast`, equal to
       `crash_filter_decay.cg_filter` to rounding, checked on every series).

Variants, each scored on 1,000 × 250 FHS paths against the full series:

  choice     session 10's `match12`: the GJR-t (power-2) filter's z and (α, γ), the power-2 and
             power-1 grids, one criterion (what `VolatilityModel.matchDependence` runs);
  cg-fit     the CG fit's coefficients, z i.i.d. from its own training residuals, σ_0 and q_0 the
             (σ, q) of the training day at the path's σ quantile;
  cg-match   `matchDependence` generalised: the short component's (α, γ) scaled by 0.5–1.5 with
             its effective persistence α·E z² + γ·E[z²·1(z<0)] + β in 0.90–0.99 (below ρ, β ≥ φ),
             the long component's ρ in {fitted, 0.99, 0.999} (above the short persistence) and
             φ scaled by 0.5, 1, 1.5, plus the fitted coefficients; level ω/(1 − ρ) = the
             training E ε² / E z²; criterion fair ACF|r| L2 + fair leverage L2 against the
             training span's 250-day chunks, 256 paths, common random numbers (as `match`);
  choice+cg  the choice's grids and the CG grid, one criterion (each candidate driven by its own
             filter's z; common random numbers): what a third recursion kind would do in Swift;
  cg-match-r99, choice+cg-r99   the same with the long component's ρ ≤ 0.99 (grid 0.95–0.99; the
             fitted coefficients only when their ρ ≤ 0.99): is a kurtosis run-away the near-unit-root
             long component's?
Also printed (diagnostics, no target): the mean excess kurtosis of a single path, the level
dispersion (std over paths of log path std), the right tail of the levels (99 % quantile and
maximum of path std / median path std) and the pooled kurtosis without the top 1 % of paths by
std, beside the real series' 250-day chunks' values.

Scores (as RealismScorecard, in NumPy): fair ACF|r| error (L2, lags 1–50) ≤ GARCH-t's; fair
leverage error (L2, lags 1–20) ≤ GJR skew-t's (both thresholds computed here, by the same code,
from `realism_baselines.py`'s paths, so the screen's scores and thresholds share one definition);
excess kurtosis (pooled) in [0.5×, 2×] of the real value; fair KS p (median of 20 two-sample KS p
over real-size subsamples of the pool) ≥ 0.05; 1 % VaR and ES (historical) within 10 %.
Kurtosis, ACF and leverage are scale-free; KS, VaR and ES are scored after the variance and mean
calibration TGFL applies to unconditional generation (`ScenarioModel.calibrateUnconditional-
Volatility`: the pooled paths affinely moved to the mean and variance of the training days), so
the comparison is of the shapes the recursion makes, not of the fit's implied level. The "-raw"
rows (choice, cg-fit, choice+cg) score the same paths without that calibration.

Run:
  /work/pyref/bin/python Benchmarks/component_recursion_check.py --baselines DIR [--csv OUT/nasdaq.csv ...]
      [--series a,b] [--json out.json]
  DIR: `realism_baselines.py --out DIR` (the bundled series; --csv series too when given).
  --no-bundled: only the --csv series. --seed (default 42) seeds the draws (the thresholds are the
  baselines' own); common random numbers with volatility_power_check.py (its p2 stream).
  4–9 min for the 18 bundled series on a loaded 2-core machine.
"""
import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.signal import lfilter
from scipy.stats import ks_2samp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crash_filter_decay import backcast, cg_filter, cg_fit, cg_nll, t_logpdf_std  # noqa: E402
from dependence_diagnosis import fair  # noqa: E402
from realism_baselines import TRAIN_FRACTION, bundled_series, outside_series  # noqa: E402
from volatility_power_check import (H, MATCH_PATHS, PERSISTENCES, SCALES, SCORE_PATHS,  # noqa: E402
                                    curves_fast, fit, match, simulate)

warnings.simplefilter("ignore")
RHOS = [0.99, 0.999]
CAPPED_RHOS = [0.95, 0.97, 0.98, 0.99]   # the "cg-match-r99" grid: no near-unit-root long component
PHI_SCALES = [0.5, 1.0, 1.5]
KS_SUBSAMPLES = 20


# ---------------------------------------------------------------- the component filter, fast
def cg_filter_fast(p, y):
    """`crash_filter_decay.cg_filter` as two second-order IIR filters (the state (σ², q) follows
    x_{t+1} = A x_t + c_t, A = [[β−φ, ρ−s], [−φ, ρ]], s = α + γ/2 + β, c_t = (ω + (φ+α)ε² + γ·1[ε<0]ε²,
    ω + φε²)); the start x_0 enters as the first input. Returns σ² and q of days 0 … n."""
    mu, om, rho, phi, a, g, b, _ = p
    e = y - mu
    bc = backcast(e)
    s = a + g / 2 + b
    A11, A12, A21, A22 = b - phi, rho - s, -phi, rho
    # day −1 as cg_filter: ε² = σ² = bc, 1[ε<0]ε² = bc/2, q = ω/(1 − ρ)
    q_1 = om / (1 - rho)
    x0 = (A11 * bc + A12 * q_1 + om + (phi + a) * bc + g * bc / 2, A21 * bc + A22 * q_1 + om + phi * bc)
    e2 = e * e
    v1 = np.concatenate([[x0[0]], om + (phi + a) * e2 + g * e2 * (e < 0)])
    v2 = np.concatenate([[x0[1]], om + phi * e2])
    den = [1.0, -(A11 + A22), A11 * A22 - A12 * A21]
    s2 = lfilter([1.0, -A22], den, v1) + lfilter([0.0, A12], den, v2)
    q = lfilter([0.0, A21], den, v1) + lfilter([1.0, -A11], den, v2)
    return s2, q


def cg_nll_fast(p, y):
    s2, _ = cg_filter_fast(p, y)
    s2 = s2[:-1]
    if not np.all(np.isfinite(s2)) or np.any(s2 <= 0):
        return 1e10
    return -float(np.sum(t_logpdf_std(y - p[0], s2, p[7])))


def fit_cg(train, gjr):
    """CG-t MLE on 100 × train from two starts (cg_fit's default; the GJR-t fit's short component
    under a slow ρ = 0.995): the better likelihood kept. Returns the dict of `fit`'s fields."""
    import crash_filter_decay as cfd
    y = 100 * train
    saved = cfd.cg_nll
    cfd.cg_nll = cg_nll_fast          # cg_fit's objective, evaluated by the fast filter
    try:
        best = cg_fit(y)
        a, g = gjr["alpha"], gjr["gamma"]
        b = max(min(gjr["beta"], 0.995 - a - g / 2 - 0.01), 0.05)
        start = [100 * gjr["mu"], float(np.var(y)) * 0.005, 0.995, min(0.02, b), a, g, b, gjr["nu"]]
        other = cg_fit(y, start=start)
        if other[1] > best[1]:
            best = other
    finally:
        cfd.cg_nll = saved
    p, ll = best
    s2, q = cg_filter_fast(p, y)
    ref, qref = cg_filter(p, y)
    gap = float(max(np.max(np.abs(s2 - ref) / ref), np.max(np.abs(q - qref) / np.abs(qref))))
    z = (y - p[0]) / np.sqrt(s2[:-1])
    return dict(mu=p[0] / 100, omega=p[1] / 1e4, rho=p[2], phi=p[3], alpha=p[4], gamma=p[5], beta=p[6],
                nu=p[7], z=z, sigma=np.sqrt(s2[:-1]) / 100, q=q[:-1] / 1e4, loglik=float(ll),
                loglik_check=-cg_nll(p, y), filter_gap=gap)


def simulate_cg(f, c, u, idx, lo, hi):
    """FHS paths of the component recursion with coefficients c = (ω, ρ, φ, α, γ, β): z i.i.d.
    from f's training residuals (indices idx), the start (σ, q) the training day's at the σ
    quantile u; σ bounded to [lo, hi], q to > 0."""
    om, rho, phi, a, g, b = c
    z = f["z"]
    order = np.argsort(f["sigma"], kind="stable")
    day = order[np.clip(np.floor(u * (len(order) - 1) + 0.5).astype(int), 0, len(order) - 1)]
    s = np.clip(f["sigma"][day], lo, hi)
    q = f["q"][day].copy()
    qmin = lo * lo
    out = np.empty(idx.shape)
    for t in range(idx.shape[1]):
        e = s * z[idx[:, t]]
        out[:, t] = f["mu"] + e
        e2, s2 = e * e, s * s
        qn = om + rho * q + phi * (e2 - s2)
        s2n = qn + (a + g * (e < 0)) * e2 - (a + g / 2) * q + b * (s2 - q)
        q = np.maximum(qn, qmin)
        s = np.clip(np.sqrt(np.maximum(s2n, qmin)), lo, hi)
    return out


def cg_match(f, train, seed, rho_cap=None):
    """The component grid under `match`'s criterion and common random numbers: ((ω, ρ, φ, α, γ, β),
    criterion, kept index, grid size). `rho_cap`: only long components with ρ ≤ rho_cap (the grid's
    ρ then CAPPED_RHOS, the fitted coefficients kept only when their ρ is below the cap)."""
    chunks = [train[i * H:(i + 1) * H] for i in range(len(train) // H)]
    Af, Lf = curves_fast(np.array(chunks))
    z = f["z"]
    m2, mn2 = np.mean(z * z), np.mean(z * z * (z < 0))
    level = np.mean((train - f["mu"]) ** 2) / m2
    cands = [(f["omega"], f["rho"], f["phi"], f["alpha"], f["gamma"], f["beta"])]
    rhos = sorted({f["rho"], *RHOS})
    if rho_cap is not None:
        cands = cands if f["rho"] <= rho_cap else []
        rhos = sorted({r for r in (f["rho"], *CAPPED_RHOS) if r <= rho_cap})
    for rho in rhos:
        for ks in PHI_SCALES:
            phi = ks * f["phi"]
            for k in SCALES:
                a, g = k * f["alpha"], k * f["gamma"]
                for ps in PERSISTENCES:
                    b = ps - a * m2 - g * mn2
                    if b >= phi and ps < rho and a + g >= 0:
                        cands.append((level * (1 - rho), rho, phi, a, g, b))
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=MATCH_PATHS)
    idx = rng.integers(0, len(z), size=(MATCH_PATHS, H))
    lo, hi = 0.5 * f["sigma"].min(), 3 * f["sigma"].max()
    best = None
    for i, c in enumerate(cands):
        A, L = curves_fast(simulate_cg(f, c, u, idx, lo, hi))
        crit = np.linalg.norm(A - Af) + np.linalg.norm(L - Lf)
        if best is None or crit < best[1]:
            best = (c, crit, i)
    return best + (len(cands),)


# ---------------------------------------------------------------- scores (RealismScorecard in NumPy)
def excess_kurtosis(x):
    x = x - x.mean()
    m2 = np.mean(x * x)
    return float(np.mean(x ** 4) / (m2 * m2) - 3)


def var_es(x, alpha=0.01):
    q = np.quantile(x, alpha)
    return float(-q), float(-np.mean(x[x <= q]))


def fair_ks(real, pool, seed):
    rng = np.random.default_rng(seed)
    return float(np.median([ks_2samp(real, rng.choice(pool, size=len(real), replace=False)).pvalue
                            for _ in range(KS_SUBSAMPLES)]))


def level_dispersion(paths):
    """Standard deviation over paths (or 250-day chunks) of the log of each one's std: how far the
    volatility levels of different paths drift apart (a scale mixture raises the pooled kurtosis)."""
    return float(np.std(np.log(paths.std(axis=1))))


def level_tail(paths):
    """The right tail of the path levels: 99 % quantile and maximum of path std / median path std,
    and the pooled excess kurtosis without the top 1 % of paths by std."""
    sd = paths.std(axis=1)
    m = np.median(sd)
    return dict(level99=float(np.quantile(sd, 0.99) / m), level_max=float(sd.max() / m),
                kurt_trim=excess_kurtosis(paths[sd <= np.quantile(sd, 0.99)].ravel()))


def score(paths, real, train, A0, L0, seed, calibrate=True):
    A, L = curves_fast(paths)
    pool = paths.ravel()
    if calibrate:   # TGFL's variance and mean targeting: the pooled days moved to the training days' mean and std
        pool = train.mean() + (pool - pool.mean()) * (train.std() / pool.std())
    v, es = var_es(pool)
    return dict(acf=float(np.linalg.norm(A - A0)), lev=float(np.linalg.norm(L - L0)), acf1=float(A[0]),
                lev1=float(L[0]), kurt=excess_kurtosis(pool),
                path_kurt=float(np.mean([excess_kurtosis(p) for p in paths])), disp=level_dispersion(paths),
                **level_tail(paths), ks=fair_ks(real, pool, seed), var=v, es=es)


def passes(s, t):
    """Target name → pass, against t (the series' thresholds and real values)."""
    return dict(acf=s["acf"] <= t["garch_acf"], lev=s["lev"] <= t["gjr_lev"],
                kurt=0.5 * t["kurt"] <= s["kurt"] <= 2 * t["kurt"], ks=s["ks"] >= 0.05,
                var=abs(s["var"] / t["var"] - 1) <= 0.1, es=abs(s["es"] / t["es"] - 1) <= 0.1)


def baseline_thresholds(name, real, A0, L0, baselines):
    """GARCH-t's ACF|r| error and GJR skew-t's leverage error from realism_baselines.py's paths."""
    out = {}
    for key, method in (("garch_acf", "garch_t"), ("gjr_lev", "gjr_skewt")):
        fn = Path(baselines) / f"{name}.{method}.csv"
        paths = np.loadtxt(fn, delimiter=",", skiprows=1)
        A, L = curves_fast(paths)
        out[key] = float(np.linalg.norm(A - A0)) if key == "garch_acf" else float(np.linalg.norm(L - L0))
    return out


TARGETS = ["acf", "lev", "kurt", "ks", "var", "es"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baselines", required=True, help="realism_baselines.py output folder")
    ap.add_argument("--csv", action="append", default=[], help="outside prices CSV (external_series.py)")
    ap.add_argument("--no-bundled", action="store_true")
    ap.add_argument("--series", default=None)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    series = [] if a.no_bundled else [(i, n, r) for i, (n, r) in enumerate(bundled_series())]
    base = len(bundled_series())
    for fn in a.csv:
        for n, r in outside_series(fn):
            series.append((base, n, r))
            base += 1
    wanted = a.series.split(",") if a.series else None
    rows, counts = [], {}
    for si, name, r in series:
        if wanted and name not in wanted:
            continue
        t0 = time.time()
        train = r[: int(np.floor(len(r) * TRAIN_FRACTION))]
        A0, L0 = fair(r)
        v, es = var_es(r)
        chunks = np.array([r[i * H:(i + 1) * H] for i in range(len(r) // H)])
        t = dict(kurt=excess_kurtosis(r), var=v, es=es, path_kurt=float(np.mean([excess_kurtosis(c) for c in chunks])),
                 disp=level_dispersion(chunks), **{"real_" + k: v for k, v in level_tail(chunks).items()},
                 **baseline_thresholds(name, r, A0, L0, a.baselines))
        p2, p1 = fit(train, "p2"), fit(train, "p1")
        cg = fit_cg(train, p2)
        # the p2 stream of volatility_power_check (kind index 0): common random numbers for every variant
        rng = np.random.default_rng([a.seed, si, 0])
        u = rng.uniform(size=SCORE_PATHS)
        idx = rng.integers(0, len(p2["z"]), size=(SCORE_PATHS, H))
        lo, hi = 0.5 * p2["sigma"].min(), 3 * p2["sigma"].max()
        clo, chi = 0.5 * cg["sigma"].min(), 3 * cg["sigma"].max()
        (ha, hg, hb), hom, hcrit, hk, hd = match(p2, train, a.seed, powers=[2.0, 1.0])
        choice = simulate(p2, ha, hg, hb, hom, u, idx, lo, hi, hd)
        cfit = simulate_cg(cg, (cg["omega"], cg["rho"], cg["phi"], cg["alpha"], cg["gamma"], cg["beta"]),
                           u, idx, clo, chi)
        cm, ccrit, ck, cn = cg_match(cg, train, a.seed)
        cmatch = simulate_cg(cg, cm, u, idx, clo, chi)
        both = cmatch if ccrit < hcrit else choice
        rm, rcrit, rk, rn = cg_match(cg, train, a.seed, rho_cap=0.99)
        rmatch = simulate_cg(cg, rm, u, idx, clo, chi)
        kseed = [a.seed, si, 77]
        variants = {"choice": choice, "cg-fit": cfit, "cg-match": cmatch, "choice+cg": both, "cg-match-r99": rmatch,
                    "choice+cg-r99": rmatch if rcrit < hcrit else choice}
        sc = {k: score(p, r, train, A0, L0, kseed) for k, p in variants.items()}
        sc["cg-fit-raw"] = score(cfit, r, train, A0, L0, kseed, calibrate=False)
        sc["choice-raw"] = score(choice, r, train, A0, L0, kseed, calibrate=False)
        sc["choice+cg-raw"] = score(both, r, train, A0, L0, kseed, calibrate=False)
        ps = {k: passes(s, t) for k, s in sc.items()}
        row = dict(series=name, days=len(r), train_days=len(train), thresholds=t,
                   loglik=dict(gjr=p2["loglik"], tarch=p1["loglik"], cg=cg["loglik"], cg_check=cg["loglik_check"]),
                   cg=dict((k, cg[k]) for k in ("mu", "omega", "rho", "phi", "alpha", "gamma", "beta", "nu")),
                   cg_filter_gap=cg["filter_gap"],
                   choice_kept=dict(index=hk, delta=hd, criterion=hcrit),
                   cg_match=dict(coef=cm, criterion=ccrit, index=ck, grid=cn),
                   cg_match_r99=dict(coef=rm, criterion=rcrit, index=rk, grid=rn),
                   choice_plus_cg="cg" if ccrit < hcrit else "choice",
                   choice_plus_cg_r99="cg" if rcrit < hcrit else "choice", scores=sc, passes=ps)
        rows.append(row)
        for k, pp in ps.items():
            c = counts.setdefault(k, dict(n=0, **{x: 0 for x in TARGETS}, acf_err=0.0, lev_err=0.0))
            c["n"] += 1
            c["acf_err"] += sc[k]["acf"]
            c["lev_err"] += sc[k]["lev"]
            for x in TARGETS:
                c[x] += bool(pp[x])
        print(f"== {name} ({len(r)} days, train {len(train)}; {time.time() - t0:.0f} s) LL GJR {p2['loglik']:.1f} "
              f"TARCH {p1['loglik']:.1f} CG {cg['loglik']:.1f} (check {cg['loglik_check']:.1f}, filter gap "
              f"{cg['filter_gap']:.1e}); CG ρ {cg['rho']:.4f} φ {cg['phi']:.4f} α {cg['alpha']:.4f} "
              f"γ {cg['gamma']:.4f} β {cg['beta']:.4f} ν {cg['nu']:.2f}; cg-match kept {ck}/{cn} "
              f"(ρ {cm[1]:.4f} φ {cm[2]:.4f} α {cm[3]:.4f} γ {cm[4]:.4f} β {cm[5]:.4f}) crit {ccrit:.3f} vs "
              f"choice {hcrit:.3f} [δ {hd:.0f}]; r99 kept ρ {rm[1]:.4f} crit {rcrit:.3f}", flush=True)
        print(f"   targets: ACF ≤ {t['garch_acf']:.3f}, lev ≤ {t['gjr_lev']:.3f}, kurt {t['kurt']:.2f}, "
              f"VaR {t['var']:.4f}, ES {t['es']:.4f}; real 250-day chunks: kurt {t['path_kurt']:.2f}, "
              f"level dispersion {t['disp']:.3f}, level 99 % / max {t['real_level99']:.2f} / {t['real_level_max']:.2f}, "
              f"kurt without the top 1 % {t['real_kurt_trim']:.1f}")
        for k, s in sc.items():
            mark = " ".join(("+" if ps[k][x] else "-") + x for x in TARGETS)
            print(f"   {k:10s} acf {s['acf']:.3f} lev {s['lev']:.3f} (acf1 {s['acf1']:.3f} lev1 {s['lev1']:+.3f}) "
                  f"kurt {s['kurt']:.2f} (per path {s['path_kurt']:.2f}, disp {s['disp']:.3f}, level 99 % / max "
                  f"{s['level99']:.2f} / {s['level_max']:.2f}, trimmed {s['kurt_trim']:.1f}) KS p {s['ks']:.3g} VaR {s['var']:.4f} ES {s['es']:.4f} | {mark}", flush=True)
    print("\nsummary: targets passed over the series (mean ACF / leverage errors)")
    for k, c in counts.items():
        print(f"  {k:10s} " + "  ".join(f"{x} {c[x]}/{c['n']}" for x in TARGETS)
              + f"  | all {sum(c[x] for x in TARGETS)}/{6 * c['n']}  mean acf {c['acf_err'] / c['n']:.3f} "
              f"lev {c['lev_err'] / c['n']:.3f}")
    if a.json:
        Path(a.json).write_text(json.dumps(dict(rows=rows, counts=counts), indent=1, default=float) + "\n")


if __name__ == "__main__":
    main()
