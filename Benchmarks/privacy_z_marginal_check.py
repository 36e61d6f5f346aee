#!/usr/bin/env python3
"""Is the DP model's one-day gap a z-marginal problem, a σ-level problem, or neither? (issue 19's
last target, session 16; BENCHMARKS.md "Privacy: the last target, session 16 (dp19)").

For each run directory (Benchmarks/privacy_tradeoff.py's SETTING-sSEED, with the paths kept by
--keep-paths, or generated here with `tgfl generate --paths 1000 --horizon 250 --seed SEED`):

  level      sd of the generated one-day returns over the real S&P 500's
  KS         KS distance to the full S&P 500 and the fair KS p (median over 20 real-size
             subsamples, numpy's generator, seed 0: close to, not the bits of, `tgfl evaluate`'s);
  KS@level   the same after scaling the pool to the real sd (the level removed: what is left is shape)
  z          standardized shocks under ONE public filter: a GJR-GARCH(1,1)-t fitted (arch) on the
             Dow Jones 1999-2018 closes (the public series of --data-models-from), applied with its
             α, γ, β and an ω set so each series' unconditional variance is its own sample variance
             (so the level does not enter z); paths filtered one by one from that variance.
             Reported: sd, excess kurtosis, quantiles, and the KS distance of the pooled z to the
             S&P 500's z (the members') and to the Dow Jones' own z (the public marginal).

--emulate adds, per run, the lever emulated in NumPy: the pooled z mapped by rank onto the public z's
quantiles and r' = μ + σ_t·z' on each path's own σ_t (only the z marginal changes; no feedback of z' into
σ, unlike the shipped --public-z-marginal, whose own paths are checked by passing their run directory).

Usage: privacy_z_marginal_check.py [--tgfl TGFL] [--emulate] RUN_DIR [RUN_DIR ...]  (prints a table; --json OUT)
"""
import argparse
import json
import os
import subprocess

import numpy as np
from arch import arch_model
from scipy import stats

RES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "TGFLCore", "Resources")
Q = [0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999]


def closes(name, lo=None, hi=None):
    rows = [ln.split(",") for ln in open(os.path.join(RES, name)).read().splitlines()[1:] if ln.strip()]
    c = np.array([float(r[1]) for r in rows if (lo is None or r[0] >= lo) and (hi is None or r[0] <= hi)])
    return np.diff(np.log(c))


REAL = closes("sp500.csv")
PUBLIC = closes("djia.csv", "1999-01-01", "2018-12-31")


