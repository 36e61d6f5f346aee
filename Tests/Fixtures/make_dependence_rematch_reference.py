#!/usr/bin/env python3
"""Reference values for the candidate grid of `ScenarioModel.rematchDependence` (session 21,
Tests/TGFLCoreTests/DependenceRematchTests.swift), NumPy only.

For a current generation recursion (alpha, gamma, beta, power d):

    m = 1 (d = 2) or sqrt(2/pi) (d = 1)          nominal moments of symmetric unit-variance z
    shock = alpha m + gamma m / 2,  p = shock + beta          (the nominal persistence)
    gap = max(1 - p, 1e-4)
    candidates: the current one first (k = f = 1), then for f in [0.5, 1, 2], k in [0.75, 1, 1.25, 1.5],
                (k, f) != (1, 1):  p' = 1 - f gap,  beta' = p' - k shock,  (k alpha, k gamma, beta', d)
                kept when beta' >= 0 and p' < 1

The cases: a power-2 GJR fit, a power-1 TARCH recursion, a fit beyond the unit root (p > 1:
the gap floor), and a short-memory one whose high-k, f = 2 candidates have beta' < 0 (dropped).

The choice (session 22, `ScenarioModel.rematchChoice`): fixed synthetic pilots of four
candidates (P paths x 250 days each, seeded NumPy draws) and a training span of 8 chunks:

    curves of a path: ACF of |r| (lags 1-50; sum over t of centred products / sum of squares) and
                      leverage corr(r_t, r_{t+k}^2) (lags 1-20; Pearson over the n - k pairs)
    fair            = the training chunks' curves averaged;  C(paths) = the path curves averaged
    criterion       = ||fair_acf - C_acf||_2 + ||fair_lev - C_lev||_2
    tail index tau  = mean of the largest max(1, n // 100) |x - mean| over the population std,
                      pooled (pilots of a candidate; the training chunks)
    jackknife       = G contiguous blocks of paths (block g: paths g*P//G ..< (g+1)*P//G);
                      theta_(g) = the statistic without block g;
                      SE = sqrt((G - 1)/G * sum_g (theta_(g) - mean theta)^2)
    gain(c)         = criterion(0) - criterion(c),  worse(c) = |tau_c - tau_train| - |tau_0 - tau_train|
                      (paired: both on the same leave-out paths)
    admissible      = c = 0, or (no guard, or worse(c) <= z SE(worse(c)))
    best            = the admissible candidate with the smallest criterion (earliest on ties)
    kept            = best if gain(best) > z SE(gain(best)) else 0

Candidates: 0 i.i.d. normal (no clustering: the current recursion), 1 GARCH(1,1) normal like the
training span, 2 a stronger GARCH with t(3) draws (fat tails), 3 the i.i.d. draws of 0 with one
path in 16 replaced by that path of 1 (a gain within noise). Scenarios: candidate subsets, margins and the guard,
with the best and kept indices NumPy finds.

Run: /work/pyref/bin/python Tests/Fixtures/make_dependence_rematch_reference.py   (needs numpy)
"""
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "dependence_rematch_reference.json"
SCALES = [0.75, 1.0, 1.25, 1.5]
FACTORS = [0.5, 1.0, 2.0]
CASES = [(0.02, 0.12, 0.88, 2), (0.05, 0.10, 0.90, 1), (0.01, 0.10, 0.945, 2), (0.3, 0.4, 0.2, 2)]


def grid(alpha, gamma, beta, d):
    m = 1.0 if d == 2 else np.sqrt(2 / np.pi)
    shock = alpha * m + gamma * m / 2
    p = shock + beta
    gap = max(1 - p, 1e-4)
    out = [dict(alpha=alpha, gamma=gamma, beta=beta, power=d, k=1.0, f=1.0)]
    for f in FACTORS:
        for k in SCALES:
            if k == 1.0 and f == 1.0:
                continue
            pp = 1 - f * gap
            b = pp - k * shock
            if b >= 0 and pp < 1:
                out.append(dict(alpha=k * alpha, gamma=k * gamma, beta=b, power=d, k=k, f=f))
    return p, out


H = 250          # the pilots' path length (VolatilityModel.dependenceChunkLength)
PATHS = 32       # pilot paths per candidate
GROUPS = 8       # jackknife blocks


def acf_abs(x, lags=50):
    a = np.abs(x) - np.abs(x).mean()
    c0 = np.sum(a * a)
    return np.array([np.sum(a[k:] * a[:-k]) / c0 for k in range(1, lags + 1)])


def leverage(x, lags=20):
    out = []
    for k in range(1, lags + 1):
        u, v = x[:-k], x[k:] ** 2
        du, dv = u - u.mean(), v - v.mean()
        out.append(np.clip(np.sum(du * dv) / np.sqrt(np.sum(du * du) * np.sum(dv * dv)), -1, 1))
    return np.array(out)


def curves(paths):
    return np.array([acf_abs(p) for p in paths]), np.array([leverage(p) for p in paths])


def criterion(fair, acf, lev):
    return np.linalg.norm(fair[0] - acf.mean(0)) + np.linalg.norm(fair[1] - lev.mean(0))


