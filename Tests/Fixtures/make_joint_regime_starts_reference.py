#!/usr/bin/env python3
"""Reference values for the market-regime starts of joint generation (issue 17, session 19;
Tests/TGFLCoreTests/JointRegimeStartsTests.swift, Sources/TGFLCore/Joint/JointRegimeStarts.swift).

synthetic: 3 columns of 400 sigmas exp(N(0, 0.4)) x 0.01 and market labels drawn with
  probabilities 0.45 / 0.35 / 0.15 / 0.05 (numpy default_rng, seed 19; regime 3 has fewer than 30
  days, so it pools regimes 2 and 3); quantiles: per regime and column, numpy.quantile (linear) of
  log sigma on the regime's rows at levels j/100, j = 0..100.
model: the joint_v1 fixture model (DAX, SMI of the bundled eu_stocks): the first 80 % of each
  index's log returns ("training"), each asset's stored GJR filter run over them (arch's backcast
  start, clamped to floor/cap, as Benchmarks/joint_crisis_gap_diagnosis.py rebuilds it), the market
  label of each day (the lower median of the assets' labels, thresholds side='right'), and the same
  quantiles ("quantiles"). "starts": for generation under regime g (0 and 3) with seed 29, paths
  0..63, the day-0 sigma of each asset: the path's first uniform u (SeededRNG(29, p), xoshiro256**)
  through the regime's quantiles (linear interpolation), exp(2 q) clamped to floor^2 / cap^2, square root.
Run: /work/pyref/bin/python Tests/Fixtures/make_joint_regime_starts_reference.py
"""
import json

import numpy as np

from joint_fixture_days import HERE, fixture_training_days, regime_days, regime_rows, synthetic_labels
from joint_crisis_gap_diagnosis import first_uniform, interp  # noqa: E402 (joint_fixture_days puts Benchmarks on the path)

LEVELS = np.arange(101) / 100


def quantiles(S, labels, R):
    return [[np.quantile(np.log(S[regime_rows(labels, g), k]), LEVELS).tolist() for k in range(S.shape[1])]
            for g in range(R)]


def main():
    rng = np.random.default_rng(19)
    S = 0.01 * np.exp(rng.normal(0, 0.4, size=(400, 3)))
    labels = synthetic_labels(rng, 400)
    synthetic = dict(sigmas=S.T.tolist(), labels=labels.tolist(), quantiles=quantiles(S, labels, 4),
                     regime_days=regime_days(labels))

    par, train, Sm, own, lab = fixture_training_days()
    K = train.shape[1]
    q = quantiles(Sm, lab, 4)
    starts = {}
    for g in (0, 3):
        rows = []
        for p in range(64):
            u = first_uniform(29, p)
            rows.append([float(np.sqrt(min(max(np.exp(2 * interp(q[g][k], u)), par[k]["sigma_floor"] ** 2),
                                           par[k]["sigma_cap"] ** 2))) for k in range(K)])
        starts[str(g)] = rows
    # How often an asset is outside its own band of regime g on that regime's market days (the point of the rule).
    outside = {str(g): float(np.mean(own[lab == g] != g)) for g in range(4)}
    model = dict(training=train.T.tolist(), labels=lab.tolist(), quantiles=q, starts=starts, outside_own_band=outside)
    (HERE / "joint_regime_starts_reference.json").write_text(json.dumps(dict(synthetic=synthetic, model=model)) + "\n")
    print("synthetic regime days", synthetic["regime_days"], "model regime days",
          [int(np.sum(lab == g)) for g in range(4)], "outside own band", outside)


if __name__ == "__main__":
    main()
