#!/usr/bin/env python3
"""Issue 19's last target, the two scores left undecided (session 17, dp17): the std ratio and W1
1-day of the recommended DP setting (`dp-djia99-vol1`) against `nodp`, how much of their seed spread
is the noise of the released volatility level, what a post-processing estimate of the level that
also uses public data could do (no ε), and the paired decision with the release's noise integrated
out exactly.

The release (`NoisedVolatilityLevel`): ū = clamp((Σ u_i + N(0, (z_v h)²)) / N, −h, h), the
calibration target Var(public) · exp(2ū). Its noise on ū has the known sd s = z_v h / N (0.03125 at
z_v 1, h 0.25, N 8), drawn from a stream of its own (independent of the network, the audit and the
generation draws). The noise-free ū₀ is NumPy's (`Tests/Fixtures/volatility_level_reference.json`,
this federation: 8 clients, train fraction 0.8, the S&P 500 against the Dow Jones 1999–2018).

Emulation: the calibration sets ω so that the pilot variance meets the target, and the returns are
m + σ_t z_t with the z independent of the level, so a run whose released ū were v instead of ū_rel
generates the same paths scaled about m by k = exp(v − ū_rel) (exact zeros stay zero). Checked on
seeds against real runs at ū = 0 (`--check-run`: `dp-djia99`, same seed, no release).
The std ratio of the scaled paths is k times the run's; W1 1-day is recomputed (scipy), after
checking that the unscaled paths reproduce `tgfl evaluate`'s std ratio and W1 1-day.

Estimators of the level from the release (post-processing: functions of ū_rel and public data):
  released   ū_rel (what ships);
  prior0     precision-weighted with a prior N(0, τ²) on the members' offset from the public series,
             τ² the mean square of the public peers' offsets (the bundled NYSE Composite and CRSP
             value-weighted index against the Dow Jones on their common days: public data only):
             ū = w ū_rel, w = τ² / (τ² + s²);
  peers      the same with the prior centred on the peers' mean offset (their own spread as τ);
  oracle     w* = ū₀² / (ū₀² + s²) towards 0 — the best any shrinkage towards the public level could
             do for these members (needs ū₀: not implementable, a bound).
And one change of the mechanism that keeps ε (ε depends on z_v only): a narrower box h' (the noise
sd scales with h', the same standard normal draw), h' chosen on public data alone: the h on a 0.025
grid minimising the worst root-mean-square error of the released level over the public peers'
8 period offsets (the clamp's bias against the noise z_v h / N): box<h'>.

Rao–Blackwell: each DP seed's score is also averaged over the release's noise exactly (Gauss–Hermite,
40 nodes: ū_rel = ū₀ + s ξ), the seed's paths scaled accordingly — an unbiased estimate of the same
expected score with the release's sampling noise removed. The paired bootstrap (10,000 resamples,
seed 0, as privacy_paired_bootstrap.py) then compares with `nodp` per seed.

Usage: privacy_level_noise.py --out-dir DIR [--setting dp-djia99-vol1] [--baseline nodp] [--seeds S ...]
           [--check-run DIR/check/dp-djia99-s42 ...] [--bound H] [--json OUT]
       (--bound: the setting's box h, 0.25 by default; session 18's `dp-djia99-vol1-h175` runs at 0.175)
       (BENCHMARKS.md "Privacy: the last target, session 17 (dp17)" has the commands and the check runs)
       (DIR: privacy_tradeoff.py's with --keep-paths; the runs' model.h5 and paths.csv)
Needs numpy, scipy, pandas, h5py.
"""
import argparse
import json
import os
import re
import sys

import h5py
import numpy as np
import pandas as pd
from scipy import stats

from privacy_level_bound import choose_bound, default_peers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
RESOURCES = os.path.join(ROOT, "Sources", "TGFLCore", "Resources")
OWNERS, ZV = 8, 1.0
H = 0.25  # the setting's box h (--bound; the default 0.25 is main's release before session 18)


