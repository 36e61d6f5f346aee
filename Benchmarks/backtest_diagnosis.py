#!/usr/bin/env python3
"""Issue 16: why is TGFL's one-day 99 % VaR too low? Compares, day by day on the backtest's
prompts, what `tgfl-bench backtest-diagnosis` wrote (the σ_t every path starts from and the
generated one-day z = (r − μ)/σ_t) with `arch`:

1. σ_t: arch's GJR filter with the model's own (fixed) parameters run over the same prompt
   (the last --prompt-days returns before t), one-step forecast σ²_t. Also σ_{t±1} to catch an
   off-by-one day, and how often the model's σ floor/cap binds.
2. z tails: the generated z (pooled and per day) against the training z (the same filter on the
   days the model's filter was fitted on), the prompt's own z (what FHS with these parameters
   draws from) and the realised z of the span.
3. Exceptions at 99 % / 97.5 % of VaR_t = −(μ + σ_t q), one q at a time, to split the gap into
   the volatility state and the z quantile; and FHS-GJR as the baseline runs it (normal-QMLE GJR on
   the last 1,000 days, refitted every 20 days, the empirical z quantile of those days).

    .build/release/tgfl-bench backtest-diagnosis --bundled eu_stocks --column dax --out .build/diag/dax
    /work/pyref/bin/python Benchmarks/backtest_diagnosis.py .build/diag/dax [more dirs...]

Fixed inputs, no randomness here (arch's fits are deterministic).
"""
import json
import sys
import warnings

import numpy as np
import pandas as pd
from arch import arch_model
from arch.univariate.base import DataScaleWarning

warnings.simplefilter("ignore", DataScaleWarning)
warnings.simplefilter("ignore", RuntimeWarning)


