#!/usr/bin/env python3
"""Reference values for each asset's z band map in joint generation (issue 17, session 20;
Tests/TGFLCoreTests/JointBandMapTests.swift, Sources/TGFLCore/Joint/JointBandMap.swift).

Levels l = 0.01, 0.025, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.975, 0.99.
targets: per column and band b (4 bands), the quantiles at the 11 levels of the column's values on the days
  labelled b, on a histogram of the grid edges -12, -11.99, ..., 12 (bins of 0.01; values outside counted in
  the outer bins): c = level * n; the first bin j (with a count) whose cumulative count reaches c; value
  -12 + (j + (c - C_j) / n_j) * 0.01 (JointTailMap's rule). A band with fewer than 50 days adds the days
  of bands b - 1, b - 2, ... (column 0's crisis band has 31 days: it pools the volatile days).
sources: numpy.quantile (linear) of a generated sample per band, without pooling; a band with fewer than
  200 sample days has none (the Swift map then uses its targets: the identity).
map(z) for (asset, band): z * spread(t) / spread(s), spread(q) = sum over the 11 levels of |q(l) - q(0.5)|
  (a band without sources: s = t, the identity).
model: per band b, Student's t with nu = 5 scaled to unit variance (scipy.stats.t.ppf / sqrt(5/3)) times
  1.15, 1.0, 0.9, 0.7 (calm ... crisis), which the Swift test sets on the joint_v1 fixture model for both
  assets and checks generation against.
Session 21 (joint21), new keys only (the values above unchanged; a second generator, seed 21):
band_log_se: per column and band, the standard error (divisor B) of log spread(grid quantiles) over B = 4,000
  resamples with replacement of the band's days (pooled as the targets).
shrunk: the session-21 shrinkage of the calibrated map's scales (raw = spread(t)/spread(s)) by band_log_se:
  per band b, tau2_b = max(0, mean_k(log(raw_kb)^2 - se_kb^2)); w = tau2 / (tau2 + se^2) (1 when both are 0);
  scale = exp(w log raw). shrink_case: a second set of raw scales and errors whose bands 0 and 1 have tau2 = 0
  (every scale 1) and band 2 keeps most of a large scale.
own_z_targets / own_z_factors: a map for the joint_v1 fixture model whose targets are model_targets scaled by
  0.8 (asset 0) and 1.25 (asset 1) in every band, calibrated to sources = model_targets: the factors
  spread(t)/spread(s) per asset; under the session-21 rule a day's r - mu of asset k is its unmapped value times
  the factor of asset k (Swift's testOwnZRuleScalesEachAssetsOwnZ).
Seed 20 (numpy default_rng). Run: /work/pyref/bin/python Tests/Fixtures/make_joint_band_map_reference.py
"""
import json
from pathlib import Path

import numpy as np
from scipy import stats

from grid_quantile import histogram_quantile

HERE = Path(__file__).resolve().parent
LEVELS = [0.01, 0.025, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.975, 0.99]
R, MIN_DAYS, MIN_PILOT = 4, 50, 200
FACTORS = [1.15, 1.0, 0.9, 0.7]


def band_days(z, labels):
    """Per band the days labelled b; a band with fewer than MIN_DAYS adds those of bands b - 1, b - 2, ..."""
    out = []
    for b in range(R):
        days, lower = list(z[labels == b]), b - 1
        while len(days) < MIN_DAYS and lower >= 0:
            days += list(z[labels == lower]); lower -= 1
        out.append(np.array(days))
    return out


def band_targets(z, labels):
    return [[histogram_quantile(days, q) for q in LEVELS] for days in band_days(z, labels)]


def spread(q):
    q = np.asarray(q)
    return float(np.sum(np.abs(q - q[LEVELS.index(0.5)])))


def band_map(z, s, t):
    return z * (spread(t) / spread(s))


rng = np.random.default_rng(20)
n = 1500
labels = [np.repeat([0, 1, 2, 3], [600, 520, 349, 31]), np.repeat([0, 1, 2, 3], [500, 500, 400, 100]),
          np.repeat([0, 1, 2, 3], [560, 560, 300, 80])]
labels = [rng.permutation(l) for l in labels]
scale = np.array([1.1, 1.0, 0.95, 0.8])
columns = [stats.t.rvs(5, size=n, random_state=rng) / np.sqrt(5 / 3) * scale[labels[0]],
           rng.standard_normal(n) * scale[labels[1]] - 0.2 * (labels[1] == 3),
           rng.standard_normal(n) * scale[labels[2]]]
