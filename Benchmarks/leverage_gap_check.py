#!/usr/bin/env python3
"""Where TGFL's generated leverage loses to its own recursion (issue 12; BENCHMARKS.md "Leverage,
EGARCH and the choice rule (session 11)").

The Python proxy of session 10 (Benchmarks/volatility_power_check.py: the matched recursion run with
z i.i.d. from the training z) predicts TGFL's fair leverage error within 0.002 on some series but is
0.005–0.04 lower on others (NYSE 0.093 against TGFL's 0.132). This script takes one series' TGFL
checkpoint and scenarios (`tgfl-bench realism --save DIR`: <name>.h5, <name>.tgfl.csv) and runs the
checkpoint's own unconditional generation recursion (`/volatility`: generation_alpha/gamma/beta/power,
generation_omega, generation_mean, sigma_floor/cap, initial_log_sigma_quantiles,
generation_level_log_quantiles) with z i.i.d. from the fitted filter's training z, removing one
ingredient at a time:

- `as generated`: σ²_0 = initialVariance(u), each path's slow level = generationLevelFactor(u) on ω
  (the same u), ω = generation_omega, location = generation_mean, the checkpoint's σ bounds;
- `no slow level`: the same, level factor 1;
- `no level, cap ×3`: and the σ cap raised 3× (the proxy's bound is 3·max σ);
- `z drawn per level`: as generated, z drawn from the training z of the path's current volatility
  level (the network's conditioning, 16 training quantile bands; session 9's check);
- `tgfl`: TGFL's scenarios.

The gap between `tgfl` and `as generated` is the network's (its z are not i.i.d. training z); the
steps before it are the recursion's ingredients. Errors as RealismScorecard: fair ACF|r| L2 (lags
1–50) and leverage L2 (lags 1–20) against the full series' 250-day chunks. Also printed: the
generated z's moments (recomputed by the recursion on TGFL's returns with the level of the path's
own starting quantile is not recoverable, so with level 1 and σ_0 = the training median).

Run: /work/pyref/bin/python Benchmarks/leverage_gap_check.py nyse.close --model DIR/nyse.close.h5 \
        --tgfl DIR/nyse.close.tgfl.csv   (seed 1; needs h5py, numpy, pandas)
"""
import argparse
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dependence_diagnosis import fair, filt, load, per_level_draw  # noqa: E402
from volatility_power_check import curves_fast  # noqa: E402

P, H = 1000, 250


def checkpoint(path):
    with h5py.File(path, "r") as f:
        g = f["volatility"]
        a = {k: g.attrs[k] for k in g.attrs}
        c = {k: float(a[k]) for k in ("mu", "omega", "alpha", "gamma", "beta", "sigma_floor", "sigma_cap")}
        c["gen"] = tuple(float(a.get("generation_" + k, a[k])) for k in ("alpha", "gamma", "beta"))
        c["power"] = int(a.get("generation_power", 2))
        c["gen_omega"] = float(a.get("generation_omega", a["omega"]))
        c["gen_mean"] = float(a.get("generation_mean", a["mu"]))
        c["target"] = float(a.get("generation_target_variance", np.nan))
        c["q"] = g["initial_log_sigma_quantiles"][()]
        c["levels"] = g["generation_level_log_quantiles"][()] if "generation_level_log_quantiles" in g else None
        return c


def interp(q, u):
    x = u * (len(q) - 1)
    i = np.minimum(x.astype(int), len(q) - 2)
    return q[i] + (x - i) * (q[i + 1] - q[i])


def recursion(c, x, s2):
    """σ²_t along given returns x [paths, days] (level 1): the generation recursion run on them."""
    lo, hi = c["sigma_floor"], c["sigma_cap"]
    a, g, b = c["gen"]
    out = np.empty(x.shape)
    for t in range(x.shape[1]):
        out[:, t] = s2
        e = x[:, t] - c["gen_mean"]
        k = a + g * (e < 0)
        if c["power"] == 2:
            s2 = np.clip(c["gen_omega"] + k * e * e + b * s2, lo * lo, hi * hi)
        else:
            s2 = np.clip((c["gen_omega"] + k * np.abs(e) + b * np.sqrt(s2)) ** 2, lo * lo, hi * hi)
    return out


