#!/usr/bin/env python3
"""Reference values for issue 16's fixes (Tests/TGFLCoreTests/ConditionalVolatilityTests.swift).

1. "filter": the volatility state σ_t that conditional generation starts day t's paths from must
   be arch's one-step GJR-GARCH forecast after the prompt (the `prompt_days` returns before t),
   with the model's fixed parameters: `arch_model(prompt, mean="Constant", vol="GARCH", p=1, o=1,
   q=1, dist="t").fix(params).forecast(horizon=1)`. Data: the bundled DAX (eu_stocks.csv, log
   returns of column dax); parameters: a GJR-t fit of its first 1,189 returns (rounded).
2. "refit": with the filter refitted on the prompt, σ_t is arch's forecast after its own fit of
   GJR-t on the prompt (fitted on 100 × returns for arch's optimiser, rescaled back); with the
   fit's parameters (mu, omega, alpha, gamma, beta, nu on the returns' scale) and the largest
   σ_t of its in-sample filter over the prompt (`max_sigma`, which sets the refitted cap
   1.25 · max_sigma: `VolatilityModel.refitted(on:)`, tgfl backtest --refit-every).
3. "bounded": the state with the model's parameters clamped to [floor, cap] = BOUNDS at every
   step (`VolatilityModel.variances`), in NumPy from arch's backcast: σ²_0 = ω + (α + γ/2 + β)·bc
   (bc = arch's GARCH backcast of the prompt minus its mean), σ²_{k+1} = clamp(ω + (α + γ·1[ε<0])ε²
   + β σ²_k), ε = r − μ; σ_t of each day after its prompt (tgfl backtest's σ floor/cap count).
4. "level_prior": TokenPrior.levelLogProbabilities: each level's variance-preserving prior
   (make_token_prior_reference.shrunk_prior, floor f·n_l/n) mixed with the pooled one (floor f)
   with weight n_l / (n_l + kappa), in probability; a level without counts gets the pooled prior.

Deterministic (no random numbers). Run: /work/pyref/bin/python Tests/Fixtures/make_conditional_volatility_reference.py
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from arch import arch_model

from make_token_prior_reference import shrunk_prior

warnings.simplefilter("ignore")
HERE = Path(__file__).resolve().parent
CSV = HERE.parent.parent / "Sources" / "TGFLCore" / "Resources" / "eu_stocks.csv"
OUT = HERE / "conditional_volatility_reference.json"
PARAMS = {"mu": 3.65e-4, "omega": 7.24e-6, "alpha": 0.0196, "gamma": 0.1201, "beta": 0.8353, "nu": 5.5}
DAYS = [1100, 1487, 1600, 1858]
BOUNDS = (0.0093, 0.0097)
PROMPT = 1000


def forecast_sigma(res):
    return float(np.sqrt(res.forecast(horizon=1, reindex=False).variance.values[-1, 0]))


def bounded_sigma(prompt, p, floor, cap):
    am = arch_model(prompt, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
    bc = am.volatility.backcast(prompt - prompt.mean())
    lo, hi = floor ** 2, cap ** 2
    v = min(max(p["omega"] + (p["alpha"] + p["gamma"] / 2 + p["beta"]) * bc, lo), hi)
    for r in prompt:
        e = r - p["mu"]
        v = min(max(p["omega"] + (p["alpha"] + (p["gamma"] if e < 0 else 0)) * e * e + p["beta"] * v, lo), hi)
    return float(np.sqrt(v))


def main():
    r = np.diff(np.log(pd.read_csv(CSV)["dax"].values))
    p = PARAMS
    sig, refit, bounded = [], [], []
    for t in DAYS:
        prompt = r[t - PROMPT:t]
        am = arch_model(prompt, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
        bounded.append(bounded_sigma(prompt, p, *BOUNDS))
        sig.append(forecast_sigma(am.fix([p["mu"], p["omega"], p["alpha"], p["gamma"], p["beta"], p["nu"]])))
        am100 = arch_model(100 * prompt, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
        res = am100.fit(disp="off", options={"ftol": 1e-12, "maxiter": 2000})
        q = res.params
        refit.append({"sigma": forecast_sigma(res) / 100, "persistence":
                      float(q["alpha[1]"] + q["gamma[1]"] / 2 + q["beta[1]"]),
                      "params": {"mu": float(q["mu"]) / 100, "omega": float(q["omega"]) / 1e4,
                                 "alpha": float(q["alpha[1]"]), "gamma": float(q["gamma[1]"]),
                                 "beta": float(q["beta[1]"]), "nu": float(q["nu"])},
                      "max_sigma": float(np.max(res.conditional_volatility)) / 100})
    counts = [[0, 0, 1, 4, 9, 12, 7, 3, 0, 0, 0, 1, 0, 0, 0, 0],
              [0, 0, 0, 0, 2, 5, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0],
              [0] * 16]
    levels = {}
    for kappa in (0.0, 5.0, 100.0):
        floor = 0.1
        pooled = np.sum(counts, axis=0)
        n = int(pooled.sum())
        pooled_p = np.exp(shrunk_prior(pooled, floor)[0])
        rows = []
        for c in counts:
            m = int(np.sum(c))
            if m == 0:
                rows.append(np.log(pooled_p).tolist())
                continue
            own = np.exp(shrunk_prior(c, floor * m / n)[0])
            w = m / (m + kappa)
            rows.append(np.log(w * own + (1 - w) * pooled_p).tolist())
        levels[str(kappa)] = rows
    out = {"params": p, "days": DAYS, "prompt_days": PROMPT, "sigma": sig, "refit": refit,
           "bounded": {"floor": BOUNDS[0], "cap": BOUNDS[1], "sigma": bounded},
           "level_prior": {"counts": counts, "floor": 0.1, "log_p": levels}}
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}: sigma {['%.6f' % s for s in sig]}, refit {['%.6f' % x['sigma'] for x in refit]}")


if __name__ == "__main__":
    main()
