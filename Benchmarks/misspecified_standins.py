#!/usr/bin/env python3
"""Stand-in histories from processes a GJR(1,1) recursion cannot capture (issue 12, session 16).

`Benchmarks/oracle_calibration.py` simulates stand-ins from a fitted GJR skew-t: there TGFL's
recursion is correctly specified and the network has no dynamics left to learn. This script
simulates stand-ins from three processes that are NOT a GJR, calibrated to look like daily
equity-index returns (annualized volatility 15-25 %, excess kurtosis 5-10, slight positive
drift), so that `tgfl-bench realism` can show whether the trained network recovers dynamics
that the recursion misses:

  ms    2-state Markov-switching volatility (Hamilton 1989 in the variance): a calm state
        (sigma 0.65 %/day, drift +0.06 %) and a crisis state (sigma 2.1 %/day, drift -0.15 %),
        P(stay) 0.99 / 0.96 (mean stays 100 and 25 days, 20 % of days in crisis), standardized
        Student-t(8) shocks. Volatility jumps with the regime, not with yesterday's squared return.
  sv    log-normal stochastic volatility with leverage (Harvey & Shephard 1996):
        r_t = mu + exp(h_t/2) e_t, h_{t+1} = m + 0.90 (h_t - m) + 0.45 u_t, corr(z_t, u_t) = -0.7
        where e_t = z_t sqrt(8/chi2_10) is a standardized t(10). Volatility has its own shock.
  twocomp  two-component log-volatility (a slow and a fast factor, an approximation of long
        memory; Alizadeh, Brandt & Diebold 2002 / Engle & Lee 1999 in log form):
        h_t = m + f_t + s_t, f_{t+1} = 0.90 f_t + 0.30 u_t, s_{t+1} = 0.998 s_t + 0.035 v_t,
        corr(z_t, u_t) = -0.6 (leverage through the fast factor), e_t a standardized t(7).
  m is set so that E[exp(h)] = (1.1 %)^2 (17.5 % a year); drift +0.03 %/day.

For each requested stand-in NAME:DAYS (default ms:5000,sv:5000,twocomp:5000,twocomp:20000) it
writes, like oracle_calibration.py,
  - OUT/mis_<name>_<days>.csv: one path of DAYS daily log returns (burn-in --burn days from the
    stationary distribution) as a prices CSV (date, price), for `tgfl-bench realism --csv` and
    `realism_baselines.py --csv`;
  - BASELINES/mis_<name>_<days>.price.oracle.csv: --paths x --horizon days from the same process
    (the "oracle" column of `tgfl-bench realism`), each path with its own burn-in;
and, unless --no-check, the misspecification check: a GJR-GARCH(1,1,1) skew-t fitted with
`arch` on the WHOLE stand-in, --paths x --horizon days simulated from that fit, and the
benchmark's curves (mean over 250-day paths of the ACF of |r|, lags 1-50, and the leverage
corr(r_t, r_{t+k}^2), lags 1-20; the stand-in is cut into 250-day chunks as RealismScorecard
does) of (i) the oracle, (ii) the fitted GJR, (iii) the stand-in. Printed per stand-in: the L2
distance of the GJR curves from the oracle's, and the noise of that distance: the distribution
(median, 90 %) of the L2 distance from the oracle's curves of a history of the stand-in's length
drawn from the TRUE process (consecutive groups of oracle paths). A GJR distance beyond the
90 % point means the benchmark's curves can in principle see the misspecification. Also the
curves at a few lags and the kurtosis of each. Written to OUT/misspecified_manifest.json.

Seeds: stand-in i (in the order given) draws from numpy.random.default_rng([seed, 2000 + i, j]),
j = 0 the history, 1 the oracle paths, 2 the GJR check's paths.

Run:
  /work/pyref/bin/python Benchmarks/misspecified_standins.py --out OUT
  /work/pyref/bin/python Benchmarks/realism_baselines.py --out OUT/baselines --csv OUT/mis_ms_5000.csv ...
  tgfl-bench realism --csv OUT/mis_ms_5000.csv ... --baselines OUT/baselines --seed 42 --steps 300
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realism_baselines import write_paths  # noqa: E402

try:
    from arch import arch_model
    from arch.univariate import SkewStudent
except ImportError:  # pragma: no cover - reported to the user
    sys.exit("misspecified_standins.py needs the `arch` package (or /work/pyref/bin/python)")

DAILY_VAR = 0.011 ** 2      # target E[sigma^2]: 1.1 %/day, 17.5 % a year


def student(rng, nu, shape):
    """Student-t(nu) scaled to unit variance."""
    return rng.standard_t(nu, size=shape) * np.sqrt((nu - 2) / nu)


def sim_ms(rng, paths, days, burn):
    p_stay = np.array([0.99, 0.96])              # calm, crisis
    sig = np.array([0.0065, 0.021])
    mu = np.array([0.0006, -0.0015])
    pi_crisis = (1 - p_stay[0]) / ((1 - p_stay[0]) + (1 - p_stay[1]))
    state = (rng.random(paths) < pi_crisis).astype(int)
    eps = student(rng, 8, (paths, days + burn))
    u = rng.random((paths, days + burn))
    out = np.empty((paths, days + burn))
    for t in range(days + burn):
        out[:, t] = mu[state] + sig[state] * eps[:, t]
        state = np.where(u[:, t] < p_stay[state], state, 1 - state)
    return out[:, burn:]


def sim_logsv(rng, paths, days, burn, components, rho, nu, mu=0.0003):
    """h = m + sum of AR(1) factors; factor k: (phi_k, sd_k); the first factor's shock is
    correlated rho with the return shock's Gaussian part z (leverage); the return shock is the
    standardized t(nu) z sqrt((nu - 2) / chi2_nu). E[exp(h)] = DAILY_VAR."""
    var_h = sum(sd ** 2 / (1 - phi ** 2) for phi, sd in components)
    m = np.log(DAILY_VAR) - var_h / 2
    fac = [rng.standard_normal(paths) * sd / np.sqrt(1 - phi ** 2) for phi, sd in components]
    out = np.empty((paths, days + burn))
    for t in range(days + burn):
        z = rng.standard_normal(paths)
        e = z * np.sqrt((nu - 2) / rng.chisquare(nu, paths))
        out[:, t] = mu + np.exp((m + sum(fac)) / 2) * e
        for k, (phi, sd) in enumerate(components):
            shock = rng.standard_normal(paths)
            if k == 0:
                shock = rho * z + np.sqrt(1 - rho ** 2) * shock
            fac[k] = phi * fac[k] + sd * shock
    return out[:, burn:]


PROCESSES = {
    "ms": sim_ms,
    "sv": lambda rng, paths, days, burn: sim_logsv(rng, paths, days, burn, [(0.90, 0.45)], -0.7, 10),
    # the fast factor first: it carries the leverage
    "twocomp": lambda rng, paths, days, burn: sim_logsv(rng, paths, days, burn,
                                                        [(0.90, 0.30), (0.998, 0.035)], -0.6, 7),
}


# --- the benchmark's curves (as Benchmarks/realism_acf_diagnosis.py / RealismScorecard) ---
def acf_abs(paths, K=50):
    x = np.abs(paths)
    x = x - x.mean(axis=1, keepdims=True)
    d = (x * x).sum(axis=1)
    return np.array([((x[:, :-k] * x[:, k:]).sum(axis=1) / d) for k in range(1, K + 1)]).T   # paths x K


def leverage(paths, K=20):
    out = []
    for k in range(1, K + 1):
        a, b = paths[:, :-k], paths[:, k:] ** 2
        a = a - a.mean(axis=1, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
        out.append((a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1)))
    return np.array(out).T


def chunks(r, H=250):
    n = len(r) // H
    return r[: n * H].reshape(n, H)


def kurt(x):
    x = np.ravel(x) - np.mean(x)
    return float(np.mean(x ** 4) / np.mean(x ** 2) ** 2 - 3)


def gjr_check(r, oracle, rng):
    model = arch_model(r * 100, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="skewt")
    res = model.fit(disp="off", show_warning=False)
    model.distribution = SkewStudent(seed=rng)
    paths, H = oracle.shape
    gjr = np.empty_like(oracle)
    for p in range(paths):
        gjr[p] = model.simulate(res.params, H, burn=500)["data"].to_numpy() / 100
    A_o, L_o = acf_abs(oracle), leverage(oracle)
    A_g, L_g = acf_abs(gjr).mean(0), leverage(gjr).mean(0)
    ch = chunks(r)
    A_s, L_s = acf_abs(ch).mean(0), leverage(ch).mean(0)
    Ao, Lo = A_o.mean(0), L_o.mean(0)
    # noise: histories of the stand-in's length from the true process = groups of len(ch) oracle paths
    g = len(ch)
    groups = paths // g
    na = [np.linalg.norm(A_o[i * g:(i + 1) * g].mean(0) - Ao) for i in range(groups)]
    nl = [np.linalg.norm(L_o[i * g:(i + 1) * g].mean(0) - Lo) for i in range(groups)]
    lag = lambda c, ks: {f"lag{k}": round(float(c[k - 1]), 4) for k in ks}
    return {
        "gjr_params_percent": {k: float(v) for k, v in res.params.items()},
        "acf_l2": {"gjr_vs_oracle": float(np.linalg.norm(A_g - Ao)),
                   "standin_vs_oracle": float(np.linalg.norm(A_s - Ao)),
                   "one_history_noise_median": float(np.median(na)),
                   "one_history_noise_p90": float(np.quantile(na, 0.9)), "noise_draws": groups},
        "leverage_l2": {"gjr_vs_oracle": float(np.linalg.norm(L_g - Lo)),
                        "standin_vs_oracle": float(np.linalg.norm(L_s - Lo)),
                        "one_history_noise_median": float(np.median(nl)),
                        "one_history_noise_p90": float(np.quantile(nl, 0.9))},
        "acf": {"oracle": lag(Ao, (1, 5, 20, 50)), "gjr": lag(A_g, (1, 5, 20, 50)),
                "standin": lag(A_s, (1, 5, 20, 50))},
        "leverage": {"oracle": lag(Lo, (1, 5, 20)), "gjr": lag(L_g, (1, 5, 20)), "standin": lag(L_s, (1, 5, 20))},
        "excess_kurtosis": {"oracle": kurt(oracle), "gjr": kurt(gjr), "standin": kurt(r)},
        # the curves' per-lag standard error of the oracle mean, for the reader
        "acf_oracle_mean_se_lag1": float(A_o[:, 0].std() / np.sqrt(paths)),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="folder for the stand-in CSVs (created)")
    ap.add_argument("--baselines", default=None, help="folder of the oracle CSVs (default OUT/baselines)")
    ap.add_argument("--standins", default="ms:5000,sv:5000,twocomp:5000,twocomp:20000",
                    help="comma-separated NAME:DAYS, NAME one of " + ", ".join(PROCESSES))
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--horizon", type=int, default=250)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--burn", type=int, default=2000, help="burn-in days (the slow factor forgets slowly)")
    ap.add_argument("--no-check", action="store_true", help="skip the GJR misspecification check")
    args = ap.parse_args()
    if args.paths < 1 or args.horizon < 52 or args.burn < 0:
        sys.exit("--paths must be at least 1, --horizon at least 52, --burn at least 0")
    out = Path(args.out)
    base = Path(args.baselines) if args.baselines else out / "baselines"
    out.mkdir(parents=True, exist_ok=True)
    base.mkdir(parents=True, exist_ok=True)
    specs = []
    for item in [s.strip() for s in args.standins.split(",") if s.strip()]:
        name, _, days = item.partition(":")
        if name not in PROCESSES or not days.isdigit() or int(days) < 2 * args.horizon:
            sys.exit(f"--standins: '{item}' is not NAME:DAYS with NAME in {', '.join(PROCESSES)} "
                     f"and DAYS ≥ {2 * args.horizon}")
        specs.append((name, int(days)))
    manifest = {}
    for i, (name, days) in enumerate(specs):
        stem = f"mis_{name}_{days}"
        r = PROCESSES[name](np.random.default_rng([args.seed, 2000 + i, 0]), 1, days, args.burn)[0]
        oracle = PROCESSES[name](np.random.default_rng([args.seed, 2000 + i, 1]), args.paths, args.horizon, args.burn)
        if not (np.all(np.isfinite(r)) and np.all(np.isfinite(oracle))):
            sys.exit(f"{stem}: non-finite simulated returns")
        prices = 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(r)]))
        dates = pd.bdate_range("1900-01-02", periods=len(prices)).strftime("%Y-%m-%d")
        csv = out / f"{stem}.csv"
        tmp = csv.with_suffix(".csv.tmp")
        pd.DataFrame({"date": dates, "price": prices}).to_csv(tmp, index=False, float_format="%.12g")
        tmp.replace(csv)
        # The bench reads the prices back and takes log differences: re-read for the check.
        r = np.diff(np.log(pd.read_csv(csv)["price"].to_numpy(dtype=float)))
        write_paths(base / f"{stem}.price.oracle.csv", oracle)
        entry = {"stand_in": str(csv), "days": days, "process": name,
                 "annualized_vol": float(r.std() * np.sqrt(252)), "annualized_mean": float(r.mean() * 252),
                 "oracle_annualized_vol": float(oracle.std() * np.sqrt(252))}
        if not args.no_check:
            entry["gjr_check"] = gjr_check(r, oracle, np.random.default_rng([args.seed, 2000 + i, 2]))
        manifest[stem] = entry
        c = entry.get("gjr_check")
        line = f"{stem}: vol {entry['annualized_vol']:.3f}/yr (oracle {entry['oracle_annualized_vol']:.3f})"
        if c:
            a, l, k = c["acf_l2"], c["leverage_l2"], c["excess_kurtosis"]
            line += (f"; ACF|r| L2 GJR-oracle {a['gjr_vs_oracle']:.3f} vs one-history noise median "
                     f"{a['one_history_noise_median']:.3f} p90 {a['one_history_noise_p90']:.3f} (stand-in "
                     f"{a['standin_vs_oracle']:.3f}); leverage L2 GJR-oracle {l['gjr_vs_oracle']:.3f} vs noise "
                     f"{l['one_history_noise_median']:.3f}/{l['one_history_noise_p90']:.3f} (stand-in "
                     f"{l['standin_vs_oracle']:.3f}); kurtosis oracle {k['oracle']:.1f} GJR {k['gjr']:.1f} "
                     f"stand-in {k['standin']:.1f}; ACF oracle {c['acf']['oracle']} GJR {c['acf']['gjr']}; "
                     f"leverage oracle {c['leverage']['oracle']} GJR {c['leverage']['gjr']}")
        print(line, file=sys.stderr)
    (out / "misspecified_manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
