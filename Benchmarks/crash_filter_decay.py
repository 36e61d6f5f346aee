#!/usr/bin/env python3
"""Issue 16, crash-conditioned scenarios (session 11): which volatility filter, carried into the
generated days after a prompt, decays as fast as the real volatility did after a crash, without
breaking the one-day 99 % VaR? (BENCHMARKS.md, "Conditional VaR/ES backtest", "A filter for the
prompted path".)

Candidates, each fitted (Student t, on 100 × returns, constant mean) on the DJIA before
1987-10-19 ("trained", the span `CrashConditioningTests` trains on) and on each 1,000-day prompt
up to and including the crash day ("refit"):

  GJR        arch's GJR-GARCH(1,1)-t (the library's filter; analytic forecast)
  TARCH      arch's power-1 GJR (σ_{t+1} = ω + (α + γ·1[ε<0])·|ε| + β·σ; simulated forecast)
  CGARCH     Engle–Lee (1999) component GARCH with an asymmetric short component, NumPy/scipy MLE:
                 q_{t+1}  = ω + ρ·q_t + φ·(ε_t² − σ_t²)                                   (long run)
                 σ²_{t+1} = q_{t+1} + (α + γ·1[ε_t<0])·ε_t² − (α + γ/2)·q_t + β·(σ_t² − q_t)   (short)
             E_t[σ² − q] decays by (α + γ/2 + β) a day, E_t[q] by ρ towards ω/(1 − ρ) (analytic).
             With ρ = φ = 0 it is arch's GJR with intercept ω(1 − α − γ/2 − β): checked below
             (log-likelihood at arch's optimum and the refitted parameters).
             Start: ε², 1[ε<0]ε² (as ε²/2) and σ² of day −1 equal arch's backcast (EWMA 0.94 of
             the first 75 squared residuals), q of day −1 the long-run level ω/(1 − ρ).
  Beta-t     Harvey's Beta-t-EGARCH (score-driven, DCS): y = μ + e^λ·ε, ε ~ t_ν (unit scale),
                 u_t = (ν+1)·e_t² / (ν·e^{2λ_t} + e_t²) − 1        (bounded in [−1, ν])
                 λ_{t+1} = ω(1 − φ) + φ·λ_t + κ·u_t + κ*·sgn(−e_t)·(u_t + 1)
             variance e^{2λ}·ν/(ν − 2); λ_0 = ω; simulated forecast.

Decay table: the expected variance path of days 1…40 after the prompt (simulated forecasts:
20,000 paths of the fitted innovations, numpy default_rng(16)); vol(days a–b) = √(mean E[σ²]);
realised: root mean square return.

VaR table: filtered historical simulation with each filter, the backtest protocol of
`tgfl backtest` (WalkForwardOptions.standardBaselines): each forecast day of the first 500 days of
the last 20 % of a bundled series, the filter refitted on the trailing 1,000 days every 20 days,
VaR 99 % = −(μ + σ_{t+1}·q_{0.01}(standardized residuals of the window)); exceptions, Kupiec p.

    /work/pyref/bin/python Benchmarks/crash_filter_decay.py [--var-series djia.close,eu_stocks.dax,crsp_daily.crsp]
    /work/pyref/bin/python Benchmarks/crash_filter_decay.py --fixture PATH   # the Swift golden file

Needs arch, numpy, pandas, scipy. Deterministic.
"""
import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from arch import arch_model
from scipy import optimize, stats
from scipy.special import gammaln

warnings.simplefilter("ignore")
RES = Path(__file__).resolve().parent.parent / "Sources" / "TGFLCore" / "Resources"
CRASHES = ["1987-10-19", "2008-10-15", "2020-03-16"]
SIMULATIONS = 20000


