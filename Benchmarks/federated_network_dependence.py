#!/usr/bin/env python3
"""Does the shared (federated) network add z dependence on top of each institution's matched
recursion? (issue 12, session 20, acf20; BENCHMARKS.md "Why the shared network's ACF|r| is higher")

For each institution (bundled series) and each arm — the federated global model, the centralized
model, a local-only model and an untrained (output-prior) network — adapted to the series' own
first 80 % with `tgfl-bench realism --adapt-model FILE --dynamics own --save DIR/ARM` (DIR/ARM/
<name>.h5 = the adapted checkpoint, DIR/ARM/<name>.tgfl.csv = its unconditional paths), prints:

- the fair ACF|r| curve error against the real series cut into 250-day chunks (as
  RealismScorecard): L2 over lags 1-50, split 1-5 and 6-50, and the mean signed gap (generated −
  real) over lags 1-5 and 6-50 (positive = more clustering than the data);
- the fair leverage L2 error (lags 1-20);
- the mean ACF|r| over lags 1-10 minus that of the real test span (its first ≤ 1000 days after
  the 80 % cut: the federated bench's |ΔACF|r|| compares lags 1-10 with it), signed;
- the z dependence of the paths: every path (and every real 250-day chunk) filtered with the
  adapted checkpoint's own GJR filter (mu, omega, alpha, gamma, beta, sigma floor/cap; started at
  arch's backcast of its own first 75 days): the mean per-path ACF of |z| over lags 1-5 and
  6-50, corr(z_t, z²_{t+1}) pooled over paths, and corr(log σ_t, z_t²) (does the size of z
  fall or rise with the volatility state? days 20-249 of each path) and the excess kurtosis of
  those z (days 20-249, pooled). The untrained network's paths are close to
  i.i.d. z on the generation recursion, so arm − untrained = what the trained network adds.

No randomness here (the paths are the bench's; bootstrap SEs over paths use seed 1).
Run: /work/pyref/bin/python Benchmarks/federated_network_dependence.py --dir DIR \
        --arms prior,loc,fed,cen --series djia.close,eu_stocks.dax,...
"""
import argparse
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

RES = Path(__file__).resolve().parent.parent / "Sources" / "TGFLCore" / "Resources"
H = 250


def load(name):
    f, c = name.split(".")
    x = pd.read_csv(RES / f"{f}.csv")[c].to_numpy(dtype=float)
    return x if f in ("crsp_daily", "siemens") else np.diff(np.log(x))


def acf_rows(x, K):
    """Per-row ACF (lags 1..K) of the rows of x (paths × days)."""
    x = x - x.mean(axis=1, keepdims=True)
    d = (x * x).sum(axis=1)
    return np.stack([(x[:, :-k] * x[:, k:]).sum(axis=1) / d for k in range(1, K + 1)], axis=1)