columns[1][7] = -13.5                                                             # beyond the grid
columns = [np.round(c, 5) for c in columns]                                       # as written to the JSON
targets = [band_targets(c, l) for c, l in zip(columns, labels)]
m = 8000
generated_labels = [rng.choice(4, size=m, p=[0.4, 0.4, 0.19, 0.01]), rng.choice(4, size=m, p=[0.3, 0.3, 0.3, 0.1]),
                    rng.choice(4, size=m, p=[0.25, 0.25, 0.25, 0.25])]
generated = [np.round(rng.standard_normal(m) * 1.05, 5), np.round(stats.t.rvs(4, size=m, random_state=rng) / np.sqrt(2), 5),
             np.round(rng.standard_normal(m), 5)]
sources = []
for g, l in zip(generated, generated_labels):
    row = []
    for b in range(R):
        x = g[l == b]
        row.append([float(np.quantile(x, q)) for q in LEVELS] if len(x) >= MIN_PILOT else None)
    sources.append(row)
calibrated = [[s if s is not None else t for s, t in zip(srow, trow)] for srow, trow in zip(sources, targets)]
points = [float(x) for x in np.arange(-8, 8.0001, 0.125)]
mapped = [[[band_map(z, calibrated[k][b], targets[k][b]) for z in points] for b in range(R)] for k in range(3)]
model_targets = [[float(f * stats.t.ppf(q, 5) / np.sqrt(5 / 3)) for q in LEVELS] for f in FACTORS]
# Session 21: the targets' sampling error and the shrinkage of the scales.
rng21 = np.random.default_rng(21)
B = 4000
LIMIT, STEP = 12.0, 0.01
BINS = int(round(2 * LIMIT / STEP))


def grid_quantiles_of_counts(counts, n):
    cum = np.cumsum(counts, axis=-1).astype(float)
    out = []
    for q in LEVELS:
        c = q * n
        j = np.array([np.searchsorted(row, c, side="left") for row in cum])
        nj = np.take_along_axis(counts, j[:, None], axis=-1)[:, 0]
        before = np.take_along_axis(cum, j[:, None], axis=-1)[:, 0] - nj
        out.append(-LIMIT + (j + (c - before) / nj) * STEP)
    return np.array(out).T


def log_spread_se(days):
    n = len(days)
    bins = np.clip(np.floor((days + LIMIT) / STEP).astype(int), 0, BINS - 1)
    picks = bins[rng21.integers(0, n, size=(B, n))]
    counts = np.zeros((B, BINS), dtype=np.int64)
    np.add.at(counts, (np.repeat(np.arange(B), n), picks.ravel()), 1)
    q = grid_quantiles_of_counts(counts, n)
    logs = np.log(np.abs(q - q[:, [LEVELS.index(0.5)]]).sum(axis=1))
    return float(np.std(logs))


def shrink(raw, se):
    raw, se = np.asarray(raw, float), np.asarray(se, float)
    logs = np.log(raw)
    tau2 = np.maximum(0.0, np.mean(logs ** 2 - se ** 2, axis=0))
    d = tau2[None, :] + se ** 2
    w = np.where(d > 0, tau2[None, :] / np.where(d > 0, d, 1), 1.0)
    return np.exp(w * logs)


band_log_se = [[log_spread_se(d) for d in band_days(c, l)] for c, l in zip(columns, labels)]
raw = [[spread(targets[k][b]) / spread(calibrated[k][b]) for b in range(R)] for k in range(3)]
shrunk = shrink(raw, band_log_se)
case_raw = [[1.05, 0.97, 0.70, 1.0], [0.95, 1.02, 0.75, 1.0], [1.01, 1.0, 1.40, 1.0]]
case_se = [[0.06, 0.05, 0.05, 0.0], [0.07, 0.05, 0.06, 0.0], [0.05, 0.04, 0.08, 0.0]]
case_shrunk = shrink(case_raw, case_se)
own_z_factors = [0.8, 1.25]
own_z_targets = [[[f * v for v in row] for row in model_targets] for f in own_z_factors]
own_z_scales = [[spread(own_z_targets[k][b]) / spread(model_targets[b]) for b in range(R)] for k in range(2)]

out = {
    "band_log_se": band_log_se, "raw_scales": raw, "shrunk": shrunk.tolist(),
    "shrink_case": {"raw": case_raw, "se": case_se, "shrunk": case_shrunk.tolist()},
    "own_z_targets": own_z_targets, "own_z_scales": own_z_scales,
    "levels": LEVELS, "columns": [[float(v) for v in c] for c in columns], "labels": [[int(v) for v in l] for l in labels],
    "targets": targets, "generated": [[float(v) for v in g] for g in generated],
    "generated_labels": [[int(v) for v in l] for l in generated_labels], "sources": sources,
    "points": points, "mapped": mapped, "model_targets": model_targets,
}
(HERE / "joint_band_map_reference.json").write_text(json.dumps(out))
print("wrote", HERE / "joint_band_map_reference.json")
