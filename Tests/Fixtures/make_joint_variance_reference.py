#!/usr/bin/env python3
"""Reference values for each asset's variance calibration in joint generation (issue 17,
session 16; Tests/TGFLCoreTests/JointVarianceCalibrationTests.swift,
Sources/TGFLCore/Joint/JointVarianceCalibration.swift).

spans: two spans (300 and 200 days) of two columns, Student t(5) draws scaled by 0.01 and 0.02
  plus a mean of 0.001 and -0.002 (numpy default_rng, seed 17).
targets: per column, numpy.var (about the mean, divisor n) of both spans concatenated.
model_targets: for the joint_v1 fixture model (DAX, SMI of the bundled eu_stocks): the variance
  of the first 80 % of each index's log returns (numpy.var), times 1.44 for DAX and 0.64 for SMI
  (a σ 20 % above and 20 % below the real one: a level the uncalibrated model is not at), which
  the Swift test calibrates the model to and checks generation against.
steps (session 22): the calibration's update of the intercept scales after pilots 0…i, on
  hand-made pilot histories of four assets (targets V* = 1): c ← c · exp((log V* − log V_i) / b),
  b = 1 after the first pilot, then the secant slope log(V_i / V_{i−1}) / log(c_i / c_{i−1})
  clamped to [1, 2] (1 when c did not move). The first history is eu_stocks 42's pilots 0 and 1
  under the pilot seed (session 22: DAX's V fell while its c rose, a negative slope); the others
  give slopes of 0.3, 1.5 and 3 and an asset whose c did not move. Under session 16's clamp
  [0.2, 2] the slopes below 1 give other scales.
Run: /work/pyref/bin/python Tests/Fixtures/make_joint_variance_reference.py
"""
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def next_scales(tried, variances, targets, lo=1.0, hi=2.0):
    c, v, t = np.array(tried), np.array(variances), np.array(targets)
    slope = np.ones(len(t))
    if len(c) > 1:
        dw = np.log(c[-1] / c[-2])
        moved = dw != 0
        slope[moved] = np.clip(np.log(v[-1][moved] / v[-2][moved]) / dw[moved], lo, hi)
    return (c[-1] * np.exp((np.log(t) - np.log(v[-1])) / slope)).tolist()


def steps():
    histories = [
        # eu_stocks 42, pilot seed: DAX, SMI, CAC, FTSE
        ([[1, 1, 1, 1], [1.0074, 1.0144, 1.0366, 1.1152]],
         [[0.9926, 0.9858, 0.9647, 0.8967], [0.9711, 0.9770, 0.9938, 0.9704]]),
        # slopes 0.3, 1.5, 3 and an unmoved asset
        ([[1, 1, 1, 1], [1.1, 0.9, 1.05, 1.0]],
         [[0.9, 1.1, 0.95, 0.97], [0.9 * 1.1 ** 0.3, 1.1 * 0.9 ** 1.5, 0.95 * 1.05 ** 3, 0.99]]),
        # the first pilot: b = 1
        ([[1, 1, 1, 1]], [[0.9, 1.1, 1.0, 0.8]]),
    ]
    out = []
    for tried, variances in histories:
        out.append({"tried": tried, "variances": variances, "targets": [1.0] * 4,
                    "next": next_scales(tried, variances, [1.0] * 4),
                    "next_session16": next_scales(tried, variances, [1.0] * 4, lo=0.2)})
    return out


def main():
    rng = np.random.default_rng(17)
    spans = []
    for n in (300, 200):
        spans.append([(0.001 + 0.01 * rng.standard_t(5, n)).tolist(), (-0.002 + 0.02 * rng.standard_t(5, n)).tolist()])
    targets = [float(np.var(np.concatenate([s[k] for s in spans]))) for k in range(2)]
    prices = np.genfromtxt(ROOT / "Sources" / "TGFLCore" / "Resources" / "eu_stocks.csv", delimiter=",", names=True)
    model_targets = []
    for name, factor in (("dax", 1.44), ("smi", 0.64)):
        r = np.diff(np.log(prices[name]))
        model_targets.append(float(factor * np.var(r[: int(0.8 * len(r))])))
    out = {"spans": spans, "targets": targets, "model_targets": model_targets, "steps": steps()}
    (HERE / "joint_variance_reference.json").write_text(json.dumps(out) + "\n")
    print("targets", targets, "model targets", model_targets)


if __name__ == "__main__":
    main()
