#!/usr/bin/env python3
"""Writes Tests/Fixtures/garch_reference.json: golden values for TGFLStats' GARCH family.

Reference: the `arch` package (Kevin Sheppard), `arch.univariate.arch_model` with
mean "Constant"/"Zero", vol "GARCH" (p=1, o=0|1, q=1) and dist "normal"/"t"/"skewt".
Everything here is computed by arch, scipy or numpy, never by TGFL:

- `series`: the first N log returns of three bundled real series (copied into the fixture, so
  the tests do not read /work/shared): S&P 500 (sp500.csv), DJIA (djia.csv, from 1885) and
  Siemens (siemens.csv, already log returns).
- `fixed`: at fixed parameters (the data's own units), arch's backcast, conditional variances
  (a subset of indices), and loglikelihood (`arch_model(...).fix(params)`).
- `fits`: arch's fit of 100 × returns (as arch recommends), with parameters converted back to
  the data's units (mu/100, omega/1e4) and the loglikelihood to the data's units
  (ll + n·log 100).
- `pooled`: arch's per-series loglikelihoods at one parameter vector, for two series.
- `moments`: persistence α + γ·κ + β with κ = E[z² 1(z<0)] by scipy quadrature of arch's own
  (skew-)t density, and ω/(1 − persistence).
- `skewt_cdf`: arch's SkewStudent cdf at a few points (checks the innovation sampler).

Run (fixed, deterministic):

    /work/pyref/bin/python Tests/Fixtures/make_garch_reference.py
"""
import json
import os
import warnings

import arch
import numpy as np
import pandas as pd
import scipy
from arch import arch_model
from arch.univariate import SkewStudent, StudentsT
from scipy import integrate

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "garch_reference.json")
DATA = "/work/shared/data"
N = 2000


