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


def fixed_filter_z(span, p):
    """z_t = resid / conditional_volatility of arch's GJR-t filter at fixed parameters
    p = {mu, omega, alpha, gamma, beta, nu} (returns, not rescaled; the span's own backcast)."""
    am = arch_model(span, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
    res = am.fix([p["mu"], p["omega"], p["alpha"], p["gamma"], p["beta"], p["nu"]])
    return np.asarray(res.resid) / np.asarray(res.conditional_volatility)


def uniform_tokens(z, t):
    """Tokens of z under the uniform tokenizer t = {vocab_size, mean, std, clip_sigma}:
    edge_i = m + s * (-c + 2c * i / V), bin b = [edge_b, edge_{b+1}), beyond the range clipped."""
    V, c = t["vocab_size"], t["clip_sigma"]
    edges = t["mean"] + t["std"] * (-c + 2 * c * np.arange(V + 1) / V)
    k = np.searchsorted(edges, z, side="right") - 1
    return np.clip(k, 0, V - 1)