def returns_of(name):
    """Log returns of a bundled column as TGFL reads them (crsp_daily and siemens hold returns)
    and their dates (None without a date column)."""
    file, column = name.split(".")
    df = pd.read_csv(RES / f"{file}.csv")
    x = df[column].values.astype(float)
    dates = df["date"].values if "date" in df.columns else None
    if file in ("crsp_daily", "siemens"):
        return x, dates
    return np.diff(np.log(x)), None if dates is None else dates[1:]


def backcast(e):
    tau = min(75, len(e))
    w = 0.94 ** np.arange(tau)
    return float(np.sum(e[:tau] ** 2 * w / w.sum()))


def t_logpdf_std(e, s2, nu):
    """log density of e = σ·z, z a standardized Student t(ν) (arch's StudentsT)."""
    return (gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(np.pi * (nu - 2)) - 0.5 * np.log(s2)
            - (nu + 1) / 2 * np.log1p(e * e / (s2 * (nu - 2))))


# ---------------------------------------------------------------- component GARCH (Engle–Lee)
CG_NAMES = ["mu", "omega", "rho", "phi", "alpha", "gamma", "beta", "nu"]


def cg_filter(p, y):
    """σ² and q of every day (σ²_t, q_t: before day t's return) and the one-step state after y."""
    mu, om, rho, phi, a, g, b, _ = p
    e = y - mu
    bc = backcast(e)
    n = len(e)
    s2 = np.empty(n + 1)
    q = np.empty(n + 1)
    # day −1: ε², 2·1[ε<0]ε² and σ² are the backcast, q the long-run level ω/(1 − ρ).
    pe2, pie2, ps2, pq = bc, bc / 2, bc, om / (1 - rho)
    for t in range(n + 1):
        qt = om + rho * pq + phi * (pe2 - ps2)
        st = qt + a * pe2 + g * pie2 - (a + g / 2) * pq + b * (ps2 - pq)
        q[t], s2[t] = qt, st
        if t < n:
            et = e[t]
            pe2 = et * et
            pie2 = pe2 if et < 0 else 0.0
            ps2, pq = st, qt
    return s2, q


def cg_nll(p, y):
    s2, _ = cg_filter(p, y)
    if not np.all(np.isfinite(s2[:-1])) or np.any(s2[:-1] <= 0):
        return 1e10
    return -float(np.sum(t_logpdf_std(y - p[0], s2[:-1], p[7])))


def cg_valid(p):
    mu, om, rho, phi, a, g, b, nu = p
    return (om > 0 and 0 <= rho < 1 and phi >= 0 and a >= 0 and a + g >= 0 and b >= 0
            and a + g / 2 + b < rho + 1e-12 and b >= phi - 1e-12 and 2.05 < nu < 200) or (rho == 0 and phi == 0)


def cg_fit(y, start=None, one_component=False):
    """MLE of the component GARCH-t (SLSQP with the Engle–Lee constraints); `one_component`
    fixes ρ = φ = 0 (arch's GJR with intercept ω(1 − α − γ/2 − β))."""
    v = float(np.var(y))
    if start is None:
        start = [float(np.mean(y)), v * 0.01, 0.99, 0.03, 0.03, 0.08, 0.80, 8.0]
        if one_component:
            start = [float(np.mean(y)), v, 0, 0, 0.03, 0.08, 0.88, 8.0]
    free = [0, 1, 4, 5, 6, 7] if one_component else list(range(8))
    full = np.array(start, float)

    def expand(x):
        p = full.copy()
        p[free] = x
        return p

    bounds_all = [(-10, 10), (1e-8, 10 * v), (0, 0.99999), (0, 0.5), (0, 0.5), (-0.5, 0.5), (0, 0.9999), (2.05, 200)]
    bounds = [bounds_all[i] for i in free]
    cons = [{"type": "ineq", "fun": lambda x: (expand(x)[4] + expand(x)[5])},
            {"type": "ineq", "fun": lambda x: 1 - 1e-6 - sum(expand(x)[[4, 6]]) - expand(x)[5] / 2
             - (0 if one_component else 0)}]
    if not one_component:
        cons += [{"type": "ineq", "fun": lambda x: expand(x)[2] - 1e-6 - expand(x)[4] - expand(x)[5] / 2 - expand(x)[6]},
                 {"type": "ineq", "fun": lambda x: expand(x)[6] - expand(x)[3]}]
    scale = len(y)
    r = optimize.minimize(lambda x: cg_nll(expand(x), y) / scale, np.array(start, float)[free], method="SLSQP",
                          bounds=bounds, constraints=cons, options={"ftol": 1e-11, "maxiter": 1000})
    return expand(r.x), -r.fun * scale


