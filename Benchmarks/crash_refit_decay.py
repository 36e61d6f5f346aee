#!/usr/bin/env python3
"""Issue 16, crash-conditioned scenarios: would refitting the volatility filter on the prompt make
the volatility after a crash decay as fast as the realised one? (BENCHMARKS.md, "Conditional
VaR/ES backtest", session 9.)

TGFL's generated volatility after a prompt follows the expected path of its GJR state (the
`CrashConditioningTests` bound: days 11–40 below 1.25 × that expectation, measured within 0.85–1.0×).
So the decay a filter allows is read off its expected path, with `arch`:

    σ²_{t+1}       the filter's one-step forecast after the prompt (the 1,000 days up to and
                   including the crash day)
    E[σ²_{k+1}]   = ω + (α + γ/2 + β) · E[σ²_k]      (arch's analytic forecast)
    vol(days a–b) = √(mean of E[σ²_k] over those days); realised: root mean square return

for two GJR(1,1)-t filters: "trained" fitted on all DJIA returns before 1987-10-19 (the test
model's training span, which its filter is fitted on), and "refit" fitted on the 1,000-day prompt
itself (`VolatilityModel.refitted(on:)`, what `refitVolatilityEvery` does). Deterministic.

    /work/pyref/bin/python Benchmarks/crash_refit_decay.py
"""
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from arch import arch_model

warnings.simplefilter("ignore")
CSV = Path(__file__).resolve().parent.parent / "Sources" / "TGFLCore" / "Resources" / "djia.csv"
CRASHES = ["1987-10-19", "2008-10-15", "2020-03-16"]


def fit(returns):
    am = arch_model(100 * returns, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
    return am.fit(disp="off", options={"ftol": 1e-12, "maxiter": 2000})


def expected_path(res, prompt, horizon=40):
    """E[σ²] of days 1…horizon after the prompt, on the returns' scale, from a fit's parameters."""
    am = arch_model(100 * prompt, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
    f = am.fix(res.params.values).forecast(horizon=horizon, reindex=False, method="analytic")
    return f.variance.values[-1] / 1e4


def block(v, a, b):
    return float(np.sqrt(np.mean(v[a:b])))


def main():
    df = pd.read_csv(CSV)
    r = np.diff(np.log(df["close"].values))
    dates = df["date"].values[1:]
    crash = [int(np.where(dates == d)[0][0]) for d in CRASHES]
    trained = fit(r[:crash[0]])
    q = trained.params
    print(f"trained filter (DJIA to 1987-10-16, {crash[0]} days): persistence "
          f"{q['alpha[1]'] + q['gamma[1]'] / 2 + q['beta[1]']:.4f}, nu {q['nu']:.1f}")
    print("| crash day | filter | persistence | σ day 1 | vol days 1–10 | vol days 11–40 | ratio 11–40 / 1–10 | "
          "realised 1–10 | realised 11–40 | realised ratio | 11–40 / realised |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for d, t in zip(CRASHES, crash):
        prompt = r[t + 1 - 1000:t + 1]
        real = r[t + 1:t + 41]
        rf, rl = float(np.sqrt(np.mean(real[:10] ** 2))), float(np.sqrt(np.mean(real[10:] ** 2)))
        for name, res in [("trained", trained), ("refit", fit(prompt))]:
            p = res.params
            v = expected_path(res, prompt)
            f, later = block(v, 0, 10), block(v, 10, 40)
            print(f"| {d} | {name} | {p['alpha[1]'] + p['gamma[1]'] / 2 + p['beta[1]']:.4f} | {np.sqrt(v[0]):.4f} | "
                  f"{f:.4f} | {later:.4f} | {later / f:.2f} | {rf:.4f} | {rl:.4f} | {rl / rf:.2f} | {later / rl:.1f}× |")


if __name__ == "__main__":
    main()
