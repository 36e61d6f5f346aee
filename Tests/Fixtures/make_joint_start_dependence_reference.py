#!/usr/bin/env python3
"""Reference values for the start dependence of joint generation (issue 17, session 24;
Tests/TGFLCoreTests/JointStartDependenceTests.swift, Sources/TGFLCore/Joint/JointStartDependence.swift).

synthetic: 3 columns of 400 sigmas 0.01 exp(0.4 x), x ~ N(0, C) with C = [[1, .6, .3], [.6, 1, .2], [.3, .2, 1]]
  (numpy default_rng, seed 24; one tie: column 0's day 6 set to its day 5), market labels drawn with
  probabilities 0.45 / 0.35 / 0.15 / 0.05 (regime 3 has fewer than 30 days, so it pools regimes 2 and 3);
  "correlations": per regime pool and then over every day, numpy.corrcoef of the normal scores
  scipy.stats.norm.ppf(scipy.stats.rankdata(log sigma) / (n + 1)) (ties averaged) on the pool's rows.
model: the joint_v1 fixture model (DAX, SMI) on the first 80 % of eu_stocks (joint_fixture_days.py): the same
  correlations of its stored filters' sigma, and the market-regime starts' quantiles (make_joint_regime_starts_
  reference.py's rule). "starts": the day-0 sigma of each asset for paths 0..63 with seed 31, unconditional
  ("u") and under regimes 0 and 3: the path's first K uniforms w_k (SeededRNG(31, p).uniformOpen(),
  xoshiro256**: (x >> 11 + 0.5) 2^-53), x = chol(P_g) norm.ppf(w), u_k = norm.cdf(x_k) (clamped to
  [2^-60, 1 - 2^-53]), then exp(2 interp(q, u_k)) clamped to floor^2 / cap^2, square root — q the asset's
  stored initial_log_sigma_quantiles (unconditional) or regime g's quantiles, P_g the pool's correlations
  (every day's for unconditional).
Run: /work/pyref/bin/python Tests/Fixtures/make_joint_start_dependence_reference.py
"""
import json

import h5py
import numpy as np
import scipy.stats as st

from joint_fixture_days import HERE, fixture_training_days, regime_days, regime_rows, synthetic_labels
from joint_crisis_gap_diagnosis import interp  # noqa: E402 (joint_fixture_days puts Benchmarks on the path)

M = (1 << 64) - 1
LEVELS = np.arange(101) / 100


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


class Xoshiro:
    """SeededRNG(seed, stream): xoshiro256** seeded by splitmix64 (Sources/TGFLRandom/SeededRNG.swift)."""

    def __init__(self, seed, stream):
        sm = (seed ^ ((stream * 0x9E3779B97F4A7C15) & M) ^ 0xD1B54A32D192ED03) & M
        self.s = []
        for _ in range(4):
            sm = (sm + 0x9E3779B97F4A7C15) & M
            z = sm
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform_open(self):
        return ((self.next() >> 11) + 0.5) * 2.0 ** -53


def pools(S, labels, R):
    return [regime_rows(labels, g) for g in range(R)] + [np.arange(len(labels))]


def correlations(S, labels, R):
    out = []
    for rows in pools(S, labels, R):
        n = len(rows)
        Z = np.column_stack([st.norm.ppf(st.rankdata(np.log(S[rows, k])) / (n + 1)) for k in range(S.shape[1])])
        out.append(np.corrcoef(Z, rowvar=False).ravel().tolist())
    return out


def start_sigmas(P, q, par, seed=31, paths=64):
    K = len(q)
    L = np.linalg.cholesky(np.asarray(P).reshape(K, K))
    rows = []
    for p in range(paths):
        rng = Xoshiro(seed, p)
        w = np.array([min(max(rng.uniform_open(), 2.0 ** -60), 1 - 2.0 ** -53) for _ in range(K)])
        u = np.clip(st.norm.cdf(L @ st.norm.ppf(w)), 2.0 ** -60, np.nextafter(1.0, 0))
        rows.append([float(np.sqrt(min(max(np.exp(2 * interp(q[k], u[k])), par[k]["sigma_floor"] ** 2),
                                       par[k]["sigma_cap"] ** 2))) for k in range(K)])
    return rows


def main():
    rng = np.random.default_rng(24)
    C = np.array([[1, .6, .3], [.6, 1, .2], [.3, .2, 1]])
    S = 0.01 * np.exp(0.4 * rng.multivariate_normal(np.zeros(3), C, size=400))
    S[6, 0] = S[5, 0]
    labels = synthetic_labels(rng, 400)
    synthetic = dict(sigmas=S.T.tolist(), labels=labels.tolist(), correlations=correlations(S, labels, 4),
                     regime_days=regime_days(labels))

    par, train, Sm, own, lab = fixture_training_days()
    K = train.shape[1]
    P = correlations(Sm, lab, 4)
    f = h5py.File(HERE / "joint_v1_model.h5", "r")["joint"]
    initial = [f[f"asset{k}.volatility.initial_log_sigma_quantiles"][:] for k in range(K)]
    q = [[np.quantile(np.log(Sm[regime_rows(lab, g), k]), LEVELS) for k in range(K)] for g in range(4)]
    starts = {"u": start_sigmas(P[4], initial, par)}
    for g in (0, 3):
        starts[str(g)] = start_sigmas(P[g], q[g], par)
    model = dict(training=train.T.tolist(), correlations=P, starts=starts)
    (HERE / "joint_start_dependence_reference.json").write_text(json.dumps(dict(synthetic=synthetic, model=model)) + "\n")
    print("synthetic regime days", synthetic["regime_days"], "model correlations (off-diagonal)",
          [round(p[1], 3) for p in P])


if __name__ == "__main__":
    main()
