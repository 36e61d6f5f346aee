#!/usr/bin/env python3
"""Reference values for RealismScorecard (Tests/TGFLStatsTests/RealismScorecardTests.swift).

A small seeded case, computed with numpy/scipy only, written to Tests/Fixtures/realism_reference.json:

- real: 600 Student-t(4) returns x 0.01 with labels in 0..3; synthetic: 2 paths x 250 days of
  Student-t(5) x 0.011 with their own labels (pool 500 <= 600 real days, so the fair KS is one
  scipy.stats.ks_2samp(real, pool) test, method "auto");
- excess kurtosis: scipy.stats.kurtosis(x, fisher=True, bias=True);
- fair curves: the real series cut into chunks of the path length (250: two chunks), each curve
  averaged over chunks (real) or paths (synthetic);
    ACF of |r| at lag k: sum_{t>=k} (y_t - ybar)(y_{t-k} - ybar) / sum (y_t - ybar)^2  (k = 1..50)
    leverage at lag k:   numpy.corrcoef(r[:-k], r[k:]**2)[0, 1]                       (k = 1..20)
  errors = L2 norms of the differences (Wiese et al. 2020, Quant GANs, section 6.2);
- 1 % VaR / ES: q = numpy.quantile(x, 0.01) (linear), VaR = -q, ES = -mean(x[x <= q]);
- per regime g: std (ddof 0), VaR and mean of the days labelled g, real and pooled synthetic;
- the verdicts with the references below (ACF reference just above the error: PASS; leverage
  reference just below: FAIL) and the default tolerances (KS p >= 0.05, kurtosis ratio in
  [0.5, 2], VaR/ES within 10 %, regime std/VaR within 20 %, crisis (= last regime) mean sign).

Run: /work/pyref/bin/python Tests/Fixtures/make_realism_reference.py
"""
import json
from pathlib import Path

import numpy as np
from scipy import stats

OUT = Path(__file__).resolve().parent / "realism_reference.json"
ACF_LAGS, LEV_LAGS, H = 50, 20, 250


def acf_abs(x, K):
    y = np.abs(x) - np.abs(x).mean()
    c0 = np.dot(y, y)
    return np.array([np.dot(y[k:], y[:-k]) / c0 for k in range(1, K + 1)])


def leverage(x, K):
    return np.array([np.corrcoef(x[:-k], x[k:] ** 2)[0, 1] for k in range(1, K + 1)])


def var_es(x):
    q = np.quantile(x, 0.01)
    return float(-q), float(-x[x <= q].mean())


def main():
    rng = np.random.default_rng(20261205)
    real = rng.standard_t(4, size=600) * 0.01
    real_labels = rng.integers(0, 4, size=600)
    paths = rng.standard_t(5, size=(2, H)) * 0.011
    path_labels = rng.integers(0, 4, size=(2, H))
    pool = paths.ravel()
    pool_labels = path_labels.ravel()

    chunks = [real[j * H:(j + 1) * H] for j in range(len(real) // H)]
    acf_err = float(np.linalg.norm(np.mean([acf_abs(c, ACF_LAGS) for c in chunks], axis=0)
                                   - np.mean([acf_abs(p, ACF_LAGS) for p in paths], axis=0)))
    lev_err = float(np.linalg.norm(np.mean([leverage(c, LEV_LAGS) for c in chunks], axis=0)
                                   - np.mean([leverage(p, LEV_LAGS) for p in paths], axis=0)))
    ks_p = float(stats.ks_2samp(real, pool).pvalue)
    k_real = float(stats.kurtosis(real, fisher=True, bias=True))
    k_syn = float(stats.kurtosis(pool, fisher=True, bias=True))
    var_r, es_r = var_es(real)
    var_s, es_s = var_es(pool)
    regimes = []
    for g in range(4):
        r, s = real[real_labels == g], pool[pool_labels == g]
        vr, _ = var_es(r)
        vs, _ = var_es(s)
        regimes.append({"real_days": int(r.size), "synthetic_days": int(s.size),
                        "real_std": float(r.std()), "synthetic_std": float(s.std()),
                        "real_var": vr, "synthetic_var": vs,
                        "real_mean": float(r.mean()), "synthetic_mean": float(s.mean())})
    refs = {"acf_abs_error": acf_err * 1.01, "leverage_error": lev_err * 0.99}

    def within(a, b, tol):
        return bool(abs(a / b - 1) <= tol)

    passed = {
        "ks_fair": ks_p >= 0.05,
        "excess_kurtosis": 0.5 <= k_syn / k_real <= 2,
        "acf_abs_error": acf_err <= refs["acf_abs_error"],
        "leverage_error": lev_err <= refs["leverage_error"],
        "var_1": within(var_s, var_r, 0.10),
        "es_1": within(es_s, es_r, 0.10),
    }
    names = ["calm", "normal", "volatile", "crisis"]
    for g, name in enumerate(names):
        passed[f"regime_std.{name}"] = within(regimes[g]["synthetic_std"], regimes[g]["real_std"], 0.20)
    for g, name in enumerate(names):
        passed[f"regime_var.{name}"] = within(regimes[g]["synthetic_var"], regimes[g]["real_var"], 0.20)
    # The sign is checked only when the real crisis mean is 2 standard errors from 0.
    c = regimes[3]
    t_real = c["real_mean"] / (c["real_std"] / np.sqrt(max(1, c["real_days"])))
    passed["crisis_mean"] = (bool((c["synthetic_mean"] < 0) == (c["real_mean"] < 0)) if abs(t_real) >= 2 else None)

    out = {
        "real": real.tolist(), "real_labels": real_labels.tolist(),
        "paths": paths.tolist(), "path_labels": path_labels.tolist(),
        "names": names, "references": refs,
        "ks_p": ks_p, "real_kurtosis": k_real, "synthetic_kurtosis": k_syn,
        "acf_abs_error": acf_err, "leverage_error": lev_err,
        "real_var": var_r, "real_es": es_r, "synthetic_var": var_s, "synthetic_es": es_s,
        "regimes": regimes, "passed": {k: (None if v is None else bool(v)) for k, v in passed.items()},
    }
    OUT.write_text(json.dumps(out) + "\n")
    print(f"wrote {OUT}; verdicts {out['passed']}")


if __name__ == "__main__":
    main()
