"""The GJR-GARCH(1,1)-t fit several fixture scripts share (arch), on the bundled S&P 500.

    arch_model(100 r, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit()

rescaled to returns (mu / 100, omega / 1e4, sigma / 100), as `GARCHModel` stores them.
"""
import csv
from pathlib import Path

import numpy as np
from arch import arch_model

SP500_CSV = Path(__file__).resolve().parent.parent.parent / "Sources" / "TGFLCore" / "Resources" / "sp500.csv"


def sp500_log_returns():
    """Daily log returns of the bundled S&P 500 closes."""
    with SP500_CSV.open(newline="") as f:
        prices = np.array([float(r["close"]) for r in csv.DictReader(f)])
    return np.diff(np.log(prices))


def fit_gjr_t(r):
    """(arch result, mu, omega, alpha, gamma, beta, nu, sigma) of a GJR(1,1)-t fit to returns r."""
    res = arch_model(100 * r, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit(disp="off")
    p = res.params
    sigma = np.asarray(res.conditional_volatility) / 100
    return (res, p["mu"] / 100, p["omega"] / 1e4, p["alpha[1]"], p["gamma[1]"], p["beta[1]"], p["nu"], sigma)
