#!/usr/bin/env python3
"""Writes Tests/Fixtures/report_sections_reference.json: golden values for the backtest and
portfolio-stress sections of the HTML report (TGFLReport.BacktestReportData, StressReportInput,
StressReportData), computed with NumPy from seeded samples:

- backtest: a WalkForwardBacktest as JSON (the schema `tgfl backtest --json` writes) with
  seeded outcomes, VaR forecasts and PITs; expected: the exceptions 1{-x > VaR} per level and
  day, α·n, and numpy.histogram(pit, linspace(0, 1, 21), density=True);
- stress: seeded joint scenarios (path, day, asset) and weights; expected: the buy-and-hold
  P&L, maximum drawdown, VaR (numpy 'linear' quantile) and ES, component ES, the worst paths,
  each worst path's per-asset log return, the P&L histogram on
  linspace(min(q_0.001, -ES, -real ES), q_0.999, 51), the drawdown histogram on
  linspace(0, max drawdown of all regimes, 41), mean and 95 % quantile of the drawdowns;
- real windows: seeded real columns and regime labels; the windows of `horizon` days that start
  on a day of the regime, and their VaR and ES.

    /work/pyref/bin/python Tests/Fixtures/make_report_sections_reference.py
"""
import json
import os

import numpy as np

SEED = 20261206
rng = np.random.default_rng(SEED)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report_sections_reference.json")


