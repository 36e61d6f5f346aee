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
Run: /work/pyref/bin/python Tests/Fixtures/make_joint_variance_reference.py
"""
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


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
    out = {"spans": spans, "targets": targets, "model_targets": model_targets}
    (HERE / "joint_variance_reference.json").write_text(json.dumps(out) + "\n")
    print("targets", targets, "model targets", model_targets)


if __name__ == "__main__":
    main()
