#!/usr/bin/env python3
"""Reference values for the MA(1) mean term of generation (issue 19, session 15;
Tests/TGFLCoreTests/MeanTermTests.swift, Sources/TGFLCore/Data/VolatilityModel+MeanTerm.swift).

The exact Gaussian MLE of an MA(1) with a constant, statsmodels'
`ARIMA(y, order=(0, 0, 1), trend="c").fit()` (state space, exact likelihood, invertible θ):
θ, μ (the constant), σ² and the log-likelihood, on
  - "simulated": y_t = 5e-4 + u_t − 0.3 u_{t−1}, u ~ N(0, 0.01²), 2,000 days, numpy seed 15;
  - "short": y_t = u_t + 0.45 u_{t−1}, u ~ N(0, 1), 300 days, numpy seed 16;
  - "djia_1999_2018": the bundled Dow Jones' log returns dated 1999-01-01 … 2018-12-31 (the public
    series of issue 19's DP federations, 5,030 returns).
Also the method-of-moments θ (θ/(1 + θ²) = the lag-1 autocorrelation; session 14's emulation), to
show the fit is not that.
Run: /work/pyref/bin/python Tests/Fixtures/make_mean_term_reference.py
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels
from statsmodels.tsa.arima.model import ARIMA

warnings.simplefilter("ignore")
HERE = Path(__file__).resolve().parent
CSV = HERE.parent.parent / "Sources" / "TGFLCore" / "Resources" / "djia.csv"
OUT = HERE / "mean_term_reference.json"


def ma1(n, mu, theta, sigma, seed):
    u = np.random.default_rng(seed).normal(0.0, sigma, n + 1)
    return mu + u[1:] + theta * u[:-1]


def moments_theta(y):
    rho = np.corrcoef(y[:-1], y[1:])[0, 1]
    return (1 - np.sqrt(1 - 4 * rho * rho)) / (2 * rho)


def main():
    d = pd.read_csv(CSV)
    keep = (d["date"] >= "1999-01-01") & (d["date"] <= "2018-12-31")
    djia = np.diff(np.log(d.loc[keep, "close"].to_numpy(float)))
    cases = {"simulated": ma1(2000, 5e-4, -0.3, 0.01, 15), "short": ma1(300, 0.0, 0.45, 1.0, 16),
             "djia_1999_2018": djia}
    out = {"statsmodels": statsmodels.__version__, "cases": {}}
    for name, y in cases.items():
        # Fitted on y / sd(y) and scaled back (θ is scale-free; μ × sd, σ² × sd², llf − n log sd): on the
        # raw daily returns (σ² ~ 1e-4) statsmodels' optimizer stops early (θ −0.2868 against −0.2907 on
        # "simulated", llf 0.017 lower); standardized, its optimum agrees with a scalar search of the
        # profile likelihood to 5e-6 in θ.
        sd = float(np.std(y))
        fit = ARIMA(y / sd, order=(0, 0, 1), trend="c").fit(method_kwargs={"gtol": 1e-12, "maxiter": 1000})
        const, theta, sigma2 = float(fit.params[0]) * sd, float(fit.params[1]), float(fit.params[2]) * sd * sd
        llf = float(fit.llf) - len(y) * np.log(sd)
        out["cases"][name] = {"theta": theta, "mu": const, "sigma2": sigma2, "llf": llf,
                              "theta_moments": float(moments_theta(y)),
                              "series": None if name == "djia_1999_2018" else [float(x) for x in y]}
        print(f"{name}: n {len(y)}, theta {theta:.6f}, mu {const:.6g}, sigma2 {sigma2:.6g}, llf {llf:.4f}, "
              f"moments theta {moments_theta(y):.6f}")
    OUT.write_text(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