def public_filter():
    """α, γ, β, ν, μ of the GJR-GARCH(1,1)-t fitted on the Dow Jones 1999-2018 (returns × 100)."""
    fit = arch_model(PUBLIC * 100, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit(disp="off")
    p = fit.params
    return {"mu": p["mu"] / 100, "alpha": p["alpha[1]"], "gamma": p["gamma[1]"], "beta": p["beta[1]"], "nu": p["nu"]}


def standardize(x, f, variance, sigmas=False):
    """z of the rows of x (each a path) under f with ω = variance·(1 − α − γ/2 − β), started there
    (and the σ_t with `sigmas`)."""
    x = np.atleast_2d(x) - f["mu"]
    persistence = f["alpha"] + f["gamma"] / 2 + f["beta"]
    omega = variance * (1 - persistence)
    v = np.full(x.shape[0], variance)
    z, s = np.empty_like(x), np.empty_like(x)
    for t in range(x.shape[1]):
        s[:, t] = np.sqrt(v)
        z[:, t] = x[:, t] / s[:, t]
        e2 = x[:, t] ** 2
        v = omega + (f["alpha"] + f["gamma"] * (x[:, t] < 0)) * e2 + f["beta"] * v
    return (z.reshape(-1), s.reshape(-1)) if sigmas else z.reshape(-1)


def mapped_to_public(z, z_public):
    """The emulated lever: each pooled z moved to the public z's quantile at its rank in the pool."""
    u = (stats.rankdata(z) - 0.5) / z.size
    return np.quantile(z_public, u)


def fair_ks(pool, real, subsamples=20, seed=0):
    rng = np.random.default_rng(seed)
    return float(np.median([stats.ks_2samp(real, pool[rng.choice(pool.size, real.size, replace=False)]).pvalue
                            for _ in range(subsamples)]))


def paths_of(run_dir, tgfl):
    p = os.path.join(run_dir, "paths.csv")
    if not os.path.exists(p):
        seed = run_dir.rstrip("/").rsplit("-s", 1)[1]
        subprocess.run([tgfl, "generate", "--model", os.path.join(run_dir, "model.h5"), "--paths", "1000",
                        "--horizon", "250", "--seed", seed, "--threads", "2", "--out", p], check=True,
                       capture_output=True)
    x = np.loadtxt(p, delimiter=",", skiprows=1)
    if x.shape[0] == 250 and x.shape[1] != 250:
        x = x.T
    return x[:, -250:]


def describe(name, x, z, z_real, z_public):
    d = x.reshape(-1)
    row = {"name": name, "sd_ratio": float(d.std() / REAL.std()),
           "ks_d": float(stats.ks_2samp(d, REAL).statistic), "ks_fair_p": fair_ks(d, REAL)}
    scaled = d * REAL.std() / d.std()
    row["ks_d_at_level"] = float(stats.ks_2samp(scaled, REAL).statistic)
    row["ks_fair_p_at_level"] = fair_ks(scaled, REAL)
    row["r_quantiles_over_sd"] = [float(q) for q in np.quantile(d / d.std(), Q)]
    row["z_sd"] = float(z.std())
    row["z_kurtosis"] = float(stats.kurtosis(z))
    row["z_quantiles"] = [float(q) for q in np.quantile(z, Q)]
    row["z_ks_to_members"] = float(stats.ks_2samp(z, z_real).statistic) if z_real is not None else 0.0
    row["z_ks_to_public"] = float(stats.ks_2samp(z, z_public).statistic) if z_public is not None else 0.0
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tgfl", default=".build/release/tgfl")
    ap.add_argument("--json")
    ap.add_argument("--emulate", action="store_true",
                    help="also score each run's paths with their z (under the public filter) mapped onto the public "
                         "z marginal, each path keeping its σ_t under that filter (an emulation of the lever)")
    ap.add_argument("runs", nargs="+")
    a = ap.parse_args()
    f = public_filter()
    z_real = standardize(REAL, f, REAL.var())
    z_public = standardize(PUBLIC, f, PUBLIC.var())
    rows = [describe("S&P 500 (members, real)", REAL[None, :], z_real, None, z_public),
            describe("Dow Jones 1999-2018 (public)", PUBLIC[None, :], z_public, z_real, None)]
    for r in a.runs:
        x = paths_of(r, a.tgfl)
        z = standardize(x, f, x.var())
        rows.append(describe(os.path.basename(r.rstrip("/")), x, z, z_real, z_public))
        if a.emulate:
            zm = mapped_to_public(z, z_public)
            _, sig = standardize(x, f, x.var(), sigmas=True)
            rows.append(describe("  + z to public, σ_t kept", (f["mu"] + sig * zm).reshape(x.shape), zm,
                                 z_real, z_public))
    print(f"public filter (arch GJR-t on DJIA 1999-2018): {json.dumps({k: round(v, 4) for k, v in f.items()})}")
    print(f"{'series':34s} {'sd/real':>7s} {'KS-D':>6s} {'fairKSp':>7s} | {'KS-D@lv':>7s} {'p@lv':>6s} | "
          f"{'z sd':>6s} {'z kurt':>6s} {'zKS-mem':>7s} {'zKS-pub':>7s} | z q 0.1% 1% 5% 25% 50% 75% 95% 99% 99.9%")
    for w in rows:
        print(f"{w['name']:34s} {w['sd_ratio']:7.3f} {w['ks_d']:6.4f} {w['ks_fair_p']:7.3f} | {w['ks_d_at_level']:7.4f} "
              f"{w['ks_fair_p_at_level']:6.3f} | {w['z_sd']:6.3f} {w['z_kurtosis']:6.2f} {w['z_ks_to_members']:7.4f} "
              f"{w['z_ks_to_public']:7.4f} | {' '.join(f'{q:+.2f}' for q in w['z_quantiles'])}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"public_filter": f, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