def released_ratio(model):
    """ū_rel from the checkpoint's training history (the calibration's summary line)."""
    with h5py.File(model, "r") as f:
        text = f["training"].attrs["history"]
    text = text.decode() if isinstance(text, bytes) else str(text)
    found = re.findall(r"exp\(2 × (-?[0-9.]+)\)", json.loads(text)["summary"]["volatility_calibration"])
    if not found:
        sys.exit(f"{model}: no released volatility level in its calibration summary")
    return float(found[-1])


def target_mean(model):
    """m: the generation's location (the public mean with the level's release)."""
    with h5py.File(model, "r") as f:
        v = f["volatility"].attrs
        for key in ("generation_mean", "mu"):
            if key in v:
                return float(np.asarray(v[key]).ravel()[0])
    return 0.0


def log_returns(name):
    df = pd.read_csv(os.path.join(RESOURCES, name + ".csv"), parse_dates=["date"]).set_index("date")
    return np.log(df["close"]).diff().dropna()


def scaled(paths, k, m):
    """Paths with the level multiplied by k about m (exact zeros stay zero)."""
    return np.where(paths == 0, 0.0, m + k * (paths - m))


def scores(paths, real):
    """The std ratio (pooled, population sd as `tgfl evaluate`) and W1 1-day."""
    x = paths.ravel()
    return x.std() / real.std(), stats.wasserstein_distance(real, x)


class ScaledW1:
    """W1 1-day of the pooled returns scaled about m by k, for many k: the quantile form
    ∫|F⁻¹(p) − (m + k(G⁻¹(p) − m))| dp on the union of both samples' steps (equal to scipy's
    wasserstein_distance; the scaling keeps the order, exact zeros moved to m(1 − k), < 1e-5)."""

    def __init__(self, real, x):
        u, v = np.sort(real), np.sort(x)
        n, big = len(u), len(v)
        p = np.union1d(np.arange(n + 1) / n, np.arange(big + 1) / big)
        mid = (p[:-1] + p[1:]) / 2
        self.dp = np.diff(p)
        self.u = u[np.minimum((mid * n).astype(int), n - 1)]
        self.v = v[np.minimum((mid * big).astype(int), big - 1)]

    def __call__(self, k, m):
        return float(np.sum(self.dp * np.abs(self.u - (m + k * (self.v - m)))))