def cg_path(p, y, horizon=40):
    """E[σ²] of days 1…horizon after y (analytic)."""
    s2, q = cg_filter(p, y)
    om, rho, a, g, b = p[1], p[2], p[4], p[5], p[6]
    short, long_ = s2[-1] - q[-1], q[-1]
    out = []
    for _ in range(horizon):
        out.append(short + long_)
        short *= a + g / 2 + b
        long_ = om + rho * long_
    return np.array(out)


# ---------------------------------------------------------------- Beta-t-EGARCH (Harvey)
BT_NAMES = ["mu", "omega", "phi", "kappa", "kappa_star", "nu"]


def bt_filter(p, y):
    mu, om, phi, k, ks, nu = p
    e = y - mu
    n = len(e)
    lam = np.empty(n + 1)
    lt = om
    for t in range(n + 1):
        lam[t] = lt
        if t < n:
            et = e[t]
            u = (nu + 1) * et * et / (nu * np.exp(2 * lt) + et * et) - 1
            lt = om * (1 - phi) + phi * lt + k * u + ks * (1.0 if et < 0 else -1.0) * (u + 1)
    return lam


def bt_nll(p, y):
    lam = bt_filter(p, y)[:-1]
    nu = p[5]
    e = (y - p[0]) * np.exp(-lam)
    ll = gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(np.pi * nu) - lam - (nu + 1) / 2 * np.log1p(e * e / nu)
    v = -float(np.sum(ll))
    return v if np.isfinite(v) else 1e10


def bt_fit(y):
    s = float(np.std(y))
    x0 = [float(np.mean(y)), np.log(s * 0.8), 0.98, 0.04, 0.02, 6.0]
    bounds = [(-10, 10), (-20, 20), (0, 0.9999), (0, 1), (-0.5, 0.5), (2.1, 100)]
    r = optimize.minimize(lambda x: bt_nll(x, y) / len(y), x0, method="L-BFGS-B", bounds=bounds,
                          options={"ftol": 1e-12, "maxiter": 2000})
    return r.x, -r.fun * len(y)


def bt_sim_path(p, y, horizon=40, sims=SIMULATIONS, seed=16):
    mu, om, phi, k, ks, nu = p
    lam0 = bt_filter(p, y)[-1]
    rng = np.random.default_rng(seed)
    lam = np.full(sims, lam0)
    out = []
    for _ in range(horizon):
        out.append(float(np.mean(np.exp(2 * lam))) * nu / (nu - 2))
        eps = rng.standard_t(nu, sims)
        e = np.exp(lam) * eps
        u = (nu + 1) * e * e / (nu * np.exp(2 * lam) + e * e) - 1
        lam = om * (1 - phi) + phi * lam + k * u + ks * np.where(e < 0, 1.0, -1.0) * (u + 1)
    return np.array(out)


def bt_sigma2(p, y):
    return np.exp(2 * bt_filter(p, y)) * p[5] / (p[5] - 2)


# ---------------------------------------------------------------- arch filters
def arch_fit(y, power):
    am = arch_model(y, mean="Constant", vol="GARCH", p=1, o=1, q=1, power=power, dist="t", rescale=False)
    return am.fit(disp="off", options={"ftol": 1e-12, "maxiter": 2000})


