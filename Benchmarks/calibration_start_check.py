#!/usr/bin/env python3
"""Which bundled series start the volatility calibration from the target (session 11,
`ScenarioModel.calibrationStart`): arch's GJR(1,1)-t fit on the span the trainer fits its filter on
(the first 80 % of the realism protocol's 80 %), its persistence alpha + gamma/2 + beta, and its implied
variance omega / (1 - persistence) against the target (the variance of the 80 %). The start is the
target when persistence >= 0.999 or implied / target lies outside [1/4, 4].

Run: /work/pyref/bin/python Benchmarks/calibration_start_check.py
"""
import os
import sys

import numpy as np
from arch import arch_model

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from realism_baselines import bundled_series  # noqa: E402

for name, r in bundled_series():
    k = int(len(r) * 0.8); fitspan = r[:int(k * 0.8)]
    res = arch_model(100 * fitspan, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit(disp="off")
    p = res.params; pers = p["alpha[1]"] + p["gamma[1]"] / 2 + p["beta[1]"]
    implied = p["omega"] / 1e4 / max(1 - pers, 1e-6); target = np.var(r[:k])
    flag = pers >= 0.999 or abs(np.log(implied / target)) > np.log(4)
    print(f"{name:24s} pers {pers:.5f} implied/target {implied/target:9.3f} {'GUARD' if flag else ''}")
