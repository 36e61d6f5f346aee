#!/usr/bin/env python3
"""Reference values for the regime z tail map of joint generation (issue 17, session 20;
Tests/TGFLCoreTests/JointRegimeTailMapTests.swift, Sources/TGFLCore/Joint/JointRegimeTailMap.swift).

synthetic: 2 columns of 600 z ~ Student t(4) x 0.8 and market labels drawn with probabilities
  0.45 / 0.37 / 0.15 / 0.03 (numpy default_rng, seed 20; regime 3 has fewer than 30 days, so it
  pools regimes 2 and 3); targets: per regime and column, the quantiles at the map's 11 levels of
  a histogram of z on the 0.01 grid from -12 to 12 (values outside in the outer bins): the first
  bin j whose cumulative count reaches c = level * n, at the fraction (c - C_j) / n_j inside it.
map: sources s = sorted(t(4) draws at the 11 levels' numpy.quantile of 5,000 draws, seed 20) and
  targets t = those of 5,000 N(0.2, 0.7) draws; the map on 161 points from -8 to 8: numpy.interp
  through (s, t) inside, beyond the outer knots the outer segment's slope continued. "flat": the
  same with t[3] = t[2] (not strictly increasing): the identity.
model: the joint_v1 fixture model (DAX, SMI of the bundled eu_stocks): the first 80 % of each
  index's log returns ("training"), each asset's stored GJR filter over them (arch's backcast
  start, clamped to floor/cap, as Benchmarks/joint_crisis_gap_diagnosis.py rebuilds it), z =
  (r - mu) / sigma, the market label of each day (the lower median of the assets' labels), and the
  targets as above per regime ("targets").
Run: /work/pyref/bin/python Tests/Fixtures/make_joint_regime_tail_map_reference.py
"""
import json

import numpy as np

from joint_fixture_days import HERE, fixture_training_days, regime_days, regime_rows, synthetic_labels

LEVELS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99]
LIMIT, STEP = 12.0, 0.01
BINS = int(round(2 * LIMIT / STEP))


def histogram_quantile(x, level):
    b = np.clip(np.floor((np.asarray(x) + LIMIT) / STEP).astype(int), 0, BINS - 1)
    counts = np.bincount(b, minlength=BINS)
    c = level * len(x)
    cum = np.concatenate([[0], np.cumsum(counts)])
    j = int(np.flatnonzero((counts > 0) & (cum[1:] >= c))[0])
    return -LIMIT + (j + (c - cum[j]) / counts[j]) * STEP


def targets(Z, labels, R):
    return [[[histogram_quantile(Z[regime_rows(labels, g), k], lv) for lv in LEVELS] for k in range(Z.shape[1])]
            for g in range(R)]


def apply(z, s, t):
    s, t = np.asarray(s), np.asarray(t)
    if not (np.all(np.diff(s) > 0) and np.all(np.diff(t) > 0)):
        return np.asarray(z, dtype=float)
    out = np.interp(z, s, t)
    lo = t[0] + (z - s[0]) * (t[1] - t[0]) / (s[1] - s[0])
    hi = t[-1] + (z - s[-1]) * (t[-1] - t[-2]) / (s[-1] - s[-2])
    return np.where(z <= s[0], lo, np.where(z >= s[-1], hi, out))


def main():
    rng = np.random.default_rng(20)
    Z = 0.8 * rng.standard_t(4, size=(600, 2))
    labels = synthetic_labels(rng, 600, (0.45, 0.37, 0.15, 0.03))
    synthetic = dict(z=Z.T.tolist(), labels=labels.tolist(), targets=targets(Z, labels, 4),
                     regime_days=regime_days(labels))

    s = np.quantile(rng.standard_t(4, size=5000), LEVELS)
    t = np.quantile(rng.normal(0.2, 0.7, size=5000), LEVELS)
    points = np.linspace(-8, 8, 161)
    flat_t = t.copy()
    flat_t[3] = flat_t[2]
    mapping = dict(sources=s.tolist(), targets=t.tolist(), points=points.tolist(), mapped=apply(points, s, t).tolist(),
                   flat_targets=flat_t.tolist(), flat_mapped=apply(points, s, flat_t).tolist())

    par, train, S, _, lab = fixture_training_days()
    K = train.shape[1]
    mu = np.array([a["mu"] for a in par])
    Zm = (train - mu) / S
    model = dict(training=train.T.tolist(), labels=lab.tolist(), targets=targets(Zm, lab, 4),
                 regime_days=regime_days(lab))
    (HERE / "joint_regime_tail_map_reference.json").write_text(
        json.dumps(dict(synthetic=synthetic, map=mapping, model=model)) + "\n")
    print("synthetic regime days", synthetic["regime_days"], "model regime days", model["regime_days"])
    for g in range(4):
        print("model regime", g, "lower 1 % / upper 99 % target per asset",
              [(round(model["targets"][g][k][0], 3), round(model["targets"][g][k][-1], 3)) for k in range(K)])


if __name__ == "__main__":
    main()