def arch_path(res, y, power, horizon=40):
    fixed = arch_model(y, mean="Constant", vol="GARCH", p=1, o=1, q=1, power=power, dist="t",
                       rescale=False).fix(res.params.values)
    if power == 2.0:
        return fixed.forecast(horizon=horizon, reindex=False, method="analytic").variance.values[-1]
    nu, g = float(res.params["nu"]), np.random.default_rng(16)
    return fixed.forecast(horizon=horizon, reindex=False, method="simulation", simulations=SIMULATIONS,
                          rng=lambda size: g.standard_t(nu, size) * np.sqrt((nu - 2) / nu)).variance.values[-1]


def arch_sigma2(res, y, power):
    """σ² of each day of y and the one-step forecast after it."""
    fixed = arch_model(y, mean="Constant", vol="GARCH", p=1, o=1, q=1, power=power, dist="t",
                       rescale=False).fix(res.params.values)
    s = np.asarray(fixed.conditional_volatility) ** 2
    f = arch_path(res, y, power, horizon=1)[0] if power == 2.0 else None
    if f is None:
        p = res.params
        e = y[-1] - p["mu"]
        sig = p["omega"] + (p["alpha[1]"] + p["gamma[1]"] * (e < 0)) * abs(e) + p["beta[1]"] * np.sqrt(s[-1])
        f = sig * sig
    return np.append(s, f)


# ---------------------------------------------------------------- one interface
class Filter:
    def __init__(self, name):
        self.name = name

    def fit(self, y):
        if self.name == "GJR":
            return arch_fit(y, 2.0)
        if self.name == "TARCH":
            return arch_fit(y, 1.0)
        if self.name == "CGARCH":
            return cg_fit(y)[0]
        return bt_fit(y)[0]

    def path(self, fit, y):
        if self.name == "GJR":
            return arch_path(fit, y, 2.0)
        if self.name == "TARCH":
            return arch_path(fit, y, 1.0)
        if self.name == "CGARCH":
            return cg_path(fit, y)
        return bt_sim_path(fit, y)

    def sigma2(self, fit, y):
        if self.name == "GJR":
            return arch_sigma2(fit, y, 2.0)
        if self.name == "TARCH":
            return arch_sigma2(fit, y, 1.0)
        if self.name == "CGARCH":
            return cg_filter(fit, y)[0]
        return bt_sigma2(fit, y)

    def mu(self, fit):
        return float(fit.params["mu"]) if self.name in ("GJR", "TARCH") else float(fit[0])

    def describe(self, fit):
        if self.name in ("GJR", "TARCH"):
            return " ".join(f"{k} {v:.4g}" for k, v in fit.params.items())
        names = CG_NAMES if self.name == "CGARCH" else BT_NAMES
        return " ".join(f"{k} {v:.4g}" for k, v in zip(names, fit))


FILTERS = [Filter(n) for n in ("GJR", "TARCH", "CGARCH", "Beta-t")]


def block(v, a, b):
    return float(np.sqrt(np.mean(v[a:b])))


