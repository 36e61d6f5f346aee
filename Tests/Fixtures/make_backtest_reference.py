#!/usr/bin/env python3
"""Writes Tests/Fixtures/backtest_reference.json: golden values for TGFLStats' VaR/ES/density
backtests (issue 16). Everything is computed by numpy, scipy and statsmodels, never by TGFL.

- `cases`: a realised return series and a forecast distribution per day, either a location-scale
  Student-t (`t`: location, scale, nu) or an empirical sample of draws (`sample`, sorted).
  For each case and level alpha:
    * VaR_t = -Q_t(alpha), ES_t = -E[X | X <= Q_t(alpha)] (scipy t.ppf/t.expect; for samples numpy's
      linear quantile and the mean of the draws <= it);
    * Acerbi & Szekely (2014), "Backtesting Expected Shortfall", Risk 27(11), Test 2:
      Z2 = sum_t X_t 1{X_t < -VaR_t} / (T alpha ES_t) + 1, and its p-value P(Z2* <= Z2) with
      X*_t = Q_t(U) simulated from the forecasts (M = 200,000 draws, so the reference's own
      Monte Carlo error is <= 0.0012);
    * the PIT u_t = F_t(x_t) (t: scipy t.cdf; sample: (#{s <= x} + 1/2)/(n + 1));
    * Berkowitz (2001), J. Bus. Econ. Stat. 19(4): z = Phi^-1(u), AR(1) fitted by statsmodels
      AutoReg(z, lags=1, trend="c") (conditional MLE); LR3 = 2 (llf - l0) with
      l0 = sum_{t>=2} log phi(z_t); p = chi2.sf(LR3, 3).
- `basel`: the BCBS (1996) Table 2 multipliers are a published table and are written in the Swift
  test itself.

Run (fixed seed, deterministic):

    /work/pyref/bin/python Tests/Fixtures/make_backtest_reference.py
"""
import json
import os

import numpy as np
import scipy.stats as st
from statsmodels.tsa.ar_model import AutoReg

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "backtest_reference.json")
M = 200_000
rng = np.random.default_rng(20261205)


def garch_t_returns(T, omega=2e-6, a=0.08, b=0.9, nu=5.0):
    """Returns and sigma_t of a GARCH(1,1) with standardized t innovations."""
    x = np.empty(T); sig = np.empty(T)
    v = omega / (1 - a - b)
    for t in range(T):
        sig[t] = np.sqrt(v)
        z = rng.standard_t(nu) * np.sqrt((nu - 2) / nu)
        x[t] = sig[t] * z
        v = omega + a * x[t] ** 2 + b * v
    return x, sig


def t_risk(loc, scale, nu, alpha):
    q = st.t.ppf(alpha, nu, loc=loc, scale=scale)
    es = -st.t.expect(lambda v: v, args=(nu,), loc=loc, scale=scale, ub=q, conditional=True,
                      epsabs=0, epsrel=1e-12, limit=200)
    return -q, es


def sample_risk(s, alpha):
    q = np.quantile(s, alpha)
    return -q, -np.mean(s[s <= q])


def simulate_p(quantile_fns, var, es, alpha, observed):
    T = len(var)
    below = 0
    chunk = 5000
    for start in range(0, M, chunk):
        m = min(chunk, M - start)
        u = rng.random((m, T))
        total = np.zeros(m)
        for t in range(T):
            sel = u[:, t] < alpha
            if not sel.any():
                continue
            x = quantile_fns[t](u[sel, t])
            contrib = np.where(x < -var[t], x / (T * alpha * es[t]), 0.0)
            np.add.at(total, np.nonzero(sel)[0], contrib)
        below += int(np.sum(total + 1 <= observed))
    return below / M


def berkowitz(u):
    z = st.norm.ppf(u)
    res = AutoReg(z, lags=1, trend="c").fit()
    l0 = float(np.sum(st.norm.logpdf(z[1:])))
    lr = 2 * (float(res.llf) - l0)
    return {"statistic": lr, "p": float(st.chi2.sf(lr, 3)), "intercept": float(res.params[0]),
            "slope": float(res.params[1]), "variance": float(res.sigma2)}


def case_t(name, x, loc, scale, nu):
    cases = {"name": name, "kind": "t", "returns": x.tolist(), "loc": loc.tolist(), "scale": scale.tolist(),
             "nu": nu.tolist(), "levels": []}
    fns = [lambda u, l=l, s=s, n=n: st.t.ppf(u, n, loc=l, scale=s) for l, s, n in zip(loc, scale, nu)]
    for alpha in (0.01, 0.025):
        rk = np.array([t_risk(l, s, n, alpha) for l, s, n in zip(loc, scale, nu)])
        var, es = rk[:, 0], rk[:, 1]
        z2 = float(np.sum(np.where(x < -var, x / (len(x) * alpha * es), 0.0)) + 1)
        cases["levels"].append({"alpha": alpha, "var": var.tolist(), "es": es.tolist(), "z2": z2,
                                "p": simulate_p(fns, var, es, alpha, z2)})
    u = st.t.cdf(x, nu, loc=loc, scale=scale)
    cases["pit"] = u.tolist()
    cases["berkowitz"] = berkowitz(u)
    return cases


def case_sample(name, x, samples):
    samples = [np.sort(s) for s in samples]
    cases = {"name": name, "kind": "sample", "returns": x.tolist(), "samples": [s.tolist() for s in samples],
             "levels": []}
    fns = [lambda u, s=s: np.quantile(s, u) for s in samples]
    for alpha in (0.01, 0.025):
        rk = np.array([sample_risk(s, alpha) for s in samples])
        var, es = rk[:, 0], rk[:, 1]
        z2 = float(np.sum(np.where(x < -var, x / (len(x) * alpha * es), 0.0)) + 1)
        cases["levels"].append({"alpha": alpha, "var": var.tolist(), "es": es.tolist(), "z2": z2,
                                "p": simulate_p(fns, var, es, alpha, z2)})
    u = np.array([(np.sum(s <= v) + 0.5) / (len(s) + 1) for s, v in zip(samples, x)])
    cases["pit"] = u.tolist()
    cases["berkowitz"] = berkowitz(u)
    return cases


ref = {"simulations": M, "cases": []}
# 1. GARCH-t returns, forecasts with the right sigma_t but nu = 8 and a 10 % smaller scale (ES too low).
x, sig = garch_t_returns(400)
nu = np.full(400, 8.0)
ref["cases"].append(case_t("garch_t_understated", x, np.zeros(400), 0.9 * sig * np.sqrt(6 / 8), nu))
# 2. Same returns, the true forecasts (nu = 5, exact scale).
ref["cases"].append(case_t("garch_t_true", x, np.zeros(400), sig * np.sqrt(3 / 5), np.full(400, 5.0)))
# 3. Empirical forecasts: 300 days, 250 draws each from a normal with the right sigma (thin tails).
x3, sig3 = garch_t_returns(300, nu=4.5)
ref["cases"].append(case_sample("normal_sample_forecasts", x3,
                                [rng.normal(0, s, 250) for s in sig3]))

with open(OUT, "w") as f:
    json.dump(ref, f, separators=(",", ":"))
for c in ref["cases"]:
    print(c["name"], [(l["alpha"], round(l["z2"], 4), l["p"]) for l in c["levels"]], c["berkowitz"]["statistic"])