def fl(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


# --- backtest ---------------------------------------------------------------------------
LEVELS = [0.01, 0.025]
SPAN_START, SPAN_END = 300, 360
horizons, results, expected = [], [], []
for h in (1, 5):
    days = list(range(SPAN_START, SPAN_END - h + 1, h))
    outcomes = rng.standard_t(4, len(days)) * 0.01 * np.sqrt(h)
    horizons.append({"horizon": h, "days": days, "outcomes": fl(outcomes)})
    for model in ("TGFL", "HS-250"):
        var = [np.abs(rng.normal(0.02 * np.sqrt(h) * (1 + k * -0.2), 0.004, len(days))) for k in range(len(LEVELS))]
        es = [v * 1.25 for v in var]
        pit = rng.beta(0.8, 0.9, len(days))
        lr = {"statistic": float(rng.uniform(0, 9)), "pValue": float(rng.uniform()), "degreesOfFreedom": 1}
        levels = []
        for k, a in enumerate(LEVELS):
            x = int(np.sum(-outcomes > var[k]))
            levels.append({"level": a, "observations": len(days), "exceptions": x, "kupiec": lr, "independence": lr,
                           "conditionalCoverage": {**lr, "pValue": float(rng.uniform() * 0.02), "degreesOfFreedom": 2},
                           "zone": ["green", "yellow", "red"][k + (model == "HS-250")],
                           "expectedShortfallTest": {"statistic": -0.3, "pValue": 0.04, "simulations": 2000},
                           "meanValueAtRisk": float(np.mean(var[k])), "meanExpectedShortfall": float(np.mean(es[k]))})
        results.append({"model": model, "horizon": h, "levels": levels,
                        "berkowitz": {"statistic": float(rng.uniform(0, 20)), "pValue": float(rng.uniform()),
                                      "intercept": 0.1, "slope": 0.05, "variance": 1.2},
                        "valueAtRisk": [fl(v) for v in var], "expectedShortfall": [fl(v) for v in es], "pit": fl(pit)})
        expected.append({"model": model, "horizon": h,
                         "exceptions": [[bool(e) for e in (-outcomes > v)] for v in var],
                         "expected": [a * len(days) for a in LEVELS],
                         "pit_density": fl(np.histogram(pit, np.linspace(0, 1, 21), density=True)[0])})
backtest = {"series": "test series", "spanStart": SPAN_START, "spanEnd": SPAN_END, "horizons": horizons,
            "results": results, "generationSeconds": 1.5}

# --- stress -----------------------------------------------------------------------------
K, H, N, ALPHA, WORST = 3, 5, 300, 0.05, 4
WEIGHTS = np.array([0.5, 0.3, 0.2])


def stress(scen, weights, alpha):
    """numpy version of PortfolioStress: P&L, drawdowns, VaR, ES, component ES, worst."""
    cum = np.cumsum(scen, axis=1)                                  # path, day, asset
    values = np.concatenate([np.full((scen.shape[0], 1), weights.sum()), (weights * np.exp(cum)).sum(axis=2)], axis=1)
    peak = np.maximum.accumulate(values, axis=1)
    drawdown = ((peak - values) / peak).max(axis=1)
    parts = weights * (np.exp(cum[:, -1, :]) - 1)
    pnl = parts.sum(axis=1)
    var = -np.quantile(pnl, alpha)
    tail = pnl <= -var
    es = -pnl[tail].mean()
    component = -parts[tail].mean(axis=0)
    worst = sorted(range(len(pnl)), key=lambda p: (pnl[p], p))
    return pnl, drawdown, var, es, component, worst


def histogram(x, edges):
    return fl(np.histogram(x, edges, density=True)[0])


# Real data: columns and regime labels; windows start on a day of the regime.
REAL_DAYS = 260
real_columns = rng.standard_t(5, (K, REAL_DAYS)) * 0.01
labels = (rng.uniform(size=REAL_DAYS) < 0.4).astype(int)
real_windows = {}
for g in (0, 1):
    starts = [t for t in range(REAL_DAYS - H + 1) if labels[t] == g]
    w = np.stack([real_columns[:, t:t + H].T for t in starts])     # window, day, asset
    pnl, _, var, es, _, _ = stress(w, WEIGHTS, ALPHA)
    real_windows[g] = {"starts": starts, "windows": len(starts), "var": float(var), "es": float(es)}

regimes, stress_expected = [], []
scenarios = {}
for g, (name, scale) in enumerate([("calm", 0.006), ("crisis", 0.02)]):
    scen = rng.standard_t(4, (N, H, K)) * scale
    scenarios[name] = scen.tolist()
    pnl, dd, var, es, comp, worst = stress(scen, WEIGHTS, ALPHA)
    regimes.append((name, pnl, dd, var, es, comp, worst))
top = max(r[2].max() for r in regimes)
dd_edges = np.linspace(0, top, 41)
for g, (name, pnl, dd, var, es, comp, worst) in enumerate(regimes):
    real = real_windows[g] if g == 0 else None
    lo = min(np.quantile(pnl, 0.001), -es, -real["es"] if real else np.inf)
    edges = np.linspace(lo, np.quantile(pnl, 0.999), 51)
    stress_expected.append({
        "name": name, "pnl": fl(pnl), "max_drawdowns": fl(dd), "var": float(var), "es": float(es),
        "component_es": fl(comp), "worst": worst[:WORST],
        "worst_asset_returns": [fl(np.asarray(scenarios[name])[p].sum(axis=0)) for p in worst[:WORST]],
        "pnl_edges": fl(edges), "pnl_density": histogram(pnl, edges), "drawdown_density": histogram(dd, dd_edges),
        "mean_drawdown": float(dd.mean()), "drawdown_95": float(np.quantile(dd, 0.95))})

json.dump({
    "seed": SEED,
    "backtest": backtest, "backtest_expected": expected,
    "stress": {"assets": ["a", "b", "c"], "weights": fl(WEIGHTS), "level": ALPHA, "horizon": H, "worst": WORST,
               "scenarios": scenarios, "expected": stress_expected, "drawdown_edges": fl(dd_edges),
               "real_columns": [fl(c) for c in real_columns], "real_labels": [int(x) for x in labels],
               "real_windows": {str(g): v for g, v in real_windows.items()}},
}, open(OUT, "w"))
print("wrote", OUT)
