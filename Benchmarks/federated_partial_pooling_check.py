#!/usr/bin/env python3
"""Would precision-weighted partial pooling of the institutions' volatility dynamics beat each
institution's own dynamics on the federated path scores? (issue 12, "Federated"; session 23, fed23;
BENCHMARKS.md "Partial pooling of the dynamics (session 23, fed23)")

A proxy in arch/NumPy, before any library work. For the ten institutions of
`tgfl-bench federated-evidence --parts assets --asset-list ...`, with the protocol's exact spans
(own = first 80 % of the series, training = first 80 % of own, test = the days after own, scored on
the first H = min(|test|, 1000) test days):

  fit      GJR-GARCH(1,1)-t, constant mean (arch, robust covariance) on 100 x the training days
  theta    (persistence p = alpha + gamma/2 + beta, gamma, alpha) with delta-method SEs; beta = p - alpha - gamma/2
           (p sets the ACF|r| decay, alpha its lag-1 height, gamma the leverage curve; pooling alpha, gamma,
           beta one by one would move the persistence by the sum of three shrinkages)
  pooled   DerSimonian-Laird per component: m = sum w y / sum w (w = 1/s^2), tau^2 = max(0, (Q-df)/(W - W2/W))
  arms     (a) own theta
           (b) the federation's pooled filter (session 19's global model, fed-seed1.h5: one GJR-t fit on
               all clients' summaries, DJIA-dominated): alpha 0.0435 gamma 0.0669 beta 0.9142 nu 5.80
           (c) partial pooling: theta_i' = b_i theta_i + (1 - b_i) m_(-i), b_i = tau^2/(tau^2 + s_i^2), with m and
               tau^2 from the OTHER nine institutions (leave-one-out, so an institution does not pool with
               itself); (c-all) the same with all ten; (c-p) only the persistence shrunk (leave-one-out), own
               gamma and alpha (the one component the assets share: Q 12.9 on 9 df)
           (d) the same three parameter sets run through a power-1 (TARCH) recursion, which generation uses after
               `matchDependence` on these assets: the same alpha, gamma, beta' = p - (alpha + gamma/2) sqrt(2/pi)
               (nominal persistence kept). A stand-in: the Swift match also scales (alpha, gamma) by k and the
               persistence by f on simulated pilots, which is not ported here.
           every arm keeps the institution's own mu and nu; its level is targeted to the variance of its own
           days (omega = (1 - p) var, as `adaptingVolatility`'s calibration); the start is the arm's filtered
           variance at the end of own (generation is prompted with own's last days)
  paths    R = 64 sets x 32 paths (the bench's 32) of H days, standardised-t z with common random numbers
           across arms (seed 23 + asset index)
  scores   as FederatedAssets.swift/FederatedEvidence.swift (GeneratedFacts.scores): per-path ACF of |r| lags
           1-10 and leverage corr(r_t, r_(t+k)^2) lags 1-5, averaged over the set's paths, mean |error| over lags
           against the scored test days; |mean per-path excess kurtosis - real|; KS D of the pooled set; 1 % VaR
           and ES of the pooled set relative to the real ones |gen/real - 1|
  gain     own - arm per set (positive: the arm is better), mean over the R sets; paired SE = sd / sqrt(R);
           the median institution's gain with the SE of the median by a bootstrap over sets (2,000)

The score port is checked against the Swift code: `tgfl evaluate --synthetic F --json J` on the first 32 own-arm
paths of sp500 (power 2; written with --check-csv F) reports the per-path-averaged curves
synthetic_curves/acf_absolute 0.18564 0.18030 0.17358 0.18402 0.17314 0.15876 ... and leverage -0.05362 -0.05189
-0.04109 -0.04156 -0.04949, equal to this script's to the 5 digits printed (raw: /work/bench/fed23/ev.*).

Run: /work/pyref/bin/python Benchmarks/federated_partial_pooling_check.py [--sets 64]   (arch, numpy, scipy,
pandas; ~45 s)

Figures (2026-12-07 20:18 UTC; R = 64 sets x 32 paths; raw /work/bench/fed23/proxy.txt). DerSimonian-Laird over
the ten: persistence tau 0.0036 (Q 12.9, 9 df), gamma tau 0.0450 (Q 89.5), alpha tau 0.0203 (Q 45.1).
Leave-one-out own weights b: persistence 0.00-0.65, gamma 0.49-0.97, alpha 0.40-0.91.
Median institution's gain own - arm (in SEs of the median, paired over sets); after the path scores, how many of the
10 institutions the arm improves:

                      KS D         |dkurt|      |dACF|r||      |dlev|        |dVaR99|      |dES99|
  power 2 pooled      -0.0112 (-36) -0.286 (-9.6) -0.0080 (-16) 2  -0.0039 (-27) 2  -0.0034 (-0.9) +0.0106 (+1.5)
  power 2 partial-loo +0.0007 (+12) +0.066 (+6.2) +0.0005 (+7.3) 6 -0.0004 (-5.0) 3 +0.0033 (+3.1) +0.0245 (+5.0)
  power 2 partial-all +0.0005 (+10) +0.014 (+1.5) -0.0004 (-7.7) 5 -0.0004 (-4.9) 3 +0.0026 (+2.7) +0.0247 (+5.3)
  power 1 pooled      -0.0140 (-31) -0.392 (-12)  -0.0087 (-27) 2  -0.0044 (-32) 2  +0.0335 (+8.8) +0.0459 (+9.8)
  power 1 partial-loo +0.0009 (+3.7) +0.042 (+3.9) -0.0004 (-2.1) 5 -0.0006 (-5.9) 3 +0.0210 (+21) +0.0191 (+20)
  power 1 partial-all +0.0012 (+6.6) +0.032 (+2.8) -0.0007 (-9.6) 4 -0.0006 (-5.5) 3 +0.0168 (+19) +0.0140 (+16)
  power 2 partial-p   +0.0019 (+8.6) -0.010 (-3.7) -0.0018 (-31) 4  -0.0001 (-1.9) 5 +0.0018 (+1.8) +0.0133 (+3.9)
  power 1 partial-p   +0.0036 (+60) +0.006 (+2.3)  -0.0002 (-1.3) 4 -0.0001 (-2.2) 5 +0.0079 (+7.7) +0.0140 (+16)

Verdict: partial pooling does NOT beat own on both path scores under any variant, so it was not implemented.
Leverage is worse in the median under every variant (3 of 10 institutions improve where gamma is shrunk; gamma
keeps 49-97 % of its own value, and where it moves - sp500, msci, dax - the test span's leverage is stronger
than even the own gamma gives). ACF|r| gains +0.0005 (0.9 % of the score) with power 2 and loses with power 1;
pooling the persistence alone loses ACF|r| (DAX's 0.915 is pulled to ~0.99). The effects are 0.0001-0.0018 on
scores of 0.05-0.06; the bench's per-institution fed - local differences are 0.001-0.02 (dep22). Pooling helps
the tails a little (VaR99, ES99). Own-arm means (power 2) ACF|r| 0.0572, leverage 0.0612: the size of the bench's
local-only 0.0561 / 0.0573, so the proxy scores sit where the bench's do.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
from arch import arch_model
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realism_baselines import bundled_series  # noqa: E402

NAMES = ("djia.close,sp500.close,nyse.close,msci_switzerland.close,eu_stocks.dax,eu_stocks.ftse,"
         "crsp_daily.ibm,fx_usd_1980.dem,fx_usd_1980.jpy,siemens.log_return").split(",")
POOLED = dict(alpha=0.043484178764442605, gamma=0.06688965568793045, beta=0.9142242750425287, nu=5.797627048669083)
SCORES = ["KS D", "|dkurt|", "|dACF|r||", "|dlev|", "|dVaR99|", "|dES99|"]


def acf_rows(x, K):
    d = x - x.mean(axis=1, keepdims=True)
    c0 = (d * d).sum(axis=1)
    return np.stack([(d[:, k:] * d[:, :-k]).sum(axis=1) / c0 for k in range(1, K + 1)], axis=1)


def lev_rows(x, K):
    out = []
    for k in range(1, K + 1):
        a = x[:, :-k]; b = x[:, k:] ** 2
        a = a - a.mean(axis=1, keepdims=True); b = b - b.mean(axis=1, keepdims=True)
        out.append((a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1)))
    return np.stack(out, axis=1)


def kurt_rows(x):
    d = x - x.mean(axis=1, keepdims=True)
    m2 = (d * d).mean(axis=1)
    return (d ** 4).mean(axis=1) / m2 ** 2 - 3


def var_es(x):
    s = np.sort(x)
    q = np.quantile(s, 0.01)
    return -q, -s[s <= q].mean()


class Facts:
    def __init__(self, x):
        x = np.asarray(x)[None, :]
        self.x = x[0]
        self.kurt = kurt_rows(x)[0]
        self.acf = acf_rows(np.abs(x), 10)[0]
        self.lev = lev_rows(x, 5)[0]
        self.var, self.es = var_es(self.x)


def set_scores(paths, real):
    """GeneratedFacts.scores without the NLL, VaR/ES relative."""
    acf = acf_rows(np.abs(paths), 10).mean(axis=0)
    lev = lev_rows(paths, 5).mean(axis=0)
    kurt = kurt_rows(paths).mean()
    pooled = paths.ravel()
    v, e = var_es(pooled)
    ks = stats.ks_2samp(pooled, real.x).statistic
    return np.array([ks, abs(kurt - real.kurt), np.abs(acf - real.acf).mean(), np.abs(lev - real.lev).mean(),
                     abs(v / real.var - 1), abs(e / real.es - 1)])


def fit(tr):
    res = arch_model(100 * tr, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit(disp="off")
    p = res.params; c = res.param_cov.values; idx = list(p.index)
    J = np.zeros((3, len(p)))  # rows: persistence, gamma, alpha
    J[0, idx.index("alpha[1]")] = 1; J[0, idx.index("gamma[1]")] = 0.5; J[0, idx.index("beta[1]")] = 1
    J[1, idx.index("gamma[1]")] = 1
    J[2, idx.index("alpha[1]")] = 1
    theta = J @ p.values
    se = np.sqrt(np.diag(J @ c @ J.T))
    return dict(mu=p["mu"] / 100, nu=p["nu"], theta=theta, se=se, std_err=res.std_err, params=p)


def dl(y, s):
    w = 1 / s ** 2
    m = (w * y).sum() / w.sum()
    Q = (w * (y - m) ** 2).sum()
    tau2 = max(0.0, (Q - (len(y) - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    return m, tau2, Q


def shrink(theta, se, others_theta, others_se):
    out = np.empty(3); b = np.empty(3)
    for j in range(3):
        m, tau2, _ = dl(others_theta[:, j], others_se[:, j])
        b[j] = tau2 / (tau2 + se[j] ** 2)
        out[j] = b[j] * theta[j] + (1 - b[j]) * m
    return out, b


def coeffs(theta):
    p, g, a = theta
    return dict(alpha=a, gamma=g, beta=p - a - g / 2)


def simulate(c, nu, mu, var_own, prompt, H, z, power):
    """Paths (rows) of a GJR (power 2) or TARCH (power 1) recursion with t-nu z; level targeted to var_own."""
    a, g, b = c["alpha"], c["gamma"], c["beta"]
    if power == 2:
        p = a + g / 2 + b
        om = (1 - p) * var_own
        s2 = var_own
        for e in prompt - mu:  # the arm's filtered state at the end of own
            s2 = om + (a + g * (e < 0)) * e * e + b * s2
        s = np.full(z.shape[0], s2)
        out = np.empty((z.shape[0], H))
        for t in range(H):
            e = np.sqrt(s) * z[:, t]
            out[:, t] = mu + e
            s = om + (a + g * (e < 0)) * e * e + b * s
        return out
    m1 = np.sqrt(2 / np.pi)
    bb = (a + g / 2 + b) - (a + g / 2) * m1
    p = (a + g / 2) * m1 + bb
    om = (1 - p) * np.sqrt(var_own)  # nominal mean sigma = sqrt(var_own)
    sg = np.sqrt(var_own)
    for e in prompt - mu:
        sg = om + (a + g * (e < 0)) * abs(e) + bb * sg
    s = np.full(z.shape[0], sg)
    out = np.empty((z.shape[0], H))
    for t in range(H):
        e = s * z[:, t]
        out[:, t] = mu + e
        s = om + (a + g * (e < 0)) * np.abs(e) + bb * s
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", type=int, default=64)
    ap.add_argument("--check-csv", default=None, help="write sp500's first 32 own-arm paths here")
    a = ap.parse_args()
    S = dict(bundled_series())
    data, fits = {}, {}
    for n in NAMES:
        r = S[n]; own = r[: int(0.8 * len(r))]; tr = own[: int(0.8 * len(own))]; test = r[len(own):]
        H = min(len(test), 1000)
        data[n] = (r, own, tr, Facts(test[:H]), H)
        fits[n] = fit(tr)
    T = np.array([fits[n]["theta"] for n in NAMES]); SE = np.array([fits[n]["se"] for n in NAMES])
    print("institution        days   p (SE)           gamma (SE)       alpha (SE)       nu")
    for i, n in enumerate(NAMES):
        print(f"{n:18s} {len(data[n][2]):5d}  " + "  ".join(f"{T[i, j]:.4f} ({SE[i, j]:.4f})" for j in range(3))
              + f"  {fits[n]['nu']:.2f}")
    for j, nm in enumerate(["persistence", "gamma", "alpha"]):
        m, tau2, Q = dl(T[:, j], SE[:, j])
        print(f"DL {nm:11s}: mean {m:.4f}, tau {np.sqrt(tau2):.4f}, Q {Q:.1f} on {len(NAMES) - 1} df")

    arms = {}
    for i, n in enumerate(NAMES):
        others = [k for k in range(len(NAMES)) if k != i]
        loo, b_loo = shrink(T[i], SE[i], T[others], SE[others])
        allp, b_all = shrink(T[i], SE[i], T, SE)
        ponly = T[i].copy(); ponly[0] = loo[0]  # the persistence shrunk (leave-one-out), own gamma and alpha
        arms[n] = {"own": coeffs(T[i]), "pooled": dict(POOLED), "partial-loo": coeffs(loo), "partial-all": coeffs(allp),
                   "partial-p": coeffs(ponly)}
        arms[n]["_b"] = b_loo
    print("\nleave-one-out own weights b (persistence, gamma, alpha) and the shrunk coefficients:")
    for n in NAMES:
        c = arms[n]["partial-loo"]; o = arms[n]["own"]
        print(f"  {n:18s} b {arms[n]['_b'][0]:.2f} {arms[n]['_b'][1]:.2f} {arms[n]['_b'][2]:.2f}   "
              f"own a {o['alpha']:.4f} g {o['gamma']:.4f} b {o['beta']:.4f} -> a {c['alpha']:.4f} g {c['gamma']:.4f} "
              f"b {c['beta']:.4f}")

    R, P = a.sets, 32
    armnames = ["pooled", "partial-loo", "partial-all", "partial-p"]
    results = {}  # (power, arm) -> [asset][set][score] gain own - arm
    raw = {}
    for power in (2, 1):
        for ai, n in enumerate(NAMES):
            r, own, tr, real, H = data[n]
            f = fits[n]
            rng = np.random.default_rng(23 + ai)
            nu = f["nu"]
            z = rng.standard_t(nu, size=(R * P, H)) * np.sqrt((nu - 2) / nu)
            var_own = own.var()
            sc = {}
            for arm in ["own"] + armnames:
                c = arms[n][arm]
                x = simulate(c, nu, f["mu"], var_own, own[-64:], H, z, power)
                if a.check_csv and power == 2 and arm == "own" and n == "sp500.close":
                    np.savetxt(a.check_csv, x[:P], delimiter=",", fmt="%.10g")
                    chk = set_scores(x[:P], real)
                    print(f"\ncheck (sp500, own, power 2, first 32 paths): ACF|r| mean curve "
                          f"{np.round(acf_rows(np.abs(x[:P]), 10).mean(0), 5).tolist()} lev "
                          f"{np.round(lev_rows(x[:P], 5).mean(0), 5).tolist()} scores {np.round(chk, 5).tolist()}")
                sc[arm] = np.array([set_scores(x[k * P:(k + 1) * P], real) for k in range(R)])
            raw[(power, n)] = sc
    print(f"\n{R} sets x {P} paths per institution; gain = own - arm (positive: arm better), paired SE over sets")
    rng = np.random.default_rng(0)
    boot = rng.integers(0, R, size=(2000, R))
    for power in (2, 1):
        print(f"\n== power {power} ({'GJR' if power == 2 else 'TARCH, nominal persistence kept'}) ==")
        print("own scores (mean over sets): " + "  ".join(
            f"{s} {np.mean([raw[(power, n)]['own'][:, j].mean() for n in NAMES]):.4f}" for j, s in enumerate(SCORES)))
        for arm in armnames:
            print(f"-- arm {arm}: per institution gain in SE units (score order {', '.join(SCORES)})")
            G = np.array([raw[(power, n)]["own"] - raw[(power, n)][arm] for n in NAMES])  # [asset][set][score]
            for ai, n in enumerate(NAMES):
                g = G[ai]; m = g.mean(0); se = g.std(0, ddof=1) / np.sqrt(R)
                print(f"   {n:18s} " + "  ".join(f"{m[j]:+.4f} ({m[j] / max(se[j], 1e-12):+5.1f})" for j in range(6)))
            med = np.median(G.mean(1), axis=0)
            bmed = np.array([np.median(G[:, bi, :].mean(1), axis=0) for bi in boot])
            semed = bmed.std(0, ddof=1)
            improve = (G.mean(1) > 0).sum(0)
            print("   mean arm score       " + "  ".join(
                f"{np.mean([raw[(power, n)][arm][:, j].mean() for n in NAMES]):.4f}" for j in range(6)))
            print("   median gain (SE)     " + "  ".join(f"{med[j]:+.4f} ({med[j] / semed[j]:+5.1f})" for j in range(6)))
            print("   institutions better  " + "  ".join(f"{improve[j]:d}/10" for j in range(6)))


if __name__ == "__main__":
    main()