def fl(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def log_returns(file, column):
    df = pd.read_csv(os.path.join(DATA, file))
    p = df[column].to_numpy(dtype=float)
    return np.diff(np.log(p))


series = {
    "sp500": log_returns("sp500.csv", "close")[:N],
    "djia": log_returns("djia.csv", "close")[:N],
    "siemens": pd.read_csv(os.path.join(DATA, "siemens.csv"))["log_return"].to_numpy(float)[:N],
}
for k, v in series.items():
    assert v.shape[0] == N and np.all(np.isfinite(v)), k

SPECS = [(v, d) for v in ("garch", "gjr") for d in ("normal", "t", "skewt")]


def model(y, variance, dist, constant_mean=True):
    return arch_model(y, mean="Constant" if constant_mean else "Zero", vol="GARCH", p=1,
                      o=1 if variance == "gjr" else 0, q=1, dist=dist, rescale=False)


def param_vector(p, variance, dist, constant_mean=True):
    v = [p["mu"]] if constant_mean else []
    v += [p["omega"], p["alpha"]]
    if variance == "gjr":
        v.append(p["gamma"])
    v.append(p["beta"])
    if dist in ("t", "skewt"):
        v.append(p["nu"])
    if dist == "skewt":
        v.append(p["lambda"])
    return np.array(v)


def fixed_params(variance, dist):
    p = {"mu": 3e-4, "omega": 2e-6, "alpha": 0.06, "gamma": 0.0, "beta": 0.91}
    if variance == "gjr":
        p.update(alpha=0.02, gamma=0.11)
    if dist in ("t", "skewt"):
        p["nu"] = 7.0
    if dist == "skewt":
        p["lambda"] = -0.12
    return p


IDX = sorted(set(list(range(0, 20)) + list(range(20, N, 97)) + list(range(N - 10, N))))

fixed = []
for name in ("sp500", "djia", "siemens"):
    y = series[name]
    for variance, dist in SPECS:
        for cm in (True, False):
            if not cm and (name != "sp500"):
                continue
            p = fixed_params(variance, dist)
            if not cm:
                p["mu"] = 0.0
            am = model(y, variance, dist, cm)
            res = am.fix(param_vector(p, variance, dist, cm))
            resid0 = y - y.mean() if cm else y
            bc = float(am.volatility.backcast(resid0))
            s2 = np.asarray(res.conditional_volatility) ** 2
            std = (y - p["mu"]) / np.sqrt(s2)
            fixed.append({"series": name, "variance": variance, "innovations": dist,
                          "constant_mean": cm, "params": p, "backcast": bc,
                          "loglikelihood": float(res.loglikelihood),
                          "indices": IDX, "variances": fl(s2[IDX]), "std_resid": fl(std[IDX])})

fits = []
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for name in ("sp500", "siemens"):
        y = series[name]
        for variance, dist in SPECS:
            am = model(100 * y, variance, dist)
            r = am.fit(disp="off", tol=1e-12, options={"maxiter": 2000})
            pr = r.params
            p = {"mu": pr["mu"] / 100, "omega": pr["omega"] / 1e4, "alpha": pr["alpha[1]"],
                 "gamma": pr["gamma[1]"] if variance == "gjr" else 0.0, "beta": pr["beta[1]"]}
            if dist in ("t", "skewt"):
                p["nu"] = pr["nu"] if dist == "t" else pr["eta"]
            if dist == "skewt":
                p["lambda"] = pr["lambda"]
            ll = float(r.loglikelihood) + N * np.log(100.0)
            # arch's loglikelihood at its fitted parameters in the data's own units
            ll_raw = float(model(y, variance, dist).fix(param_vector(p, variance, dist)).loglikelihood)
            fits.append({"series": name, "variance": variance, "innovations": dist,
                         "params": {k: float(v) for k, v in p.items()},
                         "loglikelihood": ll, "loglikelihood_raw": ll_raw,
                         "converged": int(r.convergence_flag) == 0})

pooled = []
for variance, dist in (("gjr", "skewt"), ("garch", "t"), ("gjr", "normal")):
    p = fixed_params(variance, dist)
    lls = [float(model(series[s], variance, dist).fix(param_vector(p, variance, dist)).loglikelihood)
           for s in ("sp500", "djia")]
    pooled.append({"series": ["sp500", "djia"], "variance": variance, "innovations": dist,
                   "params": p, "loglikelihoods": lls})


def kappa(dist, nu=None, lam=None):
    """E[z² 1(z<0)] under arch's standardized density, by quadrature."""
    if dist == "normal":
        return 0.5
    if dist == "t":
        d, prm = StudentsT(), np.array([nu])
    else:
        d, prm = SkewStudent(), np.array([nu, lam])

    def pdf(z):
        return float(np.exp(d.loglikelihood(prm, np.array([z]), np.array([1.0]), individual=True)[0]))

    f = lambda z: z * z * pdf(z)
    total = integrate.quad(pdf, -np.inf, np.inf, epsabs=1e-13, epsrel=1e-13, limit=500)[0]
    var = integrate.quad(f, -np.inf, 0, epsabs=1e-13, epsrel=1e-13, limit=500)[0] + \
        integrate.quad(f, 0, np.inf, epsabs=1e-13, epsrel=1e-13, limit=500)[0]
    assert abs(total - 1) < 1e-9 and abs(var - 1) < 1e-8, (dist, nu, lam, total, var)
    return integrate.quad(f, -np.inf, 0, epsabs=1e-14, epsrel=1e-13, limit=500)[0]


moments = []
for variance, dist, nu, lam in (("garch", "normal", None, None), ("gjr", "normal", None, None),
                                ("gjr", "t", 5.0, None), ("gjr", "skewt", 6.0, -0.3),
                                ("gjr", "skewt", 4.5, 0.4), ("gjr", "skewt", 12.0, 0.0),
                                ("garch", "skewt", 8.0, -0.2)):
    p = {"mu": 2e-4, "omega": 3e-6, "alpha": 0.03 if variance == "gjr" else 0.07,
         "gamma": 0.1 if variance == "gjr" else 0.0, "beta": 0.88}
    if nu is not None:
        p["nu"] = nu
    if lam is not None:
        p["lambda"] = lam
    k = kappa(dist, nu, lam)
    pers = p["alpha"] + p["gamma"] * k + p["beta"]
    moments.append({"variance": variance, "innovations": dist, "params": p, "kappa": k,
                    "persistence": pers, "unconditional_variance": p["omega"] / (1 - pers)})

skewt_cdf = []
for nu, lam in ((6.0, -0.3), (4.5, 0.4)):
    z = np.linspace(-3, 3, 13)
    skewt_cdf.append({"nu": nu, "lambda": lam, "z": fl(z),
                      "cdf": fl(SkewStudent().cdf(z, np.array([nu, lam])))})

# ---------------------------------------------------------------- conditional VaR / ES forecasts
# The forecast for the day after the S&P 500 fixture series (T = N), from its last WINDOW returns:
# historical simulation (numpy), filtered historical simulation with GARCH / GJR (arch normal
# QMLE fit, arch's one-step variance forecast, numpy quantile of arch's standardized residuals;
# 10 days by arch's bootstrap forecast) and GARCH(1,1)-t (arch fit, arch's StudentsT ppf, ES by
# quadrature; 10 days by arch's simulation forecast). Losses are positive; the h-day quantity
# is the cumulative log return Σ_{k=1..h} r_{T+k}. Monte Carlo references carry a batch-means
# standard deviation `mc_sd` for `mc_batch` draws (SE(M) = mc_sd·sqrt(mc_batch/M)).
LEVELS = [0.01, 0.025]
WINDOW = 500
SIMS = 200_000
BATCHES = 50
y = series["sp500"]
win = y[-WINDOW:]


def var_es(x, a):
    q = np.quantile(x, a)
    return -q, -float(np.mean(x[x <= q]))


def mc_summary(cum, a):
    v, e = var_es(cum, a)
    bs = cum.shape[0] // BATCHES
    vb = np.array([var_es(cum[i * bs:(i + 1) * bs], a) for i in range(BATCHES)])
    return {"var": float(v), "es": float(e), "mc_sd": fl(vb.std(axis=0, ddof=1)), "mc_batch": int(bs)}


risk = {"window": WINDOW, "levels": LEVELS, "sims": SIMS, "cases": []}
for w in (250, 500):
    x = y[-w:]
    one = [list(var_es(x, a)) for a in LEVELS]
    rs = np.random.RandomState(123)
    cum = x[rs.randint(0, w, size=(SIMS, 10))].sum(axis=1)
    risk["cases"].append({"method": "historical", "window": w, "one_step": one,
                          "ten_day": [mc_summary(cum, a) for a in LEVELS]})

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for variance, dist, method in (("garch", "normal", "fhs"), ("gjr", "normal", "fhs"),
                                   ("garch", "t", "garch_t")):
        am = model(100 * win, variance, dist)
        r = am.fit(disp="off", tol=1e-12, options={"maxiter": 2000})
        pr = r.params
        p = {"mu": pr["mu"] / 100, "omega": pr["omega"] / 1e4, "alpha": pr["alpha[1]"],
             "gamma": pr["gamma[1]"] if variance == "gjr" else 0.0, "beta": pr["beta[1]"]}
        if dist == "t":
            p["nu"] = pr["nu"]
        s2next = float(r.forecast(horizon=1, reindex=False).variance.values[-1, 0]) / 1e4
        mu = p["mu"]
        one = []
        if method == "fhs":
            z = np.asarray(r.std_resid)
            for a in LEVELS:
                q = np.quantile(z, a)
                one.append([-(mu + np.sqrt(s2next) * q), -(mu + np.sqrt(s2next) * float(np.mean(z[z <= q])))])
            f = r.forecast(horizon=10, method="bootstrap", simulations=SIMS, reindex=False,
                           random_state=np.random.RandomState(321))
        else:
            d, prm = StudentsT(), np.array([p["nu"]])
            for a in LEVELS:
                q = float(d.ppf(a, prm))
                pdf = lambda v: float(np.exp(d.loglikelihood(prm, np.array([v]), np.array([1.0]), individual=True)[0]))
                tail = integrate.quad(lambda v: v * pdf(v), -np.inf, q, epsabs=1e-14, epsrel=1e-12, limit=500)[0] / a
                one.append([-(mu + np.sqrt(s2next) * q), -(mu + np.sqrt(s2next) * tail)])
            f = r.forecast(horizon=10, method="simulation", simulations=SIMS, reindex=False,
                           random_state=np.random.RandomState(321))
        cum = f.simulations.values[-1].sum(axis=1) / 100
        # the analytic variance of the 10-day sum: Σ_k E_T[σ²_{T+k}]
        v10 = float(r.forecast(horizon=10, reindex=False).variance.values[-1].sum()) / 1e4
        risk["cases"].append({"method": method, "variance": variance, "innovations": dist, "window": WINDOW,
                              "params": {k: float(v) for k, v in p.items()}, "variance_next": s2next,
                              "variance_10_day_sum": v10,
                              "one_step": [[float(u) for u in o] for o in one],
                              "ten_day": [mc_summary(cum, a) for a in LEVELS]})

ref = {"versions": {"arch": arch.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
       "n": N, "series": {k: fl(v) for k, v in series.items()},
       "fixed": fixed, "fits": fits, "pooled": pooled, "moments": moments, "skewt_cdf": skewt_cdf,
       "risk_forecasts": risk}
with open(OUT, "w") as f:
    json.dump(ref, f, indent=None, separators=(",", ":"))
    f.write("\n")
print("wrote", OUT, os.path.getsize(OUT), "bytes")
for fi in fits:
    print(fi["series"], fi["variance"], fi["innovations"], fi["converged"],
          {k: round(v, 6) for k, v in fi["params"].items()}, round(fi["loglikelihood"], 4),
          round(fi["loglikelihood_raw"], 4))
