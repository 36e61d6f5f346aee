#!/usr/bin/env python3
"""Writes Tests/Fixtures/cross_asset_reference.json: golden values for TGFLStats.CrossAsset
and PortfolioStress (issue 17).

References: numpy.corrcoef, scipy.stats.rankdata (average ties), statsmodels ccf
(adjusted=False), scipy.spatial.distance.cdist and scipy.stats.energy_distance, numpy quantile
('linear'). Inputs: the first 600 days of the bundled eu_stocks.csv (DAX, SMI, CAC, FTSE log
returns), a tied sample, and fixed-seed synthetic scenarios. Run:

    /work/pyref/bin/python Tests/Fixtures/make_cross_asset_reference.py
"""
import json
import os

import numpy as np
import scipy
import scipy.stats as st
from scipy.spatial.distance import cdist
import statsmodels
from statsmodels.tsa.stattools import ccf

SEED = 20261205
rng = np.random.default_rng(SEED)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cross_asset_reference.json")
CSV = os.path.join(HERE, "..", "..", "Sources", "TGFLCore", "Resources", "eu_stocks.csv")


def fl(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


prices = np.loadtxt(CSV, delimiter=",", skiprows=1)[:601]
X = np.diff(np.log(prices), axis=0)            # (600, 4)
n, K = X.shape
ref = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
       "seed": SEED, "columns": [fl(X[:, k]) for k in range(K)]}

# ---------------------------------------------------------------- correlation and its error
rho = np.corrcoef(X, rowvar=False)
se = (1 - rho ** 2) / np.sqrt(n - 3)
np.fill_diagonal(se, 0.0)
ref["correlation"] = {"values": fl(rho), "standard_errors": fl(se)}

# regimes: label days by the cross-sectional mean |r| rolling quantile -> 0 calm, 1 mid, 2 crisis
m = np.abs(X).mean(axis=1)
labels = np.digitize(m, np.quantile(m, [0.5, 0.85]))
ref["labels"] = [int(v) for v in labels]
ref["regime_correlation"] = {str(g): fl(np.corrcoef(X[labels == g], rowvar=False)) for g in (0, 2)}
rows = [int(v) for v in rng.choice(n, size=50, replace=False)]
ref["rows"] = rows
ref["rows_correlation"] = fl(np.corrcoef(X[rows], rowvar=False))


# ---------------------------------------------------------------- tail dependence
def tail_dependence(x, y, q):
    nn = len(x)
    u = st.rankdata(x) / (nn + 1)
    v = st.rankdata(y) / (nn + 1)
    lower = np.sum((u <= q) & (v <= q)) / np.sum(u <= q)
    upper = np.sum((u > 1 - q) & (v > 1 - q)) / np.sum(u > 1 - q)
    return float(lower), float(upper)


tails = []
for q in (0.05, 0.1):
    for i in range(K):
        for j in range(K):
            if i != j:
                lo, up = tail_dependence(X[:, i], X[:, j], q)
                tails.append({"i": i, "j": j, "q": q, "lower": lo, "upper": up})
ties = np.round(rng.standard_normal((200, 2)) @ np.array([[1.0, 0.6], [0.0, 0.8]]), 1)
lo, up = tail_dependence(ties[:, 0], ties[:, 1], 0.1)
ref["tail_dependence"] = tails
ref["ties"] = {"x": fl(ties[:, 0]), "y": fl(ties[:, 1]), "q": 0.1, "lower": lo, "upper": up}

# ---------------------------------------------------------------- cross-ACF of |r|
LAGS = 10
cross = []
for i, j in ((0, 1), (1, 0), (3, 2)):
    a, b = np.abs(X[:, i]), np.abs(X[:, j])
    # statsmodels: ccf(x, y)[k] = corr(x_{t+k}, y_t); we want corr(a_t, b_{t+h}) -> ccf(b, a)
    values = ccf(b, a, adjusted=False, fft=False)[:LAGS + 1]
    direct = [np.sum((a[:n - h] - a.mean()) * (b[h:] - b.mean())) / (n * a.std() * b.std()) for h in range(LAGS + 1)]
    assert np.allclose(values, direct, rtol=1e-12, atol=1e-15)
    cross.append({"i": i, "j": j, "values": fl(values)})
ref["abs_cross_acf"] = {"max_lag": LAGS, "pairs": cross}


# ---------------------------------------------------------------- energy distance
def energy(a, b):
    v = 2 * cdist(a, b).mean() - cdist(a, a).mean() - cdist(b, b).mean()
    return float(np.sqrt(max(v, 0.0)))


Y = rng.standard_t(4, size=(350, K)) * X.std(axis=0)     # independent heavy-tailed days
ref["energy"] = {"y": [fl(Y[:, k]) for k in range(K)], "real_vs_y": energy(X, Y),
                 "halves": energy(X[:300], X[300:]),
                 "one_dimensional": float(st.energy_distance(X[:, 0], Y[:, 0])),
                 "one_dimensional_own": energy(X[:, :1], Y[:, :1])}
assert abs(ref["energy"]["one_dimensional"] - ref["energy"]["one_dimensional_own"]) < 1e-12

# ---------------------------------------------------------------- portfolio stress
P, H = 400, 10
cov = np.cov(X, rowvar=False)
L = np.linalg.cholesky(cov)
scen = (rng.standard_t(5, size=(P, H, K)) * np.sqrt(3 / 5)) @ L.T      # (P, H, K)
w = np.array([0.4, 0.1, 0.2, 0.3]) * 1000.0
alpha = 0.05
cum = np.cumsum(scen, axis=1)
values_k = w * np.exp(cum)                      # (P, H, K)
V = values_k.sum(axis=2)                        # (P, H)
pnl_k = w * (np.exp(cum[:, -1, :]) - 1)         # (P, K)
pnl = pnl_k.sum(axis=1)
q = np.quantile(pnl, alpha)
tail = pnl <= q
var, es = -q, -pnl[tail].mean()
comp = -pnl_k[tail].mean(axis=0)
Vfull = np.concatenate([np.full((P, 1), w.sum()), V], axis=1)
peaks = np.maximum.accumulate(Vfull, axis=1)
dd = ((peaks - Vfull) / peaks).max(axis=1)
worst = sorted(range(P), key=lambda p: (pnl[p], p))[:7]
ref["stress"] = {"scenarios": fl(scen), "paths": P, "days": H, "assets": K, "weights": fl(w), "level": alpha,
                 "pnl": fl(pnl), "var": float(var), "es": float(es), "component_es": fl(comp),
                 "max_drawdown": fl(dd), "worst": [int(v) for v in worst]}

with open(OUT, "w") as f:
    json.dump(ref, f)
print("wrote", OUT)