def arch_sigma(prompt, m):
    """arch's one-step forecast σ_t after the prompt, GJR(1,1) with the model's fixed parameters."""
    am = arch_model(prompt, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
    res = am.fix([m["mu"], m["omega"], m["alpha"], m["gamma"], m["beta"], m["nu"]])
    return float(np.sqrt(res.forecast(horizon=1, reindex=False).variance.values[-1, 0]))


def arch_filter(x, m):
    am = arch_model(x, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t", rescale=False)
    res = am.fix([m["mu"], m["omega"], m["alpha"], m["gamma"], m["beta"], m["nu"]])
    return np.asarray(res.conditional_volatility)


def fhs_gjr(r, days, window=1000, refit=20, alphas=(0.01, 0.025)):
    """FHS-GJR as RiskForecaster runs it: normal-QMLE GJR on the last `window` days (×100 for
    arch's optimiser), refitted every `refit` days, VaR = −(μ + σ_t q̂_α(z of the window))."""
    out = {a: [] for a in alphas}
    params = None
    for k, t in enumerate(days):
        x = 100 * r[t - window:t]
        am = arch_model(x, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="normal", rescale=False)
        if k % refit == 0 or params is None:
            params = am.fit(disp="off", show_warning=False).params
        res = am.fix(params)
        s = np.asarray(res.conditional_volatility)
        z = (x - params["mu"]) / s
        sig = float(np.sqrt(res.forecast(horizon=1, reindex=False).variance.values[-1, 0]))
        for a in alphas:
            out[a].append(-(params["mu"] + sig * np.quantile(z, a)) / 100)
    return {a: np.array(v) for a, v in out.items()}


def tails(z):
    z = np.asarray(z)
    q = np.quantile(z, [0.005, 0.01, 0.025, 0.05, 0.95, 0.975, 0.99])
    k = ((z - z.mean()) ** 4).mean() / z.var() ** 2 - 3
    return (f"mean {z.mean():+.3f} std {z.std():.3f} exkurt {k:5.2f} | q0.5% {q[0]:+.2f} q1% {q[1]:+.2f} "
            f"q2.5% {q[2]:+.2f} q5% {q[3]:+.2f} q95% {q[4]:+.2f} q97.5% {q[5]:+.2f} q99% {q[6]:+.2f} (n={len(z)})")


def load(d):
    """What `tgfl-bench backtest-diagnosis` wrote into d: (model record, returns, days table, forecast
    days t, generated z as an array of days × paths)."""
    m = json.load(open(f"{d}/model.json"))
    r = pd.read_csv(f"{d}/returns.csv")["r"].values
    days = pd.read_csv(f"{d}/days.csv")
    t = days["day"].values
    z = np.fromfile(f"{d}/z.f64", dtype="<f8").reshape(len(t), m["paths"])
    return m, r, days, t, z


def diagnose(d):
    m, r, days, t, z = load(d)
    n, P = len(t), m["paths"]
    mu, pd_ = m["mu"], m["prompt_days"]
    print(f"\n## {m['series']}: span {m['span_start']}..<{m['span_end']} ({n} days), {P} paths, "
          f"training days {m['span_start']} (filter fitted on the first {int(0.8 * m['span_start'])})")
    print(f"filter: mu {mu:.3e} omega {m['omega']:.3e} alpha {m['alpha']:.4f} gamma {m['gamma']:.4f} "
          f"beta {m['beta']:.4f} nu {m['nu']:.2f}; persistence {m['alpha'] + m['gamma'] / 2 + m['beta']:.4f}; "
          f"sigma floor {m['sigma_floor']:.5f} cap {m['sigma_cap']:.5f}")

    # 1. σ_t day by day.
    sa = np.array([arch_sigma(r[max(0, u - pd_):u], m) for u in t])
    ss = days["sigma"].values
    rel = ss / sa - 1
    print("### 1. sigma_t the paths start from vs arch's filter (same parameters, same prompt)")
    print(f"max |sigma_tgfl/sigma_arch - 1| = {np.abs(rel).max():.2e}, mean {rel.mean():+.2e}; "
          f"cap binds on {np.mean(sa >= m['sigma_cap']) * 100:.1f} % of days, floor on {np.mean(sa <= m['sigma_floor']) * 100:.1f} %")
    lag = {}
    for s in (-1, 0, 1):
        a, b = (ss[1:], sa[:-1]) if s == -1 else (ss[:-1], sa[1:]) if s == 1 else (ss, sa)
        lag[s] = np.mean(np.abs(np.log(a / b)))
    print(f"mean |log ratio| vs arch sigma_(t-1) {lag[-1]:.3f}, sigma_t {lag[0]:.2e}, sigma_(t+1) {lag[1]:.3f}")

    # 2. z tails.
    fit_days = int(0.8 * m["span_start"])
    ztrain = (r[:fit_days] - mu) / arch_filter(r[:fit_days], m)
    zreal = (r[t] - mu) / sa
    zprompt = (r[t[0] - pd_:t[0]] - mu) / arch_filter(r[t[0] - pd_:t[0]], m)
    print("### 2. z tails")
    print("training z (filter's fit days)  ", tails(ztrain))
    print("prompt z (1000 days before span)", tails(zprompt))
    print("generated z (pooled)            ", tails(z.ravel()))
    print("realised z over the span        ", tails(zreal))
    q01 = days["q01"].values
    print(f"per-day generated q1%: mean {q01.mean():+.3f}, sd {q01.std():.3f}, 5-95 % range "
          f"{np.quantile(q01, 0.05):+.2f}..{np.quantile(q01, 0.95):+.2f}; corr(q1%, log sigma) "
          f"{np.corrcoef(q01, np.log(ss))[0, 1]:+.2f}")
    lv = days["level"].values
    for L in np.unique(lv):
        sel = lv == L
        tr_sel = None
        print(f"   level {L:2d}: {sel.sum():4d} days, generated q1% {np.quantile(z[sel].ravel(), 0.01):+.2f}, "
              f"std {z[sel].std():.3f}")

    # 3. Exceptions, one ingredient at a time.
    print("### 3. exceptions of VaR_t = -(mu + sigma_t q)  [99 % / 97.5 %], expected "
          f"{0.01 * n:.1f} / {0.025 * n:.1f}")
    x = r[t]
    fhs = fhs_gjr(r, t)

    def row(name, var01, var025):
        print(f"| {name} | {np.sum(x < -var01)} | {np.sum(x < -var025)} | {np.mean(var01):.4f} | "
              f"{np.corrcoef(var01, fhs[0.01])[0, 1]:+.2f} |")
    print("| VaR | exc 99 % | exc 97.5 % | mean VaR 99 % | corr with FHS-GJR |")
    print("|---|---|---|---|---|")
    row("TGFL as generated (per-day generated quantile)", -(mu + ss * q01), -(mu + ss * days["q025"].values))
    gq = np.quantile(z.ravel(), [0.01, 0.025])
    row(f"sigma_t x pooled generated q ({gq[0]:+.2f}, {gq[1]:+.2f})", -(mu + ss * gq[0]), -(mu + ss * gq[1]))
    tq = np.quantile(ztrain, [0.01, 0.025])
    row(f"sigma_t x training-z q ({tq[0]:+.2f}, {tq[1]:+.2f})", -(mu + ss * tq[0]), -(mu + ss * tq[1]))
    pq = [np.array([np.quantile((r[u - pd_:u] - mu) / arch_filter(r[u - pd_:u], m), a) for u in t]) for a in (0.01, 0.025)]
    row("sigma_t x prompt-z q (FHS with the model's filter)", -(mu + ss * pq[0]), -(mu + ss * pq[1]))
    rq = np.quantile(zreal, [0.01, 0.025])
    row(f"sigma_t x realised-z q ({rq[0]:+.2f}, {rq[1]:+.2f}) (oracle)", -(mu + ss * rq[0]), -(mu + ss * rq[1]))
    row("FHS-GJR (refit every 20 days on 1,000)", fhs[0.01], fhs[0.025])


if __name__ == "__main__":
    for d in sys.argv[1:]:
        diagnose(d)
