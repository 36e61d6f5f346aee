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
    "big_a": rng.normal(0, 1, 10001), "big_b": 1.03 * rng.normal(0, 1, 2500),
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

# ---------------------------------------------------------------- Ljung-Box, Jarque-Bera, Anderson-Darling
lb = {}
for name in ["small", "large", "garch", "heavy"]:
    x = samples[name]
    K = min(10, len(x) - 2)
    t = acorr_ljungbox(x, lags=K, model_df=0)
    t2 = acorr_ljungbox(x ** 2, lags=K, model_df=0)
    lb[name] = {"max_lag": K, "stat": fl(t["lb_stat"]), "pvalue": fl(t["lb_pvalue"]),
                "stat_sq": fl(t2["lb_stat"]), "pvalue_sq": fl(t2["lb_pvalue"])}
t = acorr_ljungbox(samples["garch"], lags=6, model_df=2)
lb["garch_model_df2"] = {"max_lag": 6, "model_df": 2, "stat": fl(t["lb_stat"])[2:], "pvalue": fl(t["lb_pvalue"])[2:]}
ref["ljung_box"] = lb

ref["jarque_bera"] = {name: {"statistic": float(st.jarque_bera(x).statistic),
                             "pvalue": float(st.jarque_bera(x).pvalue)} for name, x in samples.items()}

ad = []
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for names in [["small", "ties"], ["large", "garch"], ["large", "heavy", "ties"],
                  ["equal_n_a", "equal_n_b"], ["same_a", "same_b"], ["tiny_a", "tiny_b", "small"],
                  ["big_a", "big_b"]]:
        caught.clear()
        res = st.anderson_ksamp([allsamp[nm] for nm in names], variant="midrank")
        notes = [str(w.message) for w in caught if "capped" in str(w.message) or "floored" in str(w.message)]
        ad.append({"samples": names, "statistic": float(res.statistic), "pvalue": float(res.pvalue),
                   "note": notes[0].split(". Consider")[0] if notes else None})
ref["anderson_ksamp"] = ad

# ---------------------------------------------------------------- transfer entropy (numpy plug-in)
def te_bits(x, y, b):
    def sym(v):
        edges = np.quantile(v, [j / b for j in range(1, b)], method="linear")
        return np.digitize(v, edges)
    sx, sy = sym(x), sym(y)
    a, bb, c = sy[1:], sy[:-1], sx[:-1]
    N = len(a)
    te = 0.0
    for i in range(b):
        for j in range(b):
            for k in range(b):
                n_abc = np.sum((a == i) & (bb == j) & (c == k))
                if n_abc == 0:
                    continue
                n_b = np.sum(bb == j)
                n_bc = np.sum((bb == j) & (c == k))
                n_ab = np.sum((a == i) & (bb == j))
                te += n_abc / N * np.log2(n_abc * n_b / (n_bc * n_ab))
    return float(te)


n_te = 2000
xs = rng.standard_normal(n_te)
ys = np.zeros(n_te)
ys[0] = rng.standard_normal()
ys[1:] = 0.8 * xs[:-1] + 0.6 * rng.standard_normal(n_te - 1)   # x drives y with lag 1
ref["transfer_entropy"] = {
    "x": fl(xs), "y": fl(ys),
    "cases": [{"bins": b, "x_to_y": te_bits(xs, ys, b), "y_to_x": te_bits(ys, xs, b)} for b in [2, 3, 5]],
    "garch_abs": {"bins": 3, "value": te_bits(np.abs(samples["garch"]), samples["garch"] ** 2, 3)},
}

# ---------------------------------------------------------------- Hill tail index
def hill(x, tail, k):
    L = {"left": -x, "right": x, "absolute": np.abs(x)}[tail]
    Ls = np.sort(L)[::-1]
    xi = np.mean(np.log(Ls[:k])) - np.log(Ls[k])
    return float(1 / xi), float(xi), float(Ls[k])


pareto = {a: (rng.pareto(a, size=4000) + 1.0) for a in [1.5, 3.0]}
ref["samples_pareto"] = {str(a): fl(v) for a, v in pareto.items()}
hl = []
for name, tail, k in [("large", "left", None), ("large", "absolute", None), ("heavy", "left", 100),
                      ("heavy", "right", None), ("garch", "left", 150)]:
    x = samples[name]
    kk = k if k is not None else max(2, int(np.floor(np.sqrt(len(x)))))
    al, xi, thr = hill(x, tail, kk)
    hl.append({"x": name, "tail": tail, "k": kk, "k_given": k is not None, "alpha": al, "xi": xi, "threshold": thr})
for a, v in pareto.items():
    al, xi, thr = hill(v, "right", 400)
    hl.append({"x": "pareto_" + str(a), "tail": "right", "k": 400, "k_given": True, "alpha": al, "xi": xi,
               "threshold": thr, "true_alpha": a})
ref["hill"] = hl

# ---------------------------------------------------------------- VaR / ES (losses positive)
def cf_quantile(u, mu, sd, S, K):
    zz = st.norm.ppf(u)
    w = zz + (zz**2 - 1) * S / 6 + (zz**3 - 3 * zz) * K / 24 - (2 * zz**3 - 5 * zz) * S**2 / 36
    return mu + sd * w