def tail_index(x):
    x = np.asarray(x).ravel()
    d = np.abs(x - x.mean())
    s = np.sqrt(np.mean(d * d))
    k = max(1, x.size // 100)
    return np.sort(d)[::-1][:k].mean() / s


def jackknife_se(values):
    v = np.asarray(values)
    g = v.size
    return np.sqrt((g - 1) / g * np.sum((v - v.mean()) ** 2))


def garch(rng, n_paths, alpha, beta, draw):
    omega = 1e-4 * (1 - alpha - beta)
    out = np.empty((n_paths, H))
    for p in range(n_paths):
        v = 1e-4
        for t in range(H):
            e = np.sqrt(v) * draw(rng)
            out[p, t] = e
            v = omega + alpha * e * e + beta * v
    return out


A1, A2 = 0.06, 0.12   # the GARCH alphas of candidates 1 and 2 (beta 0.85)


def rounded(x):
    """x at 7 significant digits (the fixture stores them so; the statistics are of these values)."""
    return np.array([float(f"{v:.7g}") for v in np.ravel(x)]).reshape(np.shape(x))


def student3(rng):
    return rng.standard_t(3) / np.sqrt(3.0)


rng = np.random.default_rng(20261207)
training = rounded(garch(rng, 8, 0.12, 0.85, lambda r: r.standard_normal()).ravel())   # 8 chunks of 250 days
chunks = training.reshape(8, H)
fair_acf, fair_lev = curves(chunks)
fair = (fair_acf.mean(0), fair_lev.mean(0))
tau_train = tail_index(training)
iid = 0.01 * rng.standard_normal((PATHS, H))
clustered = garch(rng, PATHS, A1, 0.85, lambda r: r.standard_normal())
near = iid.copy()
near[::16] = clustered[::16]
pilots = [rounded(x) for x in (iid, clustered, garch(rng, PATHS, A2, 0.85, student3), near)]
blocks = [range(g * PATHS // GROUPS, (g + 1) * PATHS // GROUPS) for g in range(GROUPS)]
stats = []
for x in pilots:
    acf, lev = curves(x)
    full = (criterion(fair, acf, lev), tail_index(x))
    out = [np.setdiff1d(np.arange(PATHS), list(b)) for b in blocks]
    leave = [(criterion(fair, acf[i], lev[i]), tail_index(x[i])) for i in out]
    stats.append((full, leave))
(c0, t0), leave0 = stats[0]
candidates = []
for (c, t), leave in stats:
    gains = [l0[0] - l[0] for l0, l in zip(leave0, leave)]
    worse = [abs(l[1] - tau_train) - abs(l0[1] - tau_train) for l0, l in zip(leave0, leave)]
    candidates.append(dict(criterion=c, tail_index=t, gain=c0 - c, gain_se=jackknife_se(gains),
                           tail_worsening=abs(t - tau_train) - abs(t0 - tau_train), tail_worsening_se=jackknife_se(worse)))


def choose(subset, margin, guard):
    admissible = [i for i in subset if i == 0 or not guard
                  or candidates[i]["tail_worsening"] <= margin * candidates[i]["tail_worsening_se"]]
    best = min(admissible, key=lambda i: (candidates[i]["criterion"], subset.index(i)))
    kept = best if best != 0 and candidates[best]["gain"] > margin * candidates[best]["gain_se"] else 0
    return dict(candidates=subset, margin=margin, tail_guard=guard, best=subset.index(best), kept=subset.index(kept))


scenarios = [choose([0, 1, 2, 3], 2.0, True), choose([0, 1, 2, 3], 0.0, False), choose([0, 2], 2.0, True),
             choose([0, 2], 2.0, False), choose([0, 3], 0.0, False), choose([0, 3], 2.0, False)]
# The fixture must exercise each branch: the guard refuses 2 (fat tails, best criterion), the margin
# refuses 3 (a gain within noise) that no margin keeps, and 1 is kept.
assert candidates[2]["criterion"] < candidates[1]["criterion"] < candidates[0]["criterion"], candidates
assert [s["kept"] for s in scenarios] == [1, 2, 0, 1, 1, 0], scenarios
assert 0 < candidates[3]["gain"] < 2 * candidates[3]["gain_se"], candidates[3]

cases = []
for a, g, b, d in CASES:
    p, cands = grid(a, g, b, d)
    cases.append(dict(alpha=a, gamma=g, beta=b, power=d, nominal_persistence=p, candidates=cands))
choice = dict(path_length=H, groups=GROUPS, training_tail_index=tau_train, candidates=candidates,
              scenarios=scenarios, training="TRAINING", pilots="PILOTS")
text = json.dumps(dict(shock_scales=SCALES, persistence_factors=FACTORS, cases=cases, choice=choice), indent=1)
compact = lambda x: "[" + ",".join(f"{v:.7g}" for v in np.ravel(x)) + "]"     # one line per array
text = text.replace('"TRAINING"', compact(training)).replace('"PILOTS"', "[" + ",\n".join(compact(x) for x in pilots) + "]")
OUT.write_text(text + "\n")
print(f"wrote {OUT}: {[len(c['candidates']) for c in cases]} candidates; choice: "
      + ", ".join(f"{c['criterion']:.4f} gain {c['gain']:.4f} ({c['gain_se']:.4f}) tau {c['tail_index']:.3f} "
                  f"worse {c['tail_worsening']:.3f} ({c['tail_worsening_se']:.3f})" for c in candidates)
      + f"; tau_train {tau_train:.3f}")