def decay_table():
    r, dates = returns_of("djia.close")
    y = 100 * r
    crash = [int(np.where(dates == d)[0][0]) for d in CRASHES]
    trained = {f.name: f.fit(y[:crash[0]]) for f in FILTERS}
    for f in FILTERS:
        print(f"trained {f.name}: {f.describe(trained[f.name])}")
    print()
    print("| crash day | filter | fit | σ day 1 | vol days 1–10 | vol days 11–40 | ratio | realised 1–10 | "
          "realised 11–40 | realised ratio | days 1–10 / realised | days 11–40 / realised |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for d, t in zip(CRASHES, crash):
        prompt = y[t + 1 - 1000:t + 1]
        real = r[t + 1:t + 41]
        rf, rl = float(np.sqrt(np.mean(real[:10] ** 2))), float(np.sqrt(np.mean(real[10:] ** 2)))
        for f in FILTERS:
            for which, fit in [("trained", trained[f.name]), ("refit", f.fit(prompt))]:
                v = f.path(fit, prompt) / 1e4
                a, b = block(v, 0, 10), block(v, 10, 40)
                print(f"| {d} | {f.name} | {which} | {np.sqrt(v[0]):.4f} | {a:.4f} | {b:.4f} | {b / a:.2f} | "
                      f"{rf:.4f} | {rl:.4f} | {rl / rf:.2f} | {a / rf:.1f}× | {b / rl:.1f}× |", flush=True)


def kupiec(x, n, p=0.01):
    if x == 0:
        lr = -2 * n * np.log(1 - p)
    else:
        ph = x / n
        lr = -2 * ((n - x) * np.log(1 - p) + x * np.log(p) - (n - x) * np.log(1 - ph) - x * np.log(ph))
    return float(stats.chi2.sf(lr, 1))


def var_table(series, window=1000, refit=20, max_days=500):
    print()
    print("| series | days | filter | exceptions 99 % | Kupiec p | mean VaR 99 % |")
    print("|---|---|---|---|---|---|")
    for name in series:
        r, _ = returns_of(name)
        y = 100 * r
        start = int(np.floor(0.8 * len(r)))
        days = list(range(start, min(len(r), start + max_days)))
        for f in FILTERS:
            exc, vars_ = 0, []
            fit = None
            for k, t in enumerate(days):
                win = y[t - window:t]
                if k % refit == 0:
                    try:
                        fit = f.fit(win)
                    except Exception:  # keep the filter in use
                        pass
                s2 = f.sigma2(fit, win)
                mu = f.mu(fit)
                z = (win - mu) / np.sqrt(s2[:-1])
                var = -(mu + np.sqrt(s2[-1]) * np.quantile(z, 0.01)) / 100
                vars_.append(var)
                exc += int(r[t] < -var)
            print(f"| {name} | {len(days)} | {f.name} | {exc} | {kupiec(exc, len(days)):.2f} | {np.mean(vars_):.4f} |",
                  flush=True)


def one_component_check():
    """The component model's one-component limit against arch's GJR-t on the DJIA 1,000 days
    before 1987-10-19."""
    r, dates = returns_of("djia.close")
    t = int(np.where(dates == CRASHES[0])[0][0])
    y = 100 * r[t - 1000:t]
    res = arch_fit(y, 2.0)
    p = res.params
    s = p["alpha[1]"] + p["gamma[1]"] / 2 + p["beta[1]"]
    mine = [p["mu"], p["omega"] / (1 - s), 0, 0, p["alpha[1]"], p["gamma[1]"], p["beta[1]"], p["nu"]]
    ll = -cg_nll(np.array(mine), y)
    fit, llfit = cg_fit(y, one_component=True)
    print(f"one-component limit: arch GJR-t loglik {res.loglikelihood:.6f}, component(ρ=φ=0) at arch's "
          f"optimum {ll:.6f}; refitted {llfit:.6f}, ω(1−α−γ/2−β) {fit[1] * (1 - fit[4] - fit[5] / 2 - fit[6]):.5f} "
          f"(arch {p['omega']:.5f}), α {fit[4]:.4f} ({p['alpha[1]']:.4f}), γ {fit[5]:.4f} ({p['gamma[1]']:.4f}), "
          f"β {fit[6]:.4f} ({p['beta[1]']:.4f}), ν {fit[7]:.2f} ({p['nu']:.2f})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--var-series", default="djia.close,eu_stocks.dax,crsp_daily.crsp")
    ap.add_argument("--skip-var", action="store_true")
    ap.add_argument("--skip-decay", action="store_true")
    args = ap.parse_args()
    one_component_check()
    if not args.skip_decay:
        decay_table()
    if not args.skip_var:
        var_table(args.var_series.split(","))


if __name__ == "__main__":
    main()