def z_summary(tag, z):
    """Moments of z that set a GJR/TARCH recursion's leverage and persistence."""
    z = z.ravel()
    print(f"  {tag:24s} E[z²] {np.mean(z ** 2):.3f}  E[z²;z<0] {np.mean(z ** 2 * (z < 0)):.3f}  E|z| {np.mean(np.abs(z)):.3f}  "
          f"E[|z|;z<0] {np.mean(np.abs(z) * (z < 0)):.3f}  P(z<0) {np.mean(z < 0):.3f}  skew {np.mean(z ** 3) / np.mean(z ** 2) ** 1.5:+.3f}  "
          f"q1% {np.quantile(z, 0.01):+.2f} q99% {np.quantile(z, 0.99):+.2f}")


def z_dependence(tag, z):
    """Per-path ACF of |z| at lag 1 and corr(z_t, z²_{t+1}), averaged over paths."""
    a = np.abs(z) - np.abs(z).mean(axis=1, keepdims=True)
    acf1 = np.mean((a[:, :-1] * a[:, 1:]).sum(axis=1) / (a * a).sum(axis=1))
    x, y = z[:, :-1] - z[:, :-1].mean(axis=1, keepdims=True), z[:, 1:] ** 2
    y = y - y.mean(axis=1, keepdims=True)
    lev1 = np.mean((x * y).sum(axis=1) / np.sqrt((x * x).sum(axis=1) * (y * y).sum(axis=1)))
    print(f"  {tag:24s} ACF|z| lag 1 {acf1:+.3f}  corr(z_t, z²_t+1) {lev1:+.3f}")