from scipy import integrate
risk = []
for name in ["large", "heavy", "garch", "small"]:
    x = samples[name]
    mu, sd = np.mean(x), np.std(x, ddof=1)
    S, K = st.skew(x), st.kurtosis(x)
    for alpha in [0.01, 0.05]:
        q = np.quantile(x, alpha, method="linear")
        hist = (-q, -np.mean(x[x <= q]))
        z = st.norm.ppf(alpha)
        gauss = (-(mu + sd * z), -(mu - sd * st.norm.pdf(z) / alpha))
        cf_var = -cf_quantile(alpha, mu, sd, S, K)
        cf_es = -integrate.quad(lambda u: cf_quantile(u, mu, sd, S, K), 0, alpha, epsabs=0,
                                epsrel=1e-13, limit=200)[0] / alpha
        nu = min(4 + 6 / K, 1000.0) if K > 0 else 1000.0
        scale = sd * np.sqrt((nu - 2) / nu)
        tq = st.t.ppf(alpha, nu, loc=mu, scale=scale)
        t_es = -st.t.expect(lambda v: v, args=(nu,), loc=mu, scale=scale, ub=tq, conditional=True,
                            epsabs=0, epsrel=1e-12, limit=200)
        risk.append({"x": name, "alpha": alpha, "historical": fl(hist), "gaussian": fl(gauss),
                     "cornish_fisher": [float(cf_var), float(cf_es)], "student_t": [float(-tq), float(t_es)],
                     "student_t_df": float(nu)})
ref["risk"] = risk


# ---------------------------------------------------------------- backtests
def xlogy(a, b):
    return 0.0 if a == 0 else a * np.log(b)


def kupiec(hits, p):
    T, x = len(hits), int(np.sum(hits))
    pi = x / T
    lr = -2 * (xlogy(T - x, 1 - p) + xlogy(x, p) - xlogy(T - x, 1 - pi) - xlogy(x, pi))
    return float(lr), float(st.chi2.sf(lr, 1))


def christoffersen(hits):
    h = np.asarray(hits, dtype=int)
    prev, cur = h[:-1], h[1:]
    n00 = np.sum((prev == 0) & (cur == 0)); n01 = np.sum((prev == 0) & (cur == 1))
    n10 = np.sum((prev == 1) & (cur == 0)); n11 = np.sum((prev == 1) & (cur == 1))
    p01 = n01 / (n00 + n01) if n00 + n01 > 0 else 0.0
    p11 = n11 / (n10 + n11) if n10 + n11 > 0 else 0.0
    p = (n01 + n11) / (n00 + n01 + n10 + n11)
    null = xlogy(n00 + n10, 1 - p) + xlogy(n01 + n11, p)
    alt = xlogy(n00, 1 - p01) + xlogy(n01, p01) + xlogy(n10, 1 - p11) + xlogy(n11, p11)
    lr = -2 * (null - alt)
    return float(lr), float(st.chi2.sf(lr, 1))


bt = []
g = samples["garch"]
# rolling 250-day historical 1% and 5% VaR forecasts on the GARCH series
for alpha in [0.01, 0.05]:
    var = np.array([-np.quantile(g[t - 250:t], alpha) for t in range(250, len(g))])
    hits = (-g[250:] > var)
    k_lr, k_p = kupiec(hits, alpha)
    i_lr, i_p = christoffersen(hits)
    bt.append({"name": f"garch_rolling_{alpha}", "alpha": alpha, "hits": [bool(v) for v in hits],
               "kupiec": [k_lr, k_p], "independence": [i_lr, i_p],
               "cc": [k_lr + i_lr, float(st.chi2.sf(k_lr + i_lr, 2))]})
for name, hits, alpha in [("no_hits", [False] * 250, 0.01), ("clustered", [False] * 240 + [True] * 10, 0.01),
                          ("all_hits", [True] * 20, 0.05), ("alternating", [True, False] * 30, 0.05),
                          ("one_hit_end", [False] * 99 + [True], 0.01)]:
    k_lr, k_p = kupiec(np.array(hits), alpha)
    i_lr, i_p = christoffersen(hits)
    bt.append({"name": name, "alpha": alpha, "hits": hits, "kupiec": [k_lr, k_p], "independence": [i_lr, i_p],
               "cc": [k_lr + i_lr, float(st.chi2.sf(k_lr + i_lr, 2))]})
ref["backtest"] = bt
ref["traffic_light"] = [{"x": x, "T": T, "alpha": a, "cdf": float(st.binom.cdf(x, T, a))}
                        for T, a in [(250, 0.01), (500, 0.01), (1000, 0.05)] for x in range(0, 16 if T == 250 else 30, 1)]

if __name__ == "__main__":
    with open(OUT, "w") as f:
        json.dump(ref, f, separators=(",", ":"))
    print("wrote", OUT, os.path.getsize(OUT), "bytes")
    # The distances, Quant GANs scores, drift, memorization and report references live in a
    # companion script (same conventions, its own fixture file); one command regenerates both.
    import runpy
    runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "make_stats_reference_report.py"), run_name="__main__")
