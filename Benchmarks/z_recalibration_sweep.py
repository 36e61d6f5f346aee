#!/usr/bin/env python3
"""Issue 16: which z recalibration (window n, weight λ) to use? Sweeps it on what
`tgfl-bench backtest-diagnosis` wrote (the generated one-day z of every path and day of the span,
σ_t, with the trained filter) before choosing a default for `tgfl backtest --z-recalibration`.

For day t: e = the last n standardized residuals of the prompt (arch's GJR-t filter with the
model's fixed parameters over the 1,000 prompt days, as the generation's filter), F̂ = the
empirical CDF of the day's generated z (stands in for the network's CDF F of the logits: the
generated z are draws from it), and each z becomes T(z) = (1 − λ) z + λ Q_e(F̂(z)) (NumPy's
linear quantile). Then per (n, λ): exceptions of the 99 % and 97.5 % VaR = −(μ + σ_t q̂_α(T(z))),
Kupiec p at 99 %, and Berkowitz's LR of the PITs of the realised return in the T(z) distribution
(AR(1) in Φ⁻¹(PIT), conditional MLE; 3 degrees of freedom).

    .build/release/tgfl-bench backtest-diagnosis --bundled eu_stocks --column dax --out .build/diag/dax
    /work/pyref/bin/python Benchmarks/z_recalibration_sweep.py .build/diag/dax [more dirs...]

Deterministic (no random numbers).
"""
import sys
import warnings

import numpy as np
from scipy import stats

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from backtest_diagnosis import arch_filter, load  # noqa: E402

warnings.simplefilter("ignore")
WINDOWS = [100, 250, 500, 1000]
WEIGHTS = [0.0, 0.25, 0.5, 0.75, 1.0]


def kupiec(x, n, a):
    if x == 0:
        return stats.chi2.sf(-2 * n * np.log(1 - a), 1)
    p = x / n
    lr = -2 * ((n - x) * np.log(1 - a) + x * np.log(a) - (n - x) * np.log(1 - p) - x * np.log(p))
    return stats.chi2.sf(lr, 1)


def berkowitz(u):
    y = stats.norm.ppf(np.clip(u, 1e-6, 1 - 1e-6))
    y0, y1 = y[:-1], y[1:]
    X = np.column_stack([np.ones_like(y0), y0])
    b, *_ = np.linalg.lstsq(X, y1, rcond=None)
    res = y1 - X @ b
    s2 = res.var()
    l1 = np.sum(stats.norm.logpdf(res, scale=np.sqrt(s2)))
    l0 = np.sum(stats.norm.logpdf(y1))
    return 2 * (l1 - l0)


def sweep(d):
    m, r, days, t, z = load(d)
    n, P = len(t), m["paths"]
    z = np.sort(z, axis=1)
    mu, pd_ = m["mu"], m["prompt_days"]
    sig = days["sigma"].values
    zr = (r[t] - mu) / sig
    prompts = [(r[u - pd_:u] - mu) / arch_filter(r[u - pd_:u], m) for u in t]
    u_hat = (np.arange(P) + 0.5) / P
    print(f"\n## {m['series']}: {n} days, {P} paths; expected exceptions {0.01 * n:.1f} (99 %), {0.025 * n:.1f} (97.5 %)")
    print("| window n | λ | exc. 99 % | Kupiec p 99 % | exc. 97.5 % | mean VaR 99 % | Berkowitz LR |")
    print("|---|---|---|---|---|---|---|")
    for N in WINDOWS:
        for lam in WEIGHTS:
            if lam == 0 and N != WINDOWS[0]:
                continue
            e01, e025, var01, pit = 0, 0, [], []
            for k in range(n):
                e = prompts[k][-N:]
                tz = (1 - lam) * z[k] + lam * np.quantile(e, u_hat)
                q01, q025 = np.quantile(tz, [0.01, 0.025])
                e01 += zr[k] < q01
                e025 += zr[k] < q025
                var01.append(-(mu + sig[k] * q01))
                pit.append((np.searchsorted(tz, zr[k]) + 0.5) / (P + 1))
            print(f"| {N if lam else '–'} | {lam} | {e01} | {kupiec(e01, n, 0.01):.2f} | {e025} | "
                  f"{np.mean(var01):.4f} | {berkowitz(np.array(pit)):.1f} |")


if __name__ == "__main__":
    for d in sys.argv[1:]:
        sweep(d)