def simulate(c, draw, seed, level=True, cap=1.0, start_at_level=False):
    """The checkpoint's unconditional recursion (VolatilityModel.generationStep) with z from draw;
    start_at_level: σ²_0 = the path's slow level × the calibration's target variance instead of
    the training σ quantile."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=P)
    lo, hi = c["sigma_floor"], c["sigma_cap"] * cap
    s2 = np.clip(np.exp(2 * interp(c["q"], u)), lo * lo, hi * hi)
    lv = np.exp(interp(c["levels"], u)) if level and c["levels"] is not None else np.ones(P)
    if start_at_level:
        s2 = np.clip(lv * c["target"], lo * lo, hi * hi)
    if c["power"] == 1:
        lv = np.sqrt(lv)
    om = c["gen_omega"] * lv
    a, g, b = c["gen"]
    mu = c["gen_mean"]
    out = np.empty((P, H))
    for t in range(H):
        e = np.sqrt(s2) * draw(rng, s2)
        out[:, t] = mu + e
        k = a + g * (e < 0)
        if c["power"] == 2:
            s2 = np.clip(om + k * e * e + b * s2, lo * lo, hi * hi)
        else:
            s2 = np.clip((om + k * np.abs(e) + b * np.sqrt(s2)) ** 2, lo * lo, hi * hi)
    return out


REAL = None   # the full series, for the fair KS p


def fair_ks(paths, seed=0):
    """RealismScorecard's fair KS p: the median over 20 seeded subsamples (size n_real) of the pooled
    days of the two-sample KS p against the real series."""
    pool, rng = paths.ravel(), np.random.default_rng(seed)
    return float(np.median([ks_2samp(REAL, rng.choice(pool, len(REAL), replace=False)).pvalue for _ in range(20)]))


def row(tag, paths, A0, L0):
    A, L = curves_fast(paths)
    print(f"  {tag:24s} acf {np.linalg.norm(A - A0):.3f}  lev {np.linalg.norm(L - L0):.3f} "
          f"(lags 1–3 {np.linalg.norm((L - L0)[:3]):.3f}, 4–20 {np.linalg.norm((L - L0)[3:]):.3f}) | "
          f"acf1 {A[0]:.3f} lev1 {L[0]:+.3f} lev2 {L[1]:+.3f} lev5 {L[4]:+.3f} | std {paths.std():.5f} KS p {fair_ks(paths):.2g}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("series")
    ap.add_argument("--model", required=True)
    ap.add_argument("--tgfl", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--nolevel-tgfl", help="TGFL's scenarios from the same checkpoint without "
                    "generation_level_log_quantiles (ω the same on every path): its z are recovered exactly "
                    "after day 30, when the recursion has forgotten σ_0")
    a = ap.parse_args()
    global REAL
    r = REAL = load(a.series)
    train = r[: int(0.8 * len(r))]
    A0, L0 = fair(r)
    c = checkpoint(a.model)
    print(f"== {a.series}: real lev1 {L0[0]:+.3f} lev2 {L0[1]:+.3f} lev5 {L0[4]:+.3f} acf1 {A0[0]:.3f}; "
          f"generation power {c['power']} a {c['gen'][0]:.4f} g {c['gen'][1]:.4f} b {c['gen'][2]:.4f} "
          f"omega {c['gen_omega']:.3g}; sigma bounds [{c['sigma_floor']:.4g}, {c['sigma_cap']:.4g}]")
    # The training z of the fitted filter (Trainer fits it on the first 80 % of the 80 %; close enough).
    v = filt(train, c["mu"], c["omega"], c["alpha"], c["gamma"], c["beta"])
    z = (train - c["mu"]) / np.sqrt(v)
    per_level = per_level_draw(z, v)
    pools = per_level.pools
    iid = lambda rng, s2: z[rng.integers(0, len(z), len(s2))]
    row("as generated, iid z", simulate(c, iid, a.seed), A0, L0)
    row("σ_0 at the path's level", simulate(c, iid, a.seed, start_at_level=True), A0, L0)
    row("no slow level", simulate(c, iid, a.seed, level=False), A0, L0)
    row("no level, cap x3", simulate(c, iid, a.seed, level=False, cap=3), A0, L0)
    row("z drawn per level", simulate(c, per_level, a.seed), A0, L0)
    x = pd.read_csv(a.tgfl).to_numpy()
    row("tgfl", x, A0, L0)
    if a.nolevel_tgfl:
        y = pd.read_csv(a.nolevel_tgfl).to_numpy()
        row("tgfl, no slow level", y, A0, L0)
        row("no slow level, iid z", simulate(c, iid, a.seed, level=False), A0, L0)
        v2 = recursion(c, y, np.full(len(y), np.exp(2 * np.median(c["q"]))))[:, 30:]
        zn = (y[:, 30:] - c["gen_mean"]) / np.sqrt(v2)
        z_summary("training z", z)
        z_summary("network z (day ≥ 30)", zn)
        z_dependence("training z (as paths)", z[: len(z) // H * H].reshape(-1, H))
        z_dependence("network z", zn)
        pool = zn.ravel()
        row("no level, iid network z", simulate(c, lambda rng, s2: pool[rng.integers(0, len(pool), len(s2))], a.seed,
                                                level=False), A0, L0)
        net_level = per_level_draw(pool, v2.ravel())
        row("no level, network z/level", simulate(c, net_level, a.seed, level=False), A0, L0)
    neg = [np.mean(p[p < 0] ** 2) * np.mean(p < 0) / np.mean(p ** 2) for p in pools]
    print(f"  training z: E[z²] {np.mean(z ** 2):.3f}, share of E[z²] from z<0 {np.mean(z ** 2 * (z < 0)) / np.mean(z ** 2):.3f}; "
          f"per band (low → high σ) {' '.join(f'{q:.2f}' for q in neg)}")
    zz = (x - c["gen_mean"]) / x.std(axis=1, keepdims=True)
    print(f"  tgfl returns / path std: share of E[r²] from r<0 {np.mean(zz ** 2 * (zz < 0)) / np.mean(zz ** 2):.3f}; "
          f"real full series {np.mean((r - r.mean()) ** 2 * (r < r.mean())) / np.var(r):.3f}")


if __name__ == "__main__":
    main()
