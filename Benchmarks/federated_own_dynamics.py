#!/usr/bin/env python3
"""Each institution's own GJR-GARCH(1,1)-t dynamics against the federation's pooled filter
(BENCHMARKS.md "Pooled dynamics, each institution's own level", session 19).

For the ten institutions of `tgfl-bench federated-evidence --parts assets --asset-list ...`: arch's fit
on each one's training days (the first 80 % of its own days = the first 80 % of the series), its
persistence alpha + gamma/2 + beta with a delta-method SE (arch's robust covariance), and a
DerSimonian-Laird random-effects spread of persistence and gamma across institutions, with the weight
a precision-weighted partial pooling would give each institution's own estimate.

Run: /work/pyref/bin/python Benchmarks/federated_own_dynamics.py   (needs arch, numpy, pandas)
"""
import sys, numpy as np
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from realism_baselines import bundled_series
from arch import arch_model
names = "djia.close,sp500.close,nyse.close,msci_switzerland.close,eu_stocks.dax,eu_stocks.ftse,crsp_daily.ibm,fx_usd_1980.dem,fx_usd_1980.jpy,siemens.log_return".split(",")
S = dict(bundled_series())
for n in names:
    r = S[n]; own = r[: int(0.8 * len(r))]; tr = own[: int(0.8 * len(own))]
    res = arch_model(100 * tr, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit(disp="off")
    p = res.params; c = res.param_cov
    g = np.zeros(len(p)); idx = list(p.index)
    g[idx.index("alpha[1]")] = 1; g[idx.index("gamma[1]")] = 0.5; g[idx.index("beta[1]")] = 1
    pers = p["alpha[1]"] + p["gamma[1]"] / 2 + p["beta[1]"]
    se = float(np.sqrt(g @ c.values @ g))
    print(f"{n:24s} days {len(tr):5d}  alpha {p['alpha[1]']:.4f} ({res.std_err['alpha[1]']:.4f}) gamma {p['gamma[1]']:.4f} ({res.std_err['gamma[1]']:.4f}) beta {p['beta[1]']:.4f} ({res.std_err['beta[1]']:.4f}) persistence {pers:.4f} ({se:.4f}) nu {p['nu']:.2f}")
print("pooled (federation's filter): alpha 0.0435 gamma 0.0669 beta 0.9142 persistence", round(0.043484178764442605 + 0.06688965568793045 / 2 + 0.9142242750425287, 4))

# Between-institution spread (DerSimonian-Laird) of persistence and gamma, against the SEs:
# the weight precision-weighted partial pooling would give each institution's own estimate.
rows = []
for n in names:
    r = S[n]; own = r[: int(0.8 * len(r))]; tr = own[: int(0.8 * len(own))]
    res = arch_model(100 * tr, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit(disp="off")
    p = res.params; c = res.param_cov.values; idx = list(p.index)
    g = np.zeros(len(p)); g[idx.index("alpha[1]")] = 1; g[idx.index("gamma[1]")] = 0.5; g[idx.index("beta[1]")] = 1
    rows.append((n, p["alpha[1]"] + p["gamma[1]"] / 2 + p["beta[1]"], float(np.sqrt(g @ c @ g)),
                 p["gamma[1]"], float(res.std_err["gamma[1]"])))
for k, (col, se_col, pooled) in enumerate([(1, 2, 0.9912), (3, 4, 0.0669)]):
    y = np.array([r[col] for r in rows]); s = np.array([r[se_col] for r in rows]); w = 1 / s**2
    m = (w * y).sum() / w.sum(); Q = (w * (y - m) ** 2).sum(); df = len(y) - 1
    tau2 = max(0.0, (Q - df) / (w.sum() - (w**2).sum() / w.sum()))
    own_w = tau2 / (tau2 + s**2)
    print(["persistence", "gamma"][k], f"Q {Q:.1f} (df {df}), tau {np.sqrt(tau2):.4f}; pooled {pooled}; "
          + "own weight per institution " + " ".join(f"{r[0].split('.')[-1]} {x:.2f} (z {(r[col]-pooled)/r[se_col]:+.1f})"
                                                   for r, x in zip(rows, own_w)))
