#!/usr/bin/env python3
"""Issue 16, session 12: does the plotting position of the residuals' empirical quantile explain
part of TGFL's excess one-day exceptions? A screen without the network (arch and NumPy only).

TGFL's z recalibration maps the generated z to Q_e(F(z)) with weight λ = 0.75, Q_e the empirical
quantile of the prompt's last n = 250 standardized residuals. With NumPy's default (linear,
Hyndman–Fan type 7) the 1 % quantile of 250 values sits at order statistic 1 + 249 × 0.01 = 3.49,
and a new exchangeable draw falls below the k-th smallest of n with probability k / (n + 1): the
next day's z falls below it with probability 3.49 / 251 = 1.39 %, not 1 %. The Weibull position
(type 6, h = (n + 1) p) puts it at 2.51, probability 1.00 %; at 2.5 %, 7.23 / 251 = 2.88 % against
2.50 %. The same bias for n = 1,000 (the FHS baselines) is 10.99 / 1001 = 1.10 %.

Screen: filtered historical simulation with TGFL's filter protocol (GJR(1,1)-t, arch, constant
mean, refitted every 20 days on the trailing 1,000 days; σ by the GJR recursion with arch's
backcast) on the backtest span of every bundled series (the first 500 days of the last 20 %),
VaR_t = −(μ + σ_t q̂_α(the last n residuals)), for n ∈ {250, 1000} and both positions: the λ = 1
limit of TGFL's recalibration (n = 250) and FHS-GJR-t (n = 1000). Exceptions, Basel zone, Kupiec
and Christoffersen conditional coverage p at 1 % and 2.5 %. --training screens the last days
before the span instead (up to --max-days after a full 1,000-day window): data TGFL trains on.

    /work/pyref/bin/python Benchmarks/quantile_position_screen.py [--max-days 500] [--series djia.close,...] [--training]

Deterministic (arch's SLSQP fit, no random numbers).
"""
import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
from arch import arch_model
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crash_filter_decay import backcast, returns_of  # noqa: E402

warnings.simplefilter("ignore")
SERIES = ["djia.close", "sp500.close", "nyse.close", "msci_switzerland.close", "eu_stocks.dax", "eu_stocks.smi",
          "eu_stocks.cac", "eu_stocks.ftse", "crsp_daily.ge", "crsp_daily.ibm", "crsp_daily.mobil",
          "crsp_daily.crsp", "fx_usd_1980.dem", "fx_usd_1980.gbp", "fx_usd_1980.cad", "fx_usd_1980.jpy",
          "fx_usd_1980.chf", "siemens.log_return"]
LEVELS = (0.01, 0.025)


def weibull_quantile(sorted_x, p):
    """Hyndman–Fan type 6: h = (n + 1) p (1-based), clamped to the sample's ends."""
    n = len(sorted_x)
    h = (n + 1) * p
    if h <= 1:
        return sorted_x[0]
    if h >= n:
        return sorted_x[-1]
    i = int(np.floor(h))
    return sorted_x[i - 1] + (h - i) * (sorted_x[i] - sorted_x[i - 1])


def gjr_sigma2(y, mu, omega, alpha, gamma, beta):
    """σ² of each day of y and the one-step forecast after it (arch's backcast start)."""
    e = y - mu
    s2 = np.empty(len(y) + 1)
    s2[0] = backcast(e)
    for i in range(len(y)):
        s2[i + 1] = omega + (alpha + gamma * (e[i] < 0)) * e[i] ** 2 + beta * s2[i]
    return s2


def kupiec(x, n, p):
    if x == 0:
        lr = -2 * n * np.log(1 - p)
    else:
        ph = x / n
        lr = -2 * ((n - x) * np.log(1 - p) + x * np.log(p) - (n - x) * np.log(1 - ph) - x * np.log(ph))
    return lr, float(stats.chi2.sf(lr, 1))


