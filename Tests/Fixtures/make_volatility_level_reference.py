#!/usr/bin/env python3
"""Golden values for the noised volatility level of issue 19 (TGFLFederated `NoisedVolatilityLevel`,
`tgfl federate --dp-volatility-noise`), from NumPy and Google's dp-accounting, derived from the
mechanism's definition, not from TGFL's code:

1. "owners": each client's released figure before the noise.  Client c of N under the `time`
   partition holds the c-th of N contiguous periods of the series' training span (the first
   floor(train_fraction * n) days) and the c-th of N periods of its validation span (the rest);
   period c of a span of L days is [c*L//N, (c+1)*L//N).  On the days whose date the public
   series also has, u_c = clip(0.5 * log(Var(member) / Var(public)), -h, h), population
   variances about each sample's own mean, h = 0.25; fewer than 20 common days send 0.
   Noise-free mean u_bar = sum(u_c) / N, target variance Var(public series) * exp(2 u_bar),
   target mean the public series' mean.
   Data: the bundled S&P 500 (members) and the bundled Dow Jones over 1999-01-01..2018-12-31
   (public), log returns ln(P_t / P_{t-1}) dated at t; BENCHMARKS' federation (N 8, train
   fraction 0.8, the whole S&P 500) and the unit test's (N 4, train fraction 0.8, the S&P 500's
   first 2,000 returns).
2. "epsilon": T DP-FedAvg rounds composed with ONE more Gaussian mechanism at q = 1, the level's
   release (sum of N values bounded by h, noise std z_v * h, fixed denominator N): the same
   composition as the noised summaries, `make_pld_reference.summaries_entry` (RDP and PLD,
   add/remove; replace-one with z/2 and z_v/2).

Run:  /work/pyref/bin/python Tests/Fixtures/make_volatility_level_reference.py
Writes Tests/Fixtures/volatility_level_reference.json.
"""
import csv
import json
import os

import numpy as np

H = 0.25
MINIMUM_DAYS = 20
HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.join(HERE, "..", "..", "Sources", "TGFLCore", "Resources")

# (clients N, expected per round m, z, sampling, rounds, delta, z_v)
EPSILON = [
    (8, 8, 1.0, "poisson", 10, 1e-5, 1.0),     # BENCHMARKS' DP rows with --dp-volatility-noise 1
    (8, 8, 1.0, "poisson", 10, 1e-5, 0.5),
    (8, 8, 1.0, "poisson", 10, 1e-5, 2.0),
    (8, 8, 1.0, "withoutReplacement", 10, 1e-5, 1.0),
    (4, 4, 1.0, "poisson", 2, 1e-5, 1.0),      # the unit test's federation
]


def log_returns(name):
    with open(os.path.join(RESOURCES, name + ".csv")) as fh:
        rows = list(csv.reader(fh))[1:]
    dates = [r[0] for r in rows]
    prices = np.array([float(r[1]) for r in rows])
    return dates[1:], np.log(prices[1:] / prices[:-1])


def owner_ratios(dates, values, public, n, train_fraction, h=H):
    size = len(values)
    split = int(np.floor(train_fraction * size))
    ratios = []
    for c in range(n):
        idx = []
        for lo, length in ((0, split), (split, size - split)):
            idx += list(range(lo + c * length // n, lo + (c + 1) * length // n))
        pairs = [(values[i], public[dates[i]]) for i in idx if dates[i] in public]
        if len(pairs) < MINIMUM_DAYS:
            ratios.append(0.0)
            continue
        m, p = np.array(pairs).T
        ratios.append(float(np.clip(0.5 * np.log(m.var() / p.var()), -h, h)))
    return ratios


def federation_data():
    """(S&P 500 dates, returns), the public Dow Jones 1999-2018 returns and {date: return}."""
    sp_dates, sp = log_returns("sp500")
    dj_dates, dj = log_returns("djia")
    keep = [i for i, d in enumerate(dj_dates) if "1999-01-01" <= d <= "2018-12-31"]
    return (sp_dates, sp), dj[keep], {dj_dates[i]: dj[i] for i in keep}


def main():
    from make_pld_reference import summaries_entry   # dp-accounting, needed for "epsilon" only
    (sp_dates, sp), public_values, public = federation_data()
    owners = []
    for n, days in ((8, len(sp)), (4, 2000)):
        u = owner_ratios(sp_dates[:days], sp[:days], public, n, 0.8)
        u_bar = sum(u) / n
        owners.append({"clients": n, "days": days, "train_fraction": 0.8, "ratios": u, "mean_ratio": u_bar,
                       "public_days": int(len(public_values)), "public_mean": float(public_values.mean()),
                       "public_variance": float(public_values.var()),
                       "target_variance": float(public_values.var() * np.exp(2 * u_bar)),
                       "member_variance": float(sp[:days].var())})
    path = os.path.join(HERE, "volatility_level_reference.json")
    with open(path, "w") as fh:
        json.dump({"sensitivity": H, "minimum_days": MINIMUM_DAYS, "owners": owners,
                   "epsilon": [summaries_entry(*e) for e in EPSILON]}, fh, indent=1)
    for o in owners:
        print(o["clients"], "owners: u", np.round(o["ratios"], 4), "mean", round(o["mean_ratio"], 4),
              "target sd", np.sqrt(o["target_variance"]), "member sd", np.sqrt(o["member_variance"]),
              "public sd", np.sqrt(o["public_variance"]))
    print("wrote", path)


if __name__ == "__main__":
    main()