def lev_rows(x, K):
    out = np.empty((x.shape[0], K))
    for k in range(1, K + 1):
        a, b = x[:, :-k], x[:, k:] ** 2
        a = a - a.mean(axis=1, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
        out[:, k - 1] = (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    return out


def volatility(path):
    with h5py.File(path, "r") as f:
        a = dict(f["volatility"].attrs)
    return {k: float(a[k]) for k in ("mu", "omega", "alpha", "gamma", "beta", "sigma_floor", "sigma_cap")} | {
        "gen": tuple(float(a.get("generation_" + k, a[k])) for k in ("alpha", "gamma", "beta")),
        "power": int(a.get("generation_power", 2))}


def filtered_z(x, v, with_variance=False):
    """z of the rows of x under the fitted GJR filter v (arch's backcast start, bounds); with
    `with_variance` also the filter's variances."""
    e = x - v["mu"]
    lo, hi = v["sigma_floor"] ** 2, v["sigma_cap"] ** 2
    w = 0.94 ** np.arange(75)
    w /= w.sum()
    n = min(75, x.shape[1])
    back = (e[:, :n] ** 2 * w[:n]).sum(axis=1) / w[:n].sum()
    s2 = np.clip(v["omega"] + (v["alpha"] + v["gamma"] / 2 + v["beta"]) * back, lo, hi)
    z, var = np.empty_like(x), np.empty_like(x)
    for t in range(x.shape[1]):
        var[:, t] = s2
        z[:, t] = e[:, t] / np.sqrt(s2)
        s2 = np.clip(v["omega"] + (v["alpha"] + v["gamma"] * (e[:, t] < 0)) * e[:, t] ** 2 + v["beta"] * s2, lo, hi)
    return (z, var) if with_variance else z


def kurt(z):
    """Excess kurtosis of z pooled over rows (days 20-249)."""
    x = z[:, 20:].ravel()
    x = x - x.mean()
    return float((x ** 4).mean() / (x ** 2).mean() ** 2 - 3)


def zsig(z, var):
    """corr(log σ_t, z_t²) pooled over rows, skipping each row's first 20 days (the start)."""
    return float(np.corrcoef(np.log(var[:, 20:]).ravel(), z[:, 20:].ravel() ** 2)[0, 1])


def zlev(z):
    """corr(z_t, z²_{t+1}) pooled over rows."""
    return float(np.corrcoef(z[:, :-1].ravel(), z[:, 1:].ravel() ** 2)[0, 1])


def stats(paths, A0, L0, v, T0):
    A, L = acf_rows(np.abs(paths), 50), lev_rows(paths, 20)
    dA, dL = A.mean(axis=0) - A0, np.nanmean(L, axis=0) - L0
    z, var = filtered_z(paths, v, with_variance=True)
    Z = acf_rows(np.abs(z), 50)
    return {"acf": np.linalg.norm(dA), "acf1-5": np.linalg.norm(dA[:5]), "acf6-50": np.linalg.norm(dA[5:]),
            "gap1-5": dA[:5].mean(), "gap6-50": dA[5:].mean(), "lev": np.linalg.norm(dL),
            "zacf1-5": Z[:, :5].mean(), "zacf6-50": Z[:, 5:].mean(), "zlev1": zlev(z), "zsig": zsig(z, var), "zkurt": kurt(z),
            "test1-10": A.mean(axis=0)[:10].mean() - T0, "std": paths.std()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--arms", default="prior,loc,fed,cen",
                    help="arm folders under --dir; the first is the baseline of the paired differences")
    ap.add_argument("--series", required=True)
    ap.add_argument("--boot", type=int, default=200)
    a = ap.parse_args()
    arms = a.arms.split(",")
    rng = np.random.default_rng(1)
    keys = ["acf", "acf1-5", "acf6-50", "gap1-5", "gap6-50", "lev", "zacf1-5", "zacf6-50", "zlev1", "zsig", "zkurt", "test1-10",
            "std"]
    print("series              arm    " + "".join(f"{k:>10}" for k in keys) + "   (SE of acf, zacf1-5 over paths)")
    for name in a.series.split(","):
        r = load(name)
        chunks = np.stack([r[i * H:(i + 1) * H] for i in range(len(r) // H)])
        A0 = acf_rows(np.abs(chunks), 50).mean(axis=0)
        L0 = np.nanmean(lev_rows(chunks, 20), axis=0)
        test = r[int(0.8 * len(r)):][:1000]
        T0 = acf_rows(np.abs(test)[None, :], 10)[0].mean()
        ref = base = None
        for arm in arms:
            d = Path(a.dir) / arm
            if not (d / f"{name}.tgfl.csv").exists():
                continue
            v = volatility(d / f"{name}.h5")
            if ref is None:
                ref = v
                zr, vr = filtered_z(chunks, v, with_variance=True)
                Zr = acf_rows(np.abs(zr), 50)
                print(f"{name:<19} REAL   " + f"{'':>10}" * 6 + f"{Zr[:, :5].mean():10.4f}{Zr[:, 5:].mean():10.4f}"
                      f"{zlev(zr):10.4f}{zsig(zr, vr):10.4f}{kurt(zr):10.4f}{T0:10.4f}{chunks.std():10.5f}   filter α {v['alpha']:.4f} γ {v['gamma']:.4f} "
                      f"β {v['beta']:.4f}; generation {v['gen']} power {v['power']}")
            paths = np.loadtxt(d / f"{name}.tgfl.csv", delimiter=",", skiprows=1, ndmin=2)
            if paths.shape[1] != H:
                paths = paths.T if paths.shape[0] == H else paths
            s = stats(paths, A0, L0, ref, T0)
            bs = []
            for _ in range(a.boot):
                idx = rng.integers(0, len(paths), len(paths))
                A = acf_rows(np.abs(paths[idx]), 50).mean(axis=0)
                bs.append(np.linalg.norm(A - A0))
            if base is None:
                base = paths
            # Paired with the baseline arm (the first in --arms; the arms share the generation
            # seed, path p of each uses the same random stream): arm − baseline of the L2 error
            # and of the lag 1-5 gap, with its bootstrap SE over paths.
            diff = []
            for _ in range(a.boot):
                idx = rng.integers(0, len(paths), len(paths))
                Aa = acf_rows(np.abs(paths[idx]), 50).mean(axis=0) - A0
                Ab = acf_rows(np.abs(base[idx]), 50).mean(axis=0) - A0
                diff.append((np.linalg.norm(Aa) - np.linalg.norm(Ab), Aa[:5].mean() - Ab[:5].mean()))
            diff = np.array(diff)
            sb = stats(base, A0, L0, ref, T0)
            paired = (f"  vs {arms[0]}: Δacf {s['acf'] - sb['acf']:+.4f} ± {diff[:, 0].std():.4f}, "
                      f"Δgap1-5 {s['gap1-5'] - sb['gap1-5']:+.4f} ± {diff[:, 1].std():.4f}")
            zse = acf_rows(np.abs(filtered_z(paths, ref)), 5).mean(axis=1).std() / np.sqrt(len(paths))
            same = "" if v["alpha"] == ref["alpha"] and v["gen"] == ref["gen"] else \
                f"  (own filter α {v['alpha']:.4f} gen {tuple(round(x, 4) for x in v['gen'])})"
            print(f"{name:<19} {arm:<6} " + "".join(f"{s[k]:10.4f}" if k != "std" else f"{s[k]:10.5f}" for k in keys)
                  + f"   ({np.std(bs):.4f}, {zse:.4f}){paired}{same}")


if __name__ == "__main__":
    main()
