#!/usr/bin/env python3
"""Reference values for each asset's z tail map in joint generation (issue 17, session 15;
Tests/TGFLCoreTests/JointTailMapTests.swift, Sources/TGFLCore/Joint/JointTailMap.swift).

Lower levels l = 0.005, 0.01, 0.025 (upper 1 - l), anchors 0.05 / 0.95.
targets: per column, the quantiles at the 6 tail levels of a histogram on the grid
  edges -12, -11.99, ..., 12 (bins of 0.01; values outside counted in the outer bins):
  c = level * n; the first bin j (with a count) whose cumulative count reaches c; value
  -12 + (j + (c - C_j) / n_j) * 0.01.  Also numpy.quantile(method="inverted_cdf") of the raw values
  (the order statistic whose bin that is: within one bin).
sources: numpy.quantile (linear) of a sample at the 8 levels l, 0.05, 0.95, 1 - l.
map(z): identity on [s(0.05), s(0.95)]; below, numpy.interp through (s(l), t(l)) and (s(0.05), s(0.05)),
  z + t(0.005) - s(0.005) below s(0.005); the mirror above.
model: the targets of Student's t with nu = 4 scaled to unit variance (scipy.stats.t.ppf / sqrt(2)),
  which the Swift test sets on the joint_v1 fixture model and checks generation against.
Seed 15 (numpy default_rng). Run: /work/pyref/bin/python Tests/Fixtures/make_joint_tail_map_reference.py
"""
import json
from pathlib import Path

import numpy as np
from scipy import stats

from grid_quantile import histogram_quantile

HERE = Path(__file__).resolve().parent
LOW = [0.005, 0.01, 0.025]
TARGET_LEVELS = LOW + [1 - x for x in reversed(LOW)]
SOURCE_LEVELS = LOW + [0.05, 0.95] + [1 - x for x in reversed(LOW)]


def tail_map(z, s, t):
    J = len(LOW)
    if z < s[J]:
        x = np.array(s[:J + 1]); y = np.array(list(t[:J]) + [s[J]])
        if z < x[0]:
            return z + y[0] - x[0]
        return float(np.interp(z, x, y))
    if z > s[J + 1]:
        x = np.array(s[J + 1:]); y = np.array([s[J + 1]] + list(t[J:]))
        if z > x[-1]:
            return z + y[-1] - x[-1]
        return float(np.interp(z, x, y))
    return z


rng = np.random.default_rng(15)
n = 1487
columns = [
    stats.t.rvs(4, size=n, random_state=rng) / np.sqrt(2),                       # symmetric, heavy
    np.where(rng.random(n) < 0.1, -1.5, 0.0) + rng.standard_normal(n) * 0.95,   # a heavier lower side
    rng.standard_normal(n),
]
columns[0][100] = -13.5                                                           # beyond the grid
columns = [np.round(c, 5) for c in columns]                                       # as written to the JSON
targets = [[histogram_quantile(c, q) for q in TARGET_LEVELS] for c in columns]
numpy_targets = [[float(np.quantile(c, q, method="inverted_cdf")) for q in TARGET_LEVELS] for c in columns]
generated = [rng.standard_normal(20000) * 1.05, rng.standard_normal(20000), stats.t.rvs(3, size=20000, random_state=rng) / np.sqrt(3)]
generated = [np.round(g, 5) for g in generated]
sources = [[float(np.quantile(g, q)) for q in SOURCE_LEVELS] for g in generated]
points = [float(x) for x in np.arange(-8, 8.0001, 0.125)]
mapped = [[tail_map(z, s, t) for z in points] for s, t in zip(sources, targets)]
model_targets = [float(stats.t.ppf(q, 4) / np.sqrt(2)) for q in TARGET_LEVELS]
out = {
    "target_levels": TARGET_LEVELS, "source_levels": SOURCE_LEVELS,
    "columns": [[float(v) for v in c] for c in columns], "targets": targets, "numpy_targets": numpy_targets,
    "generated": [[float(v) for v in g[:2000]] for g in generated],
    "generated_sources": [[float(np.quantile(g[:2000], q)) for q in SOURCE_LEVELS] for g in generated],
    "sources": sources, "points": points, "mapped": mapped, "model_targets": model_targets,
}
(HERE / "joint_tail_map_reference.json").write_text(json.dumps(out) + "\n")
print("targets", np.round(targets, 3).tolist())
print("model targets", np.round(model_targets, 3).tolist())
