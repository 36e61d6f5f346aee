#!/usr/bin/env python3
"""Fixed-regime scenarios of a v2 checkpoint against the real days of each regime.

Labels every real day by the checkpoint's own regime function (the band of its GJR-GARCH
filtered volatility, recomputed here with NumPy from /volatility and /regimes), then prints,
per regime, the real days' std, 1 % VaR and annualized mean next to those of the scenario file
generated under that regime. BENCHMARKS.md ("Model v2", per regime) was made with:

    tgfl train --data Sources/TGFLCore/Resources/sp500.csv --column close --steps 100 --keep-best --out m.h5
    for g in calm normal volatile crisis; do tgfl generate --model m.h5 --regime $g --paths 500 \\
        --horizon 250 --out g_$g.csv; done
    python Benchmarks/v2_regime_check.py m.h5 Sources/TGFLCore/Resources/sp500.csv g_{regime}.csv
"""
import argparse

import h5py
import numpy as np
import pandas as pd


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("prices", help="CSV with a close column (the real series)")
    ap.add_argument("pattern", help="scenario CSV per regime, with {regime} for its name")
    a = ap.parse_args()
    with h5py.File(a.checkpoint, "r") as f:
        v = dict(f["volatility"].attrs)
        thresholds = f["regimes/thresholds"][:]
        names = __import__("json").loads(f["regimes"].attrs["names"])
    mu, om, al, ga, be = v["mu"], v["omega"], v["alpha"], v["gamma"], v["beta"]
    lo, hi = v["sigma_floor"], v["sigma_cap"]
    r = np.diff(np.log(pd.read_csv(a.prices).close.values))
    rr = r - r.mean()
    w = 0.94 ** np.arange(min(75, len(r)))
    w /= w.sum()
    s2 = np.empty(len(r))
    var = om + (al + ga / 2 + be) * (w * rr[: len(w)] ** 2).sum()
    for t in range(len(r)):
        var = min(max(var, lo * lo), hi * hi)
        s2[t] = var
        e = r[t] - mu
        var = om + (al + ga * (e < 0)) * e * e + be * var
    labels = np.searchsorted(thresholds, np.sqrt(s2), side="right")

    def stats(x):
        return x.std(), -np.quantile(x, 0.01), 252 * x.mean()

    for g, name in enumerate(names):
        x = r[labels == g]
        y = pd.read_csv(a.pattern.format(regime=name)).values.ravel()
        print(f"{name:9s} real std {stats(x)[0]:.4f} VaR1 {stats(x)[1]:.4f} drift {stats(x)[2]:+.3f} ({len(x)} days) | "
              f"scenarios std {stats(y)[0]:.4f} VaR1 {stats(y)[1]:.4f} drift {stats(y)[2]:+.3f}")


if __name__ == "__main__":
    main()