def paired(base, other, label, resamples=10000):
    """privacy_paired_bootstrap.py's change of the mean badness with its 90 % interval and verdict."""
    base, other = np.asarray(base), np.asarray(other)
    idx = np.random.default_rng(0).integers(0, len(base), size=(resamples, len(base)))
    change = (other.mean() - base.mean()) / base.mean() * 100
    boot = (other[idx].mean(1) - base[idx].mean(1)) / base[idx].mean(1) * 100
    lo, hi = np.percentile(boot, [5, 95])
    verdict = "within 10 %" if hi < 10 else "worse" if lo > 10 else f"undecidable at n = {len(base)}"
    # Seeds a decision would need if the change stayed where it is: the interval's side towards
    # +10 % shrinks as 1/√n.
    side = hi - change if change < 10 else change - lo
    need = len(base) * (side / abs(change - 10)) ** 2 if change != 10 else float("inf")
    more = "" if "undecidable" not in verdict else f"  (n ≈ {need:.0f} to decide at this change)"
    print(f"  {label:34s} {base.mean():9.4g} {other.mean():9.4g} {change:+6.0f}% [{lo:+5.0f}%, {hi:+5.0f}%]  {verdict}{more}")
    return {"baseline_mean": base.mean(), "setting_mean": other.mean(), "change_pct": change,
            "interval90_pct": [lo, hi], "verdict": verdict, "seeds_to_decide": need}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--setting", default="dp-djia99-vol1")
    ap.add_argument("--baseline", default="nodp")
    ap.add_argument("--seeds", type=int, nargs="*")
    ap.add_argument("--check-run", nargs="*", default=[],
                    help="prefixes of runs at ū = 0 (…-sSEED): PREFIX.h5, PREFIX-paths.csv, PREFIX-eval.json")
    ap.add_argument("--bound", type=float, default=0.25,
                    help="the setting's box h (--dp-volatility-bound; 0.175 for dp-djia99-vol1-h175)")
    ap.add_argument("--json")
    a = ap.parse_args()
    global H
    H = a.bound

    level = json.load(open(os.path.join(ROOT, "Tests", "Fixtures", "volatility_level_reference.json")))
    ratios = next(o for o in level["owners"] if o["clients"] == OWNERS)["ratios"]   # clamped at 0.25
    u0 = float(np.mean(np.clip(ratios, -H, H))) if H < level["sensitivity"] else \
        next(o for o in level["owners"] if o["clients"] == OWNERS)["mean_ratio"]
    s = ZV * H / OWNERS
    peers = default_peers()
    offs = np.array([p["offset"] for p in peers.values()])
    tau2 = float(np.mean(offs ** 2))
    periods = np.concatenate([p["periods"] for p in peers.values()])
    peer_mean, peer_sd = float(periods.mean()), float(periods.std(ddof=1))
    w_prior0 = tau2 / (tau2 + s * s)
    w_oracle = u0 * u0 / (u0 * u0 + s * s)
    w_peers = peer_sd ** 2 / (peer_sd ** 2 + s * s)
    # The box chosen on public data alone (privacy_level_bound.py): the h minimising the worst RMSE of
    # the released level over the public peers' period offsets (clamp bias and noise z_v h / N).
    h2, peer_rmse = choose_bound(peers, ZV, OWNERS)
    u0_box = float(np.mean(np.clip(ratios, -h2, h2)))
    print("public-peer worst RMSE by box h: " + ", ".join(f"{h:g} {e:.4f}" for h, e in peer_rmse.items())
          + f"  -> h' = {h2:g}")
    print(f"box h {H:g}: noise-free ū₀ {u0:.5f}; release noise sd s = z_v·h/N = {s:.5f}")
    print("public peers against the Dow Jones: " + "; ".join(
        f"{n} {p['offset']:+.3f} over {p['days']} days (periods {np.round(p['periods'], 3).tolist()})"
        for n, p in peers.items()))
    print(f"prior0: τ = {np.sqrt(tau2):.4f}, w = {w_prior0:.4f};  peers: centre {peer_mean:+.4f}, τ {peer_sd:.4f}, "
          f"w = {w_peers:.4f};  oracle w* = {w_oracle:.4f};  box {h2}: ū₀ {u0_box:.5f}, s {ZV * h2 / OWNERS:.5f}")

    def clamp(u, h=H):
        return np.clip(u, -h, h)

    # estimator name -> v(ū_rel, ξ): the level used, from the released ū_rel (ξ: the standard draw)
    estimators = {
        "released": lambda u, xi: u,
        "prior0": lambda u, xi: w_prior0 * u,
        "peers": lambda u, xi: w_peers * u + (1 - w_peers) * peer_mean,
        "oracle": lambda u, xi: w_oracle * u,
        f"box{h2:g}": lambda u, xi: clamp(u0_box + ZV * h2 * xi / OWNERS, h2),
    }

    runs = {}
    for name in os.listdir(a.out_dir):
        p = os.path.join(a.out_dir, name, "run.json")
        if os.path.exists(p):
            r = json.load(open(p))
            runs[(r["setting"], r["seed"])] = (r, os.path.join(a.out_dir, name))
    seeds = sorted(sd for (n, sd) in runs if n == a.setting and (a.baseline, sd) in runs
                   and os.path.exists(os.path.join(runs[(n, sd)][1], "paths.csv"))
                   and (not a.seeds or sd in a.seeds))
    if len(seeds) < 2:
        sys.exit(f"need at least 2 seeds with both settings and kept paths, have {seeds}")
    real = log_returns("sp500").to_numpy()
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()

    out = {"bound": H, "u0": u0, "s": s, "peers": peers, "w": {"prior0": w_prior0, "peers": w_peers, "oracle": w_oracle},
           "seeds": seeds, "per_seed": {}, "decisions": {}}
    base_std = [abs(runs[(a.baseline, sd)][0]["realism"]["std_ratio"] - 1) for sd in seeds]
    base_w1 = [runs[(a.baseline, sd)][0]["realism"]["w1_1d"] for sd in seeds]
    plain = {e: {"std": [], "w1": []} for e in estimators}
    rb = {e: {"std": [], "w1": []} for e in estimators}
    print(f"\nper seed ({a.setting}): ū_rel, ξ = (ū_rel − ū₀)/s, std ratio (run, reproduced), W1 1d (run, reproduced)")
    for sd in seeds:
        record, d = runs[(a.setting, sd)]
        u_rel = released_ratio(os.path.join(d, "model.h5"))
        m = target_mean(os.path.join(d, "model.h5"))
        paths = pd.read_csv(os.path.join(d, "paths.csv")).to_numpy()
        r0, w0 = scores(paths, real)
        w1 = ScaledW1(real, paths.ravel())
        xi_seed = (u_rel - u0) / s
        print(f"  seed {sd:5d}: ū_rel {u_rel:+.5f}  ξ {xi_seed:+.2f}  std {record['realism']['std_ratio']:.5f} / {r0:.5f}"
              f"  W1 {record['realism']['w1_1d']:.4e} / {w0:.4e}")
        row = {"u_rel": u_rel, "xi": xi_seed, "std_ratio": r0, "w1_1d": w0, "m": m}
        for e, f in estimators.items():
            # the std ratio scales exactly: k r0
            k = np.exp(f(u_rel, xi_seed) - u_rel)
            rs, ws = k * r0, w1(k, m)
            plain[e]["std"].append(abs(rs - 1)); plain[e]["w1"].append(ws)
            es, ew = 0.0, 0.0
            for xi, wt in zip(nodes, weights):
                k = np.exp(f(clamp(u0 + s * xi), xi) - u_rel)
                es += wt * abs(k * r0 - 1)
                ew += wt * w1(k, m)
            rb[e]["std"].append(es); rb[e]["w1"].append(ew)
            row[e] = {"std_abs": abs(rs - 1), "w1": ws, "rb_std_abs": es, "rb_w1": ew}
        out["per_seed"][sd] = row
    xis = np.array([out["per_seed"][sd]["xi"] for sd in seeds])
    print(f"  ξ over seeds: mean {xis.mean():+.3f}, sd {xis.std(ddof=1):.3f} (a standard normal: 0, 1)")

    print(f"\nchange of the mean against {a.baseline}, n = {len(seeds)} (|ratio − 1| and W1 1d; positive = worse)")
    print(f"  {'':34s} {'baseline':>9s} {'setting':>9s} change  [90 %]")
    for e in estimators:
        for kind, base, vals, key in (("plain", base_std, plain[e]["std"], "std"), ("plain", base_w1, plain[e]["w1"], "w1"),
                                      ("Rao–Blackwell", base_std, rb[e]["std"], "std"),
                                      ("Rao–Blackwell", base_w1, rb[e]["w1"], "w1")):
            label = f"{e} {'std |r−1|' if key == 'std' else 'W1 1d'} {kind}"
            out["decisions"][label] = paired(base, vals, label)

    if a.check_run:
        print("\ncheck of the emulation: runs at ū = 0 (no release) against the seed's run scaled by exp(0 − ū_rel)")
        out["check"] = {}
    for prefix in a.check_run:
        sd = int(re.findall(r"s(\d+)$", prefix)[0])
        if sd not in out["per_seed"]:
            continue
        d = runs[(a.setting, sd)][1]
        u_rel = out["per_seed"][sd]["u_rel"]
        paths = pd.read_csv(os.path.join(d, "paths.csv")).to_numpy()
        er, ew = scores(scaled(paths, np.exp(-u_rel), out["per_seed"][sd]["m"]), real)
        cr, cw = scores(pd.read_csv(prefix + "-paths.csv").to_numpy(), real)
        ev = json.load(open(prefix + "-eval.json"))
        ev_std = next(f for f in ev["facts"] if f["key"] == "std")
        print(f"  seed {sd}: ū_rel {u_rel:+.4f}; emulated std ratio {er:.5f}, W1 1d {ew:.4e}; the run at ū = 0: {cr:.5f} "
              f"(its evaluate {ev_std['synthetic'] / ev_std['real']:.5f}), {cw:.4e}; std error {100 * (er / cr - 1):+.2f} %")
        out["check"][sd] = {"u_rel": u_rel, "emulated": [er, ew], "run": [cr, cw]}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1, default=float)


if __name__ == "__main__":
    main()
