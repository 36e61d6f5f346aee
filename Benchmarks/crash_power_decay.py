#!/usr/bin/env python3
"""Issue 16, crash-conditioned scenarios: would a power-1 volatility recursion (TARCH/ZARCH,
linear in |r|) decay faster after a crash than the GJR (power 2) the model uses? Evidence for
the recursion lev10 is testing (session 10); nothing in the library changes here.
(BENCHMARKS.md, "Conditional VaR/ES backtest", "Crash-conditioned scenarios".)

Same protocol as Benchmarks/crash_refit_decay.py, with `arch`'s asymmetric power-1 recursion

    σ_{t+1} = ω + (α + γ·1[ε_t < 0]) · |ε_t| + β · σ_t          (arch: vol="GARCH", p=1, o=1, q=1, power=1.0)

fitted (Student t, on 100 × returns) on the DJIA before 1987-10-19 ("trained", the test model's
training span) and on each 1,000-day prompt up to and including the crash day ("refit"). The
expected variance path E[σ²_k] of days 1…40 after the prompt has no closed form for power 1, so
it is arch's simulation forecast (20,000 paths of standardized t(ν) draws from numpy default_rng(16)); the power-2 GJR rows are
arch's analytic forecast (as crash_refit_decay.py). vol(days a–b) = √(mean E[σ²_k] over them);
realised: root mean square return.

    /work/pyref/bin/python Benchmarks/crash_power_decay.py
"""
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from arch import arch_model
from scipy.special import gammaln

warnings.simplefilter("ignore")
CSV = Path(__file__).resolve().parent.parent / "Sources" / "TGFLCore" / "Resources" / "djia.csv"
CRASHES = ["1987-10-19", "2008-10-15", "2020-03-16"]
SIMULATIONS = 20000


def model(returns, power):
    return arch_model(100 * returns, mean="Constant", vol="GARCH", p=1, o=1, q=1, power=power, dist="t",
                      rescale=False)


def fit(returns, power):
    return model(returns, power).fit(disp="off", options={"ftol": 1e-12, "maxiter": 2000})


def expected_path(res, prompt, power, horizon=40):
    """E[σ²] of days 1…horizon after the prompt, on the returns' scale, from a fit's parameters."""
    fixed = model(prompt, power).fix(res.params.values)
    if power == 2.0:
        f = fixed.forecast(horizon=horizon, reindex=False, method="analytic")
    else:
        nu, g = float(res.params["nu"]), np.random.default_rng(16)
        f = fixed.forecast(horizon=horizon, reindex=False, method="simulation", simulations=SIMULATIONS,
                           rng=lambda size: g.standard_t(nu, size) * np.sqrt((nu - 2) / nu))
    return f.variance.values[-1] / 1e4


def block(v, a, b):
    return float(np.sqrt(np.mean(v[a:b])))


def persistence(p, power):
    """The recursion's persistence: α + γ/2 + β for power 2 (in σ²); for power 1 (in σ) it is
    β + (α + γ/2)·E|z| with E|z| of the standardized Student t(ν)."""
    a, g, b = p["alpha[1]"], p["gamma[1]"], p["beta[1]"]
    if power == 2.0:
        return a + g / 2 + b
    nu = p["nu"]
    mean_abs = 2 * np.sqrt(nu - 2) * np.exp(gammaln((nu + 1) / 2) - gammaln(nu / 2)) / (np.sqrt(np.pi) * (nu - 1))
    return b + (a + g / 2) * mean_abs


def main():
    df = pd.read_csv(CSV)
    r = np.diff(np.log(df["close"].values))
    dates = df["date"].values[1:]
    crash = [int(np.where(dates == d)[0][0]) for d in CRASHES]
    print("| crash day | recursion | filter | persistence | σ day 1 | vol days 1–10 | vol days 11–40 | ratio 11–40 / 1–10 | "
          "realised ratio | days 11–40 / realised |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    trained = {pw: fit(r[:crash[0]], pw) for pw in (2.0, 1.0)}
    for d, t in zip(CRASHES, crash):
        prompt = r[t + 1 - 1000:t + 1]
        real = r[t + 1:t + 41]
        rf, rl = float(np.sqrt(np.mean(real[:10] ** 2))), float(np.sqrt(np.mean(real[10:] ** 2)))
        for pw, name in [(2.0, "GJR (power 2)"), (1.0, "TARCH (power 1)")]:
            for which, res in [("trained", trained[pw]), ("refit", fit(prompt, pw))]:
                v = expected_path(res, prompt, pw)
                f, later = block(v, 0, 10), block(v, 10, 40)
                print(f"| {d} | {name} | {which} | {persistence(res.params, pw):.4f} | {np.sqrt(v[0]):.4f} | {f:.4f} | "
                      f"{later:.4f} | {later / f:.2f} | {rl / rf:.2f} | {later / rl:.1f}× |")


if __name__ == "__main__":
    main()
