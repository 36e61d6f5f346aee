#!/usr/bin/env python3
"""The generated volatility level against the real one (BENCHMARKS.md "Volatility calibration").

For a bundled series and one or more generated scenario files (`tgfl generate --paths 1000
--horizon 250` output), prints the std, mean and quantiles (in real std) of the real series,
its first 80 % (`train`) and last 20 % (`heldout`) and of every scenario file, with the fair
KS median p against the full real series (21 real-size subsamples of the pooled scenarios,
seed 0) and the KS p of the standardised returns (shape only, scale removed).

Reproduce the session-8 figures (NYSE; CLI at the tree named in BENCHMARKS):
  head -3203 Sources/TGFLCore/Resources/nyse.csv > nyse80.csv
  tgfl train --data nyse80.csv --column close --steps 300 --seed 42 --out cal.h5
  tgfl train --data nyse80.csv --column close --steps 300 --seed 42 --no-volatility-calibration --out plain.h5
  tgfl generate --model cal.h5 --paths 1000 --horizon 250 --seed 1042 --regime none --out cal.csv
  tgfl generate --model plain.h5 --paths 1000 --horizon 250 --seed 1042 --regime none --out plain.csv
  python Benchmarks/volatility_level_check.py nyse close cal.csv plain.csv
(The ω × 1.3 / 1.6 rows: the plain checkpoint with its `/volatility` attribute `omega`
multiplied in h5py, then generated the same way.)
Needs numpy, pandas, scipy.
"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

RESOURCES = Path(__file__).resolve().parent.parent / "Sources" / "TGFLCore" / "Resources"


def summary(tag, x, real, subsamples=21):
    x = np.asarray(x, dtype=float).ravel()
    rng = np.random.default_rng(0)
    n = min(len(real), len(x))
    ks = [stats.ks_2samp(rng.choice(x, n, replace=False), real).pvalue for _ in range(subsamples)]
    z, zr = (x - x.mean()) / x.std(), (real - real.mean()) / real.std()
    shape = stats.ks_2samp(rng.choice(z, n, replace=False), zr).pvalue
    q = np.quantile(x, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]) / real.std()
    print(f"{tag:>12s}  std {x.std():.5f}  mean {x.mean():+.2e}  fair KS p {np.median(ks):.3g}"
          f"  shape KS p {shape:.3g}  quantiles/real std {np.round(q, 3)}")


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    name, column, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    prices = pd.read_csv(RESOURCES / f"{name}.csv")[column].to_numpy(dtype=float)
    real = np.diff(np.log(prices))
    real = real[np.isfinite(real)]
    cut = int(0.8 * len(real))
    summary("real", real, real)
    summary("train", real[:cut], real)
    summary("heldout", real[cut:], real)
    for f in files:
        summary(Path(f).stem, pd.read_csv(f).to_numpy(), real)


if __name__ == "__main__":
    main()