def christoffersen_cc(hits, p):
    """Kupiec + Christoffersen independence LR, χ²₂ p (0 · log 0 = 0)."""
    lr_pof, _ = kupiec(int(hits.sum()), len(hits), p)
    a, b = hits[:-1], hits[1:]
    n00 = int(np.sum((a == 0) & (b == 0))); n01 = int(np.sum((a == 0) & (b == 1)))
    n10 = int(np.sum((a == 1) & (b == 0))); n11 = int(np.sum((a == 1) & (b == 1)))

    def xlogy(k, q):
        return 0.0 if k == 0 else k * np.log(q)
    p01 = n01 / max(1, n00 + n01); p11 = n11 / max(1, n10 + n11); p1 = (n01 + n11) / max(1, n00 + n01 + n10 + n11)
    l0 = xlogy(n00 + n10, 1 - p1) + xlogy(n01 + n11, p1)
    l1 = xlogy(n00, 1 - p01) + xlogy(n01, p01) + xlogy(n10, 1 - p11) + xlogy(n11, p11)
    lr_ind = max(0.0, -2 * (l0 - l1))
    return float(stats.chi2.sf(lr_pof + lr_ind, 2))


def zone(x, n, p):
    c = stats.binom.cdf(x, n, p)
    return "green" if c < 0.95 else ("yellow" if c < 0.9999 else "red")


def screen(name, max_days, window=1000, refit=20, training=False):
    r, _ = returns_of(name)
    y = 100 * r
    start = int(np.floor(0.8 * len(r)))
    if training:  # the last days before the span (TGFL's training data), after a full window
        days = list(range(max(window, start - max_days), start))
    else:
        days = list(range(start, min(len(r), start + max_days)))
    var = {(n, m, a): [] for n in (250, 1000) for m in ("linear", "weibull") for a in LEVELS}
    params = None
    for k, t in enumerate(days):
        win = y[t - window:t]
        if k % refit == 0:
            res = arch_model(win, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t",
                             rescale=False).fit(disp="off", options={"ftol": 1e-12, "maxiter": 2000})
            params = [res.params[c] for c in ("mu", "omega", "alpha[1]", "gamma[1]", "beta[1]")]
        s2 = gjr_sigma2(win, *params)
        z = (win - params[0]) / np.sqrt(s2[:-1])
        for n in (250, 1000):
            e = np.sort(z[-n:])
            for a in LEVELS:
                var[(n, "linear", a)].append(-(params[0] + np.sqrt(s2[-1]) * np.quantile(e, a)) / 100)
                var[(n, "weibull", a)].append(-(params[0] + np.sqrt(s2[-1]) * weibull_quantile(e, a)) / 100)
    out = {}
    for key, v in var.items():
        hits = (r[days] < -np.array(v)).astype(int)
        x, nd, a = int(hits.sum()), len(days), key[2]
        out[key] = (x, zone(x, nd, a), kupiec(x, nd, a)[1], christoffersen_cc(hits, a), float(np.mean(v)))
    return len(days), out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-days", type=int, default=500)
    ap.add_argument("--series", default=",".join(SERIES))
    ap.add_argument("--training", action="store_true",
                    help="screen the last --max-days days before the span instead (training data only)")
    args = ap.parse_args()
    totals = {}
    print("| series | days | n | position | 99 %: exc (zone, Kupiec p, CC p) | 97.5 %: exc (zone, Kupiec p, CC p) |")
    print("|---|---|---|---|---|---|")
    for name in args.series.split(","):
        nd, out = screen(name, args.max_days, training=args.training)
        for n in (250, 1000):
            for m in ("linear", "weibull"):
                cells = []
                for a in LEVELS:
                    x, zn, kp, cc, mv = out[(n, m, a)]
                    cells.append(f"{x} ({zn}, {kp:.2f}, {cc:.2f})")
                    t = totals.setdefault((n, m, a), [0, 0, 0.0])
                    t[0] += x
                    t[1] += int(zn == "green" and kp >= 0.05 and cc >= 0.05)
                    t[2] += nd * a
                print(f"| {name} | {nd} | {n} | {m} | {cells[0]} | {cells[1]} |", flush=True)
    print()
    print("| n | position | level | exceptions / expected | green + Kupiec + CC |")
    print("|---|---|---|---|---|")
    count = len(args.series.split(","))
    for (n, m, a), (x, passed, expected) in sorted(totals.items()):
        print(f"| {n} | {m} | {a} | {x} / {expected:.1f} | {passed}/{count} |")


if __name__ == "__main__":
    main()
