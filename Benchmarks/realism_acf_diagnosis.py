#!/usr/bin/env python3
"""Where the fair ACF-of-|r| and leverage targets are lost (BENCHMARKS.md, "Pretraining on the corpus").

Filtered historical simulation without a network, on the first 80 % of a bundled series:
a GJR-GARCH(1,1)-t (or EGARCH(1,1,1)-t) filter fitted with `arch`, standardized residuals z drawn
per volatility level (16 training quantiles, v2's conditioning) or i.i.d., sigma capped at
1.25 x the training maximum (or not), 1,000 paths of 250 days, sigma_0 drawn from the training
distribution. Printed per variant: the fair ACF|r| L2 error (lags 1-50) and leverage L2 error
(lags 1-20) against the real series cut into 250-day chunks (as RealismScorecard), and the
curves' lag-1/lag-20 values; the GARCH baselines' scenario files are scored the same way when
--baselines holds them (Benchmarks/realism_baselines.py).

Run: /work/pyref/bin/python Benchmarks/realism_acf_diagnosis.py sp500.close eu_stocks.dax [--baselines DIR]
     (needs arch, numpy, pandas; seed 1)
"""
import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from arch import arch_model

RES = Path(__file__).resolve().parent.parent / "Sources" / "TGFLCore" / "Resources"
BASELINES = None
P, H, S = 1000, 250, 16

def acf(x, K):
    x = x - x.mean(); d = (x*x).sum()
    return np.array([(x[:-k]*x[k:]).sum()/d for k in range(1, K+1)])
def lev(x, K):
    out = []
    for k in range(1, K+1):
        a, b = x[:-k], x[k:]**2
        out.append(np.corrcoef(a, b)[0,1])
    return np.array(out)
def curves(paths):
    A = np.mean([acf(np.abs(p), 50) for p in paths], axis=0)
    L = np.mean([lev(p, 20) for p in paths], axis=0)
    return A, L
def fair(real):
    ch = [real[i*H:(i+1)*H] for i in range(len(real)//H)]
    return curves(ch)

def load(name):
    f, c = name.split(".")
    df = pd.read_csv(RES / f"{f}.csv")
    x = df[c].values.astype(float)
    if f in ("crsp_daily", "siemens"): return x
    return np.diff(np.log(x))

def run(name, seed=1):
    r = load(name); train = r[: int(0.8*len(r))]
    A0, L0 = fair(r)
    res = arch_model(100*train, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit(disp="off")
    mu, om, a, g, b = res.params["mu"]/100, res.params["omega"]/1e4, res.params["alpha[1]"], res.params["gamma[1]"], res.params["beta[1]"]
    sig = np.asarray(res.conditional_volatility)/100
    z = (train-mu)/sig
    edges = np.quantile(np.log(sig), np.arange(1, S)/S)
    pools = [z[np.searchsorted(edges, np.log(sig), side="right") == j] for j in range(S)]
    def sim(draw, cap=1.25, start="emp", burn=0):
        rng = np.random.default_rng(seed)
        lo, hi = sig.min()/2, sig.max()*cap
        s2 = np.quantile(sig, rng.uniform(size=P))**2
        out = np.zeros((P, H+burn))
        for d in range(H+burn):
            zz = draw(rng, s2); e = np.sqrt(s2)*zz
            out[:, d] = mu + e
            s2 = np.clip(om + (a + g*(e<0))*e*e + b*s2, lo*lo, hi*hi)
        return out[:, burn:]
    def per_level(rng, s2):
        lv = np.searchsorted(edges, 0.5*np.log(s2), side="right")
        out = np.empty(len(s2))
        for j in range(S):
            m = lv == j
            if m.any(): out[m] = rng.choice(pools[j], m.sum())
        return out
    iid = lambda rng, s2: rng.choice(z, len(s2))
    rows = []
    for lab, paths in [("FHS per level cap1.25", sim(per_level)), ("FHS iid cap1.25", sim(iid)),
                       ("FHS per level no cap", sim(per_level, cap=1e9)), ("FHS iid nocap", sim(iid, cap=1e9))]:
        A, L = curves(paths)
        rows.append((lab, np.linalg.norm(A-A0), np.linalg.norm(L-L0), A[0], A[19], L[0]))
    # baselines from files
    for key in ["garch_t", "gjr_skewt"]:
        p = Path(BASELINES or ".") / f"{name}.{key}.csv"
        if BASELINES and p.exists():
            paths = pd.read_csv(p).values
            A, L = curves(paths)
            rows.append((key, np.linalg.norm(A-A0), np.linalg.norm(L-L0), A[0], A[19], L[0]))
    print(f"== {name}: real fair ACF|r| lag1 {A0[0]:.3f} lag20 {A0[19]:.3f}, leverage lag1 {L0[0]:.3f}; GJR a {a:.3f} g {g:.3f} b {b:.3f}")
    for row in rows: print("  %-24s acf err %.3f  lev err %.3f   acf1 %.3f acf20 %.3f lev1 %.3f" % row)



EZ = np.sqrt(2/np.pi)
def run_egarch(name, seed=1, cap=1.25):
    r = load(name); train = r[: int(0.8*len(r))]
    A0, L0 = fair(r)
    x = 100*train
    res = arch_model(x, mean="Constant", vol="EGARCH", p=1, o=1, q=1, dist="t").fit(disp="off")
    p = res.params
    mu, om, a, g, b = p["mu"], p["omega"], p["alpha[1]"], p["gamma[1]"], p["beta[1]"]
    sig = np.asarray(res.conditional_volatility)
    z = (x - mu)/sig
    edges = np.quantile(np.log(sig), np.arange(1, S)/S)
    pools = [z[np.searchsorted(edges, np.log(sig), side="right") == j] for j in range(S)]
    rng = np.random.default_rng(seed)
    ls = np.log(np.quantile(sig, rng.uniform(size=P))**2)
    lo, hi = 2*np.log(sig.min()/2), 2*np.log(sig.max()*cap)
    out = np.zeros((P, H))
    for d in range(H):
        lv = np.searchsorted(edges, 0.5*ls, side="right")
        zz = np.empty(P)
        for j in range(S):
            m = lv == j
            if m.any(): zz[m] = rng.choice(pools[j], m.sum())
        out[:, d] = (mu + np.exp(0.5*ls)*zz)/100
        ls = np.clip(om + a*(np.abs(zz) - EZ) + g*zz + b*ls, lo, hi)
    A, L = curves(out)
    print(f"== {name}: EGARCH ll {res.loglikelihood:.1f} a {a:.3f} g {g:.3f} b {b:.4f}; real acf1 {A0[0]:.3f} lev1 {L0[0]:.3f}")
    print("  EGARCH FHS per level  acf err %.3f  lev err %.3f   acf1 %.3f acf20 %.3f lev1 %.3f  std %.5f real %.5f" % (
        np.linalg.norm(A-A0), np.linalg.norm(L-L0), A[0], A[19], L[0], out.std(), r.std()))


def main():
    global BASELINES
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("series", nargs="+", help="bundled series, e.g. sp500.close eu_stocks.dax")
    ap.add_argument("--baselines", help="folder of the realism baselines' scenario CSVs")
    args = ap.parse_args()
    BASELINES = args.baselines
    for n in args.series:
        run(n)
        run_egarch(n)


if __name__ == "__main__":
    main()
