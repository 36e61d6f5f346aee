#!/usr/bin/env python3
"""Where a model's generated returns differ from the S&P 500's (issue 19's last target, session 14;
BENCHMARKS.md "Issue 19's last target, session 14"): daily quantiles, std, kurtosis, KS statistic, lag-1 autocorrelation, the 20-day
variance ratio Var(20-day sum) / (20 Var(1-day)) and the 20-day quantiles.
Usage: privacy_shape_check.py TGFL SEED MODEL.h5 [MODEL.h5 ...]  (paths: tgfl generate --paths 1000
--horizon 250 --seed SEED, as Benchmarks/privacy_tradeoff.py)."""
import os, subprocess, sys, tempfile
import numpy as np
from scipy import stats

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "TGFLCore", "Resources", "sp500.csv")
closes = np.array([float(l.split(",")[1]) for l in open(ROOT).read().splitlines()[1:] if l.strip()])
real = np.diff(np.log(closes))
Q = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]


def describe(name, daily, twenty):
    d = daily.reshape(-1)
    ks = stats.ks_2samp(d, real).statistic
    lag1 = np.mean([np.corrcoef(p[:-1], p[1:])[0, 1] for p in daily]) if daily.ndim == 2 else np.corrcoef(d[:-1], d[1:])[0, 1]
    ratio = twenty.var() / (20 * d.var())
    print(f"{name:34s} sd {d.std():.5f} kurt {stats.kurtosis(d):6.2f} KS-D {ks:.4f} lag1 {lag1:+.3f} "
          f"20d sd {twenty.std():.4f} ratio {ratio:.2f} | 1d q {np.round(np.quantile(d, Q) * 100, 3)} "
          f"| 20d q {np.round(np.quantile(twenty, Q) * 100, 2)}")


def sums20(x):
    n = x.shape[-1] // 20 * 20
    return x[..., :n].reshape(*x.shape[:-1], -1, 20).sum(-1).reshape(-1)


describe("real S&P 500", real, sums20(real))
tgfl, seed = sys.argv[1], sys.argv[2]
for model in sys.argv[3:]:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "p.csv")
        subprocess.run([tgfl, "generate", "--model", model, "--paths", "1000", "--horizon", "250", "--seed", seed,
                        "--threads", "2", "--out", out], check=True, capture_output=True)
        paths = np.loadtxt(out, delimiter=",", skiprows=1)
    if paths.shape[0] == 250 and paths.shape[1] != 250:
        paths = paths.T
    if paths.shape[1] > 250:
        paths = paths[:, -250:]
    describe(os.path.basename(os.path.dirname(model)), paths, sums20(paths))
