#!/usr/bin/env python3
"""The memorization score on raw and on RMS-scaled windows (BENCHMARKS.md "Memorization target").

For each bundled SERIES and each baseline scenario file of Benchmarks/realism_baselines.py
(GARCH(1,1)-t, i.i.d. bootstrap) in --baselines: 20-day windows, training = the first 80 % of
the series (stride 1), held-out = the rest (stride 1), generated = non-overlapping windows of the
paths; seeded subsamples of 1,000 generated and held-out and 20,000 training windows (NumPy's
generator, so the figures match the scorecard's in distribution, not bit for bit); prints the
median NN-distance ratio and the fraction closer than the held-out 5 % quantile on raw and on
RMS-scaled windows, and the same for copies of training windows (and copies x1.5).

  /work/pyref/bin/python Benchmarks/memorization_scaling_check.py --baselines DIR \
      eu_stocks.dax crsp_daily.crsp crsp_daily.ge fx_usd_1980.dem sp500.close
Needs numpy and pandas.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realism_acf_diagnosis as D  # noqa: E402


def windows(x, w=20, s=1):
    return np.array([x[i:i + w] for i in range(0, len(x) - w + 1, s)])


def rms_scaled(W):
    n = np.sqrt((W ** 2).mean(axis=1, keepdims=True))
    n[n == 0] = 1
    return W / n


def nearest(Q, T):
    out = []
    for i in range(0, len(Q), 200):
        q = Q[i:i + 200]
        d = (q ** 2).sum(1)[:, None] + (T ** 2).sum(1)[None, :] - 2 * q @ T.T
        out.append(np.sqrt(np.maximum(d.min(1), 0)))
    return np.concatenate(out)


def score(G, T, H, scale):
    rng = np.random.default_rng(0)
    G = G[rng.choice(len(G), min(1000, len(G)), replace=False)]
    H = H[rng.choice(len(H), min(1000, len(H)), replace=False)]
    T = T[rng.choice(len(T), min(20000, len(T)), replace=False)]
    if scale:
        G, T, H = rms_scaled(G), rms_scaled(T), rms_scaled(H)
    dg, dh = nearest(G, T), nearest(H, T)
    return np.median(dg) / np.median(dh), np.mean(dg < np.quantile(dh, 0.05))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("series", nargs="+")
    ap.add_argument("--baselines", required=True)
    args = ap.parse_args()
    for name in args.series:
        r = D.load(name)
        n = int(0.8 * len(r))
        T, H = windows(r[:n]), windows(r[n:])
        print(f"== {name}: held-out std / training std {r[n:].std() / r[:n].std():.2f}")
        for method in ("garch_t", "bootstrap"):
            paths = pd.read_csv(Path(args.baselines) / f"{name}.{method}.csv").values
            G = np.concatenate([windows(p, 20, 20) for p in paths])
            (a, b), (c, d) = score(G, T, H, False), score(G, T, H, True)
            print(f"  {method:10s} raw ratio {a:.2f} fraction {b:.2f} | RMS-scaled ratio {c:.2f} fraction {d:.2f}")
        copies = T[np.random.default_rng(1).choice(len(T), 1000)]
        for label, C in (("copies", copies), ("copies x1.5", 1.5 * copies)):
            c, d = score(C, T, H, True)
            print(f"  {label:10s} RMS-scaled ratio {c:.2f} fraction {d:.2f}")


if __name__ == "__main__":
    main()
