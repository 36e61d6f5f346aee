#!/usr/bin/env python3
"""A multiplicative component volatility filter, tried and not adopted (issue 12, session-7 note).

Filtered historical simulation without a network on the first 80 % of a bundled series, scored
against the full series as the realism benchmark does (fair ACF|r| and leverage errors, fair KS p,
kurtosis, 1 % VaR, std), for: v2's GJR-GARCH(1,1)-t filter, and a component filter
sigma^2 = tau * g (tau: EWMA of squared residuals with decay LAMBDA; g: GJR-t fitted by `arch` on the
deflated returns e / sqrt(tau)) for LAMBDA in 0.99, 0.995, 0.998. z is drawn per volatility level
(16 training quantiles, v2's conditioning), sigma capped at 1.25 x the training maximum, paths
start from a random training day's state; 1,000 x 250 paths, seed 1. The arch GARCH(1,1)-t
baseline file of Benchmarks/realism_baselines.py is scored beside them when --baselines has it.

  /work/pyref/bin/python Benchmarks/component_filter_check.py sp500.close djia.close eu_stocks.dax \
      crsp_daily.ibm --baselines DIR
Needs arch, numpy, pandas, scipy.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from arch import arch_model
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realism_acf_diagnosis as D  # noqa: E402
P,H,S=1000,250,16
def kspfair(real, syn, seed=0, n=20):
    rng=np.random.default_rng(seed); pool=syn.ravel()
    return np.median([stats.ks_2samp(real, pool[rng.choice(len(pool), len(real), replace=False)]).pvalue for _ in range(n)])
def score(lab, paths, r, A0, L0):
    A,L=D.curves(paths); pool=paths.ravel()
    var=-np.quantile(pool,0.01); rv=-np.quantile(r,0.01)
    print("  %-26s acf %.3f lev %.3f acf1 %.3f | KS %.1e kurt %.1f/%.1f VaR %.4f/%.4f std %.5f/%.5f" % (lab, np.linalg.norm(A-A0), np.linalg.norm(L-L0), A[0], kspfair(r,paths), stats.kurtosis(pool), stats.kurtosis(r), var, rv, pool.std(), r.std()))
def fit_comp(train, lam):
    mu=train.mean(); e=train-mu
    tau=np.empty(len(e)); t=np.mean(e[:250]**2)
    for i in range(len(e)):
        tau[i]=t; t=lam*t+(1-lam)*e[i]**2
    x=e/np.sqrt(tau)
    res=arch_model(x, mean="Zero", vol="GARCH", p=1,o=1,q=1, dist="t").fit(disp="off")
    p=res.params; g=np.asarray(res.conditional_volatility)**2
    return mu, tau, g, p["omega"], p["alpha[1]"], p["gamma[1]"], p["beta[1]"]
def sim_comp(train, lam, seed=1, cap=1.25):
    mu,tau,g,om,a,gm,b=fit_comp(train,lam)
    sig=np.sqrt(tau*g); z=(train-mu)/sig
    edges=np.quantile(np.log(sig), np.arange(1,S)/S)
    lvl=np.searchsorted(edges,np.log(sig),side="right"); pools=[z[lvl==j] for j in range(S)]
    rng=np.random.default_rng(seed)
    i0=rng.integers(0,len(train),P); T=tau[i0].copy(); G=g[i0].copy()
    lo,hi=sig.min()/2, sig.max()*cap
    out=np.zeros((P,H))
    for d in range(H):
        s2=np.clip(T*G, lo*lo, hi*hi)
        lv=np.searchsorted(edges,0.5*np.log(s2),side="right"); zz=np.empty(P)
        for j in range(S):
            m=lv==j
            if m.any(): zz[m]=rng.choice(pools[j], m.sum())
        e=np.sqrt(s2)*zz; out[:,d]=mu+e
        x=e/np.sqrt(T)
        G=om+(a+gm*(x<0))*x*x+b*G
        T=lam*T+(1-lam)*e*e
    return out,(om,a,gm,b)
def sim_gjr(train, seed=1, cap=1.25):
    res=arch_model(100*train, mean="Constant", vol="GARCH", p=1,o=1,q=1, dist="t").fit(disp="off")
    mu,om,a,g,b=res.params["mu"]/100,res.params["omega"]/1e4,res.params["alpha[1]"],res.params["gamma[1]"],res.params["beta[1]"]
    sig=np.asarray(res.conditional_volatility)/100; z=(train-mu)/sig
    edges=np.quantile(np.log(sig), np.arange(1,S)/S); lvl=np.searchsorted(edges,np.log(sig),side="right"); pools=[z[lvl==j] for j in range(S)]
    rng=np.random.default_rng(seed); s2=sig[rng.integers(0,len(train),P)]**2; lo,hi=sig.min()/2,sig.max()*cap
    out=np.zeros((P,H))
    for d in range(H):
        lv=np.searchsorted(edges,0.5*np.log(s2),side="right"); zz=np.empty(P)
        for j in range(S):
            m=lv==j
            if m.any(): zz[m]=rng.choice(pools[j], m.sum())
        e=np.sqrt(s2)*zz; out[:,d]=mu+e; s2=np.clip(om+(a+g*(e<0))*e*e+b*s2, lo*lo, hi*hi)
    return out,(a,g,b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("series", nargs="+", help="bundled series, e.g. sp500.close")
    ap.add_argument("--baselines", help="folder of the realism baselines' scenario CSVs")
    args = ap.parse_args()
    for name in args.series:
        r = D.load(name)
        train = r[: int(0.8 * len(r))]
        A0, L0 = D.fair(r)
        print("==", name, "real fair acf1 %.3f" % A0[0])
        p, par = sim_gjr(train)
        score("GJR per-level %s" % " ".join("%.3f" % v for v in par), p, r, A0, L0)
        for lam in [0.99, 0.995, 0.998]:
            p, par = sim_comp(train, lam)
            score("comp lam %.3f a%.3f g%.3f b%.3f" % (lam, par[1], par[2], par[3]), p, r, A0, L0)
        baseline = Path(args.baselines or ".") / f"{name}.garch_t.csv"
        if args.baselines and baseline.exists():
            score("arch GARCH-t", pd.read_csv(baseline).values, r, A0, L0)


if __name__ == "__main__":
    main()
