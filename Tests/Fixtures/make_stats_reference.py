#!/usr/bin/env python3
"""Writes Tests/Fixtures/stats_reference.json: golden values for TGFLStats part A.

References: numpy (mean, std, quantile 'linear'), scipy.stats (skew, kurtosis, ks_2samp,
kstest, anderson_ksamp, jarque_bera, t, chi2, norm, binom), scipy.special (gammaln,
gammainc(c), betainc, kolmogorov, kolmogi, ndtr, ndtri, stdtr, stdtrit, chdtr(c,i)),
statsmodels (acf, acorr_ljungbox). Run with a fixed seed:

    /work/devvenv/bin/python Tests/Fixtures/make_stats_reference.py
"""
import json
import os
import warnings

import numpy as np
import scipy
import scipy.special as sp
import scipy.stats as st
import statsmodels
from statsmodels.tsa.stattools import acf
from statsmodels.stats.diagnostic import acorr_ljungbox

SEED = 20240611
rng = np.random.default_rng(SEED)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stats_reference.json")


def fl(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


# ---------------------------------------------------------------- samples
samples = {
    # small, with ties
    "small": np.array([0.5, -1.25, 0.5, 2.0, -0.75, 0.0, 1.5, -1.25, 0.25, 3.5, -2.0, 0.5]),
    # large, Student-t(4) heavy tails (daily-return scale)
    "large": 0.01 * rng.standard_t(4, size=5000),
    # many ties: rounded to 2 decimals
    "ties": np.round(rng.normal(0.0, 1.0, size=300), 1),
    # very heavy tails, skewed: t(2.5) plus a skewing term
    "heavy": rng.standard_t(2.5, size=2000) + 0.3 * np.abs(rng.standard_t(3, size=2000)),
}
# a GARCH-like series with volatility clustering and leverage (for ACF/leverage/Ljung-Box)
n_g = 3000
z = rng.standard_normal(n_g)
r = np.zeros(n_g)
h = 1e-4
for t in range(n_g):
    r[t] = np.sqrt(h) * z[t]
    h = 1e-6 + 0.08 * r[t] ** 2 + 0.1 * (r[t] < 0) * r[t] ** 2 + 0.85 * h
samples["garch"] = r

ref = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__,
                    "statsmodels": statsmodels.__version__},
       "seed": SEED,
       "samples": {k: fl(v) for k, v in samples.items()}}

# ---------------------------------------------------------------- descriptive
QS = [0.0, 0.001, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0]
desc = {}
for name, x in samples.items():
    desc[name] = {
        "mean": float(np.mean(x)),
        "std_ddof0": float(np.std(x, ddof=0)),
        "std_ddof1": float(np.std(x, ddof=1)),
        "skew_biased": float(st.skew(x, bias=True)),
        "skew_unbiased": float(st.skew(x, bias=False)),
        "kurt_biased": float(st.kurtosis(x, fisher=True, bias=True)),
        "kurt_unbiased": float(st.kurtosis(x, fisher=True, bias=False)),
        "quantile_levels": QS,
        "quantiles": fl(np.quantile(x, QS, method="linear")),
    }
ref["descriptive"] = desc

# ---------------------------------------------------------------- ACF and leverage
MAXLAG = 20


def leverage_curve(x, K):
    # Pearson correlation of the overlapping pairs (r_t, r_{t+k}^2), t = 0..n-1-k
    return [float(np.corrcoef(x[: len(x) - k], x[k:] ** 2)[0, 1]) for k in range(1, K + 1)]


dep = {}
for name in ["small", "large", "garch", "heavy"]:
    x = samples[name]
    K = min(MAXLAG, len(x) - 2)
    dep[name] = {
        "max_lag": K,
        "acf": fl(acf(x, nlags=K, adjusted=False, fft=False)),
        "acf_abs": fl(acf(np.abs(x), nlags=K, adjusted=False, fft=False)),
        "leverage": leverage_curve(x, K),
    }
ref["dependence"] = dep

if __name__ == "__main__":
    with open(OUT, "w") as f:
        json.dump(ref, f, indent=0)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")
