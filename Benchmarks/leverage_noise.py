#!/usr/bin/env python3
"""How much of a fair leverage error is Monte Carlo noise: the L2 error (lags 1-20) of the mean
leverage curve corr(r_t, r^2_{t+k}) of a scenario set against the real series' fair curve (the
series cut into 250-day chunks, the chunks' curves averaged), with the standard deviation of the
same error over bootstrap resamples of the paths (200 resamples). Issue 12's leverage target
compares TGFL's error with GJR-GARCH skew-t's on the same series; when the two errors differ by
less than about two of these standard deviations the verdict is a tie decided by the draw.

The curves follow LeverageEffect.curve (TGFLStats) and the chunking `tgfl-bench realism`'s: the
errors equal its table's (session 13, seed 42: crsp_daily.mobil 0.1231 TGFL, 0.1211 GJR;
eu_stocks.dax 0.1108, 0.1091).

Run (scenario CSVs from `tgfl-bench realism --save DIR` and `realism_baselines.py --out B`):
  python3 Benchmarks/leverage_noise.py --series crsp_daily.mobil --tgfl DIR/crsp_daily.mobil.tgfl.csv \\
      --baseline B/crsp_daily.mobil.gjr_skewt.csv
"""
import argparse
import os

import numpy as np
import pandas as pd

RESOURCES = os.path.join(os.path.dirname(__file__), "..", "Sources", "TGFLCore", "Resources")


def leverage_curves(paths, lags=20):
    """Row-wise corr(r_t, r^2_{t+k}) over the overlapping pairs, k = 1 ... lags."""
    out = np.zeros((paths.shape[0], lags))
    squares = paths * paths
    for k in range(1, lags + 1):
        a = paths[:, :-k] - paths[:, :-k].mean(1, keepdims=True)
        b = squares[:, k:] - squares[:, k:].mean(1, keepdims=True)
        out[:, k - 1] = (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))
    return out


def real_returns(series):
    file, column = series.split(".", 1)
    frame = pd.read_csv(os.path.join(RESOURCES, file + ".csv"))
    values = frame[[c for c in frame.columns if c.lower() == column.lower()][0]].to_numpy(float)
    # A column of prices (all positive, not returns) becomes log returns.
    return np.diff(np.log(values)) if values.min() > 0 and np.abs(values).mean() > 2 else values


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--series", required=True, help="bundled series, file.column (e.g. eu_stocks.dax)")
    ap.add_argument("--tgfl", required=True, help="TGFL scenario CSV (paths in rows)")
    ap.add_argument("--baseline", required=True, help="baseline scenario CSV (paths in rows)")
    ap.add_argument("--resamples", type=int, default=200)
    args = ap.parse_args()
    r = real_returns(args.series)
    chunks = np.array([r[i:i + 250] for i in range(0, len(r) - 249, 250)])
    real = np.nanmean(leverage_curves(chunks), 0)
    rng = np.random.default_rng(0)
    for name, path in (("tgfl", args.tgfl), ("baseline", args.baseline)):
        curves = leverage_curves(pd.read_csv(path).to_numpy(float))
        error = np.sqrt(((np.nanmean(curves, 0) - real) ** 2).sum())
        boot = [np.sqrt(((np.nanmean(curves[rng.integers(0, len(curves), len(curves))], 0) - real) ** 2).sum())
                for _ in range(args.resamples)]
        print(f"{args.series} {name}: fair leverage L2 error {error:.4f}, bootstrap sd {np.std(boot):.4f}")


if __name__ == "__main__":
    main()
