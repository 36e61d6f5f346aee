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

# ---------------------------------------------------------------- special functions
def grid2(fun, pairs):
    return {"args": [list(map(float, pr)) for pr in pairs], "values": fl([fun(*pr) for pr in pairs])}


gamma_pairs = [(a, x) for a in [0.1, 0.5, 1.0, 2.5, 10.0, 50.0, 200.0, 1000.0]
               for x in [1e-3 * a, 0.1 * a, 0.5 * a, 0.9 * a, a, 1.1 * a, 2 * a, 5 * a, 10 * a + 20]]
beta_pairs = [(a, b, x) for a, b in [(0.5, 0.5), (0.5, 3.0), (2.0, 5.0), (10.0, 0.5), (50.0, 50.0),
                                      (200.0, 0.5), (1.5, 400.0)]
              for x in [1e-6, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-6]]
t_pairs = [(df, t) for df in [1.0, 2.0, 3.0, 4.5, 10.0, 30.0, 100.0, 1000.0]
           for t in [-1e4, -40.0, -8.0, -3.0, -1.0, -0.1, 0.0, 0.3, 2.0, 6.0, 50.0]]
probs = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9,
         0.95, 0.99, 0.999, 1 - 1e-6, 1 - 1e-10]
tq_pairs = [(df, p) for df in [1.0, 2.5, 4.0, 10.0, 100.0] for p in probs[2:]]
chi_pairs = [(k, x) for k in [1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 100.0, 1000.0]
             for x in [1e-4 * k, 0.2 * k, 0.8 * k, k, 1.5 * k, 3 * k + 10, 10 * k + 40]]
chiq_pairs = [(k, p) for k in [1.0, 2.0, 4.0, 7.0, 30.0, 500.0] for p in probs[2:-1]]
z = [-38.0, -30.0, -20.0, -10.0, -6.0, -3.0, -1.5, -0.5, 0.0, 0.25, 1.0, 2.0, 4.0, 8.0, 12.0]
kol_x = [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.82, 0.83, 0.9, 1.0, 1.2, 1.5, 2.0,
         2.5, 3.0, 4.0, 6.0, 10.0, 20.0]
kol_p = [1e-12, 1e-6, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999999]
# kstwo: cover every region of Simard & L'Ecuyer (n ≤ 140 Durbin/Pomeranz/Smirnov; n > 140
# Durbin, Pelz-Good, Smirnov; Ruben-Gambino ends)
kstwo_pairs = []
for n in [1, 2, 5, 10, 37, 100, 140, 141, 500, 1000, 5000, 10000, 120000, 250000]:
    for c in [0.3, 0.6, 0.8, 1.0, 1.3, 1.7, 2.2, 3.0]:
        d = c / np.sqrt(n)
        if d < 1:
            kstwo_pairs.append((n, d))
    for d in [0.75 / n, 1.5 / n, 0.5, 0.7, 1 - 0.5 / n]:
        if 0 < d < 1:
            kstwo_pairs.append((n, d))
smirnov_pairs = [(n, d) for n in [1, 3, 10, 50, 300, 5000] for d in [0.01, 0.1, 0.3, 0.5, 0.9]]

ref["special"] = {
    "gammaln": grid2(sp.gammaln, [(x,) for x in [1e-8, 0.1, 0.5, 1.0, 1.5, 2.0, 3.7, 10.0, 100.5, 1e4, 1e7]]),
    "gammainc": grid2(sp.gammainc, gamma_pairs),
    "gammaincc": grid2(sp.gammaincc, gamma_pairs),
    "betainc": grid2(sp.betainc, beta_pairs),
    "ndtr": grid2(sp.ndtr, [(v,) for v in z]),
    "norm_sf": grid2(st.norm.sf, [(v,) for v in z]),
    "ndtri": grid2(sp.ndtri, [(p,) for p in probs]),
    "stdtr": grid2(sp.stdtr, t_pairs),
    "stdtrit": grid2(sp.stdtrit, tq_pairs),
    "t_pdf": grid2(st.t.pdf, [(t, df) for df, t in t_pairs]),
    "chdtr": grid2(sp.chdtr, chi_pairs),
    "chdtrc": grid2(sp.chdtrc, chi_pairs),
    "chi2_ppf": grid2(lambda k, p: st.chi2.ppf(p, k), chiq_pairs),
    "chdtri": grid2(sp.chdtri, chiq_pairs),
    "kolmogorov": grid2(sp.kolmogorov, [(v,) for v in kol_x]),
    "kolmogi": grid2(sp.kolmogi, [(p,) for p in kol_p]),
    "kstwo_sf": grid2(lambda n, d: st.kstwo.sf(d, n), kstwo_pairs),
    "smirnov": grid2(sp.smirnov, smirnov_pairs),
}

# ---------------------------------------------------------------- KS tests
ks = {"two_sample": [], "one_sample_norm": [], "one_sample_t": []}
two_cases = [
    ("small", "ties"), ("ties", "small"), ("large", "heavy"), ("garch", "large"),
]
extra = {
    "equal_n_a": rng.normal(0, 1, 400), "equal_n_b": rng.normal(0.15, 1, 400),
    "tiny_a": np.array([1.0, 2.0, 3.0]), "tiny_b": np.array([2.5, 4.0, 5.0, 6.0, 7.0]),
    "big_a": rng.normal(0, 1, 12000), "big_b": 1.02 * rng.normal(0, 1, 11000),
    "same_a": np.round(rng.normal(0, 1, 60), 0), "same_b": np.round(rng.normal(0, 1, 45), 0),
}
ref["samples_extra"] = {k: fl(v) for k, v in extra.items()}
allsamp = dict(samples)
allsamp.update(extra)
two_cases += [("equal_n_a", "equal_n_b"), ("tiny_a", "tiny_b"), ("big_a", "big_b"), ("same_a", "same_b"),
              ("large", "garch")]
for a, b in two_cases:
    res = st.ks_2samp(allsamp[a], allsamp[b])
    ks["two_sample"].append({"x": a, "y": b, "statistic": float(res.statistic), "pvalue": float(res.pvalue)})
for name, mu, sd in [("small", 0.0, 1.5), ("large", 0.0, 0.014), ("ties", 0.1, 1.0),
                     ("heavy", 0.2, 2.0), ("garch", 0.0, 0.012), ("big_a", 0.0, 1.0)]:
    res = st.kstest(allsamp[name], "norm", args=(mu, sd))
    ks["one_sample_norm"].append({"x": name, "mean": mu, "sd": sd,
                                  "statistic": float(res.statistic), "pvalue": float(res.pvalue)})
for name, df, loc, scale in [("small", 3.0, 0.0, 1.0), ("large", 4.0, 0.0, 0.01), ("heavy", 2.5, 0.3, 1.0),
                             ("ties", 10.0, 0.0, 1.0)]:
    res = st.kstest(allsamp[name], "t", args=(df, loc, scale))
    ks["one_sample_t"].append({"x": name, "df": df, "loc": loc, "scale": scale,
                               "statistic": float(res.statistic), "pvalue": float(res.pvalue)})
ref["ks"] = ks

if __name__ == "__main__":
    with open(OUT, "w") as f:
        json.dump(ref, f, indent=0)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")
