#!/usr/bin/env python3
"""What the kept training step does to v2 scenarios (BENCHMARKS.md "Model selection by default").

For each CHECKPOINT:GENERATED_CSV:SERIES triple (a `tgfl train` checkpoint, its
`tgfl generate --paths 1000 --horizon 250` output, and the bundled series it was trained on, e.g.
sp500.close): re-filters the training span and every generated path with the checkpoint's own
GJR parameters (`/volatility` attrs, arch's backcast start, the same clamp), then prints
  E[z^2] and E[z^2 1(z<0)] of training and generated z = (r - mu)/sigma (generated from day 20),
  the occupancy of the S volatility levels (training: 1/S each by construction),
  the generated std over days 1-10 and 241-250, the 1 % VaR against the full series,
  and the scorecard-style fair ACF|r| and leverage errors and fair KS p (NumPy, as
  Benchmarks/realism_acf_diagnosis.py).

Reproduce (seed 42, 300 steps; add --keep-best / --no-keep-best / --input-jitter K to compare):
  tgfl train --bundled sp500 --column close --steps 300 --seed 42 --no-keep-best --out last.h5
  tgfl generate --model last.h5 --paths 1000 --horizon 250 --seed 42 --out last.csv
  /work/pyref/bin/python Benchmarks/model_selection_diagnosis.py last.h5:last.csv:sp500.close
Needs numpy, pandas, scipy, h5py.
"""
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realism_acf_diagnosis as D  # noqa: E402


def backcast(e):
    tau = min(75, len(e))
    w = 0.94 ** np.arange(tau)
    return float((w / w.sum() * e[:tau] ** 2).sum())


def variances(x, p):
    lo, hi = p["sigma_floor"] ** 2, p["sigma_cap"] ** 2
    e = x - p["mu"]
    v = np.clip(p["omega"] + (p["alpha"] + p["gamma"] / 2 + p["beta"]) * backcast(x - x.mean()), lo, hi)
    out = np.empty(len(x))
    for t in range(len(x)):
        out[t] = v
        v = np.clip(p["omega"] + (p["alpha"] + p["gamma"] * (e[t] < 0)) * e[t] ** 2 + p["beta"] * v, lo, hi)
    return out


def fair_ks(real, paths, n=10):
    rng = np.random.default_rng(0)
    pool = paths.ravel()
    return float(np.median([stats.ks_2samp(real, pool[rng.choice(len(pool), len(real), replace=False)]).pvalue
                            for _ in range(n)]))


def run(checkpoint, generated, series):
    with h5py.File(checkpoint, "r") as f:
        vol = f["volatility"]
        p = {k: float(vol.attrs[k]) for k in ("mu", "omega", "alpha", "gamma", "beta", "sigma_floor", "sigma_cap")}
        edges = vol["level_edges"][:]
    real = D.load(series)
    train = real[: int(0.8 * len(real))]
    v = variances(train, p)
    z = (train - p["mu"]) / np.sqrt(v)
    paths = pd.read_csv(generated).values
    gz, glevels = [], []
    for path in paths:
        pv = variances(path, p)[20:]
        gz.append((path[20:] - p["mu"]) / np.sqrt(pv))
        glevels.append(np.searchsorted(edges, 0.5 * np.log(pv), side="right"))
    gz, glevels = np.concatenate(gz), np.concatenate(glevels)
    S = len(edges) + 1
    A0, L0 = D.fair(real)
    A, L = D.curves(paths)
    print(f"== {checkpoint} ({series}); persistence {p['alpha'] + p['gamma'] / 2 + p['beta']:.4f}")
    print(f"  E z2 training {np.mean(z * z):.3f}, generated {np.mean(gz * gz):.3f};"
          f" E z2 1(z<0) training {np.mean(z * z * (z < 0)):.3f}, generated {np.mean(gz * gz * (gz < 0)):.3f}")
    print("  level occupancy, generated:", " ".join(f"{np.mean(glevels == j):.3f}" for j in range(S)))
    print(f"  std days 1-10 {paths[:, :10].std():.5f} -> 241-250 {paths[:, -10:].std():.5f}"
          f" (training {train.std():.5f}); 1 % VaR {-np.quantile(paths, 0.01):.4f} (full series {-np.quantile(real, 0.01):.4f})")
    print(f"  fair KS p {fair_ks(real, paths):.1e}; fair ACF|r| error {np.linalg.norm(A - A0):.3f};"
          f" leverage error {np.linalg.norm(L - L0):.3f}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for arg in sys.argv[1:]:
        run(*arg.split(":"))
