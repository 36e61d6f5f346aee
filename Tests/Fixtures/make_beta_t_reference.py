#!/usr/bin/env python3
"""Golden values of `BetaTEGARCH` (Harvey's Beta-t-EGARCH(1,1) with leverage, issue 16) from
SciPy, written to Tests/Fixtures/beta_t_reference.json.

The model and its maximum-likelihood fit are those of Benchmarks/crash_filter_decay.py
(`bt_filter`, `bt_nll`, `bt_fit`: L-BFGS-B on 100 × returns in the box μ ∈ [−10, 10],
ω ∈ [−20, 20], φ ∈ [0, 0.9999], κ ∈ [0, 1], κ* ∈ [−0.5, 0.5], ν ∈ [2.1, 100]); the parameters
are converted to the returns' units (μ/100, ω − ln 100) and the log-likelihood and variances are
recomputed on the raw returns. Cases (bundled DJIA, log returns):

  djia_prompt_1987   the 1,000 returns before 1987-10-19 (up to 1987-10-16)
  djia_trained_1987  every return before 1987-10-19 (the span CrashConditioningTests trains on)
  dax                the first 1,000 returns of eu_stocks.dax

For each: the fitted parameters, ℓ at them, the first five σ² and the one-step forecast σ²_n
after the data; and ℓ and σ²_n at a fixed parameter set (the filter alone, without the optimizer).

    /work/pyref/bin/python Tests/Fixtures/make_beta_t_reference.py
"""
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Benchmarks"))
import crash_filter_decay as C  # noqa: E402

FIXED = [2e-4, np.log(0.009), 0.97, 0.05, 0.02, 5.0]


def to_raw(p):
    return [p[0] / 100, p[1] - np.log(100), p[2], p[3], p[4], p[5]]


def case(name, r):
    """The returns themselves are not stored: the Swift test slices the bundled CSV the same way
    and checks the count and the first and last return."""
    p = to_raw(C.bt_fit(100 * r)[0])
    s2 = C.bt_sigma2(np.array(p), r)
    s2f = C.bt_sigma2(np.array(FIXED), r)
    return {"name": name, "count": len(r), "first_return": float(r[0]), "last_return": float(r[-1]),
            "params": dict(zip(C.BT_NAMES, map(float, p))), "loglik": -C.bt_nll(np.array(p), r),
            "first_variances": s2[:5].tolist(), "forecast_variance": float(s2[-1]),
            "fixed_loglik": -C.bt_nll(np.array(FIXED), r), "fixed_forecast_variance": float(s2f[-1])}


def main():
    r, dates = C.returns_of("djia.close")
    t = int(np.where(dates == "1987-10-19")[0][0])
    dax, _ = C.returns_of("eu_stocks.dax")
    cases = [case("djia_prompt_1987", r[t - 1000:t]), case("djia_trained_1987", r[:t]), case("dax", dax[:1000])]
    out = {"fixed_params": dict(zip(C.BT_NAMES, map(float, FIXED))), "cases": cases}
    path = ROOT / "Tests" / "Fixtures" / "beta_t_reference.json"
    path.write_text(json.dumps(out) + "\n")
    for c in cases:
        print(c["name"], c["count"], c["params"], c["loglik"])


if __name__ == "__main__":
    main()
