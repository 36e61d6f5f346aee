#!/usr/bin/env python3
"""The simulations behind model v2's design choices (BENCHMARKS.md, "Model v2: why").

Filtered historical simulation on the S&P 500 (first 80 % of the bundled series): a GJR-GARCH(1,1)-t
fitted with `arch`, standardized residuals z drawn i.i.d. or per volatility level (16 training
quantiles of log sigma, the v2 conditioning), the recursion run on the simulated returns, 1,000 paths
of 250 days, sigma_0 drawn from the training distribution of sigma. Printed: pooled std, excess
kurtosis, 1 % VaR and ES of the simulated returns next to the real full series', for
- how z is drawn: i.i.d. (what an unconditional output prior gives) vs per level (the level prior);
- the cap on sigma: 1.0, 1.25, 1.5 x the largest training sigma, or none;
- normal innovations, for reference.

Run: /work/pyref/bin/python Benchmarks/v2_design_sims.py   (needs arch, pandas, scipy)
"""
from pathlib import Path

import numpy as np
import pandas as pd
from arch import arch_model
from scipy import stats

CSV = Path(__file__).resolve().parent.parent / "Sources" / "TGFLCore" / "Resources" / "sp500.csv"
P, H, S = 1000, 250, 16


def summary(x):
    f = np.asarray(x).ravel()
    q = np.quantile(f, 0.01)
    return f"std {f.std():.5f}  kurt {stats.kurtosis(f):6.2f}  VaR1 {-q:.4f}  ES1 {-f[f <= q].mean():.4f}"


def main():
    r = np.diff(np.log(pd.read_csv(CSV).close.values))
    train = r[: int(0.8 * len(r))]
    res = arch_model(100 * train, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit(disp="off")
    mu, om, a, g, b = res.params["mu"] / 100, res.params["omega"] / 1e4, res.params["alpha[1]"], \
        res.params["gamma[1]"], res.params["beta[1]"]
    sig = np.asarray(res.conditional_volatility) / 100
    z = (train - mu) / sig
    edges = np.quantile(np.log(sig), np.arange(1, S) / S)
    level = np.searchsorted(edges, np.log(sig), side="right")
    pools = [z[level == j] for j in range(S)]
    print(f"real (full series)            {summary(r)}")
    print(f"GJR-t: alpha {a:.4f} gamma {g:.4f} beta {b:.4f}; z: min {z.min():.2f}, sd by level "
          + " ".join(f"{pools[j].std():.2f}" for j in (0, 4, 8, 12, 15)))

    def simulate(draw, cap, seed):
        rng = np.random.default_rng(seed)
        lo, hi = sig.min() / 2, (sig.max() * cap if cap else np.inf)
        s2 = np.quantile(sig, rng.uniform(size=P)) ** 2
        out = np.zeros((P, H))
        for d in range(H):
            zz = draw(rng, s2)
            e = np.sqrt(s2) * zz
            out[:, d] = mu + e
            s2 = np.clip(om + (a + g * (e < 0)) * e * e + b * s2, lo * lo, hi * hi)
        return out

    iid = lambda rng, s2: rng.choice(z, len(s2))
    normal = lambda rng, s2: rng.standard_normal(len(s2))

    def per_level(rng, s2):
        lv = np.searchsorted(edges, 0.5 * np.log(s2), side="right")
        return np.array([rng.choice(pools[j]) for j in lv])

    for name, draw in (("z i.i.d.", iid), ("z per level", per_level), ("normal z", normal)):
        for cap in (None, 1.5, 1.25, 1.0):
            label = f"{name}, cap {'none' if cap is None else f'{cap:.2f}x'}"
            print(f"{label:30s}{summary(simulate(draw, cap, seed=1))}")


if __name__ == "__main__":
    main()
