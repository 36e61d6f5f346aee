#!/usr/bin/env python3
"""Reference values for the dependence matching of model v2's generation recursion
(`VolatilityModel.matchDependence`, Tests/TGFLCoreTests/DependenceMatchTests.swift).

On the training span of the realism protocol for the bundled S&P 500 (the first 80 % of its
daily log returns), with `arch` and NumPy only:

    arch_model(100 r, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit()
    sigma_t = conditional_volatility / 100,  z_t = (r_t - mu) / sigma_t
    m2 = mean(z^2), m2n = mean(z^2 [z < 0])          effective persistence = a m2 + g m2n + b
    fair curves: ACF of |r| (lags 1-50) and corr(r_t, r_{t+k}^2) (lags 1-20), averaged over the
                 span's 250-day chunks (numpy, as QuantGANs.chunkedCurves)
    m1 = mean|z|, m1n = mean(|z| [z < 0])     (power 1, session 10)
    candidates: the fitted (a, g, b, power 2), then for power d in [2, 1], k in [0.5, 0.75, 1, 1.25, 1.5],
                p in [0.9, 0.95, 0.97, 0.98, 0.99]: (k a, k g, p - k a m_d - k g m_dn, d) when b >= 0
    simulation: sigma^2_0 = exp(2 * interp(u, 101 quantiles of log sigma)), r = mu + sigma z[i],
                power 2: sigma^2 <- clip(omega + (a + g [e<0]) e^2 + b sigma^2, (min sigma/2)^2, (1.25 max sigma)^2),
                         omega = V max(1 - p_eff, 1e-3), V = mean((r - mu)^2)
                power 1: sigma <- clip(omega + (a + g [e<0]) |e| + b sigma, min sigma/2, 1.25 max sigma),
                         omega = S max(1 - p_eff, 1e-3), S = mean|r - mu| / m1
    criterion = ||ACF|r|_fair - mean_p ACF|r|_p||_2 + ||L_fair - mean_p L_p||_2

    level quantiles: 101 linear quantiles of log(v_j / mean v), v_j = np.var(chunk j)

Written: the fitted parameters, m2, m2n, m1, m1n, the quantiles and bounds, one set of 64 start uniforms
and 64 x 250 draw indices (seed 7) with every candidate's criterion on those draws (the Swift
simulation must give the same numbers), and every candidate's criterion on an independent
NumPy simulation of 512 paths (seed 11), which the Swift selection's kept candidate must beat
the fitted one on.

Also written ("owners"): the same for two owners who do not pool their returns, the span's first and
second half (`matchDependence(owners:)`, federated data models): see two_owner_case.

Run: /work/pyref/bin/python Tests/Fixtures/make_dependence_reference.py   (needs arch, numpy)
"""
import json
from pathlib import Path

import numpy as np
from arch import arch_model

from gjr_fit import fit_gjr_t, sp500_log_returns

HERE = Path(__file__).resolve().parent
OUT = HERE / "dependence_reference.json"
H = 250
SCALES = [0.5, 0.75, 1.0, 1.25, 1.5]
PERSISTENCES = [0.9, 0.95, 0.97, 0.98, 0.99]


def acf(x, k):
    x = x - x.mean()
    d = (x * x).sum()
    return np.array([(x[:-j] * x[j:]).sum() / d for j in range(1, k + 1)])


def lev(x, k):
    return np.array([np.corrcoef(x[:-j], x[j:] ** 2)[0, 1] for j in range(1, k + 1)])


def curves(paths):
    return np.mean([acf(np.abs(p), 50) for p in paths], axis=0), np.mean([lev(p, 20) for p in paths], axis=0)


def simulate(mu, omega, a, g, b, d, q, lo, hi, z, u, idx, factors=None):
    """factors: sign->size scales c (2^K of them; make_dependence_scaled_reference.py): day t's z
    is multiplied by c[sum_j 2^j 1[z_{t-1-j} >= 0]] for t >= K (None: not scaled)."""
    x = u * (len(q) - 1)
    i = np.minimum(x.astype(int), len(q) - 2)
    s2 = np.clip(np.exp(2 * (q[i] + (x - i) * (q[i + 1] - q[i]))), lo * lo, hi * hi)
    out = np.zeros(idx.shape)
    lags = 0 if factors is None else int(np.log2(len(factors)))
    for t in range(idx.shape[1]):
        zt = z[idx[:, t]]
        if lags and t >= lags:
            cell = sum((z[idx[:, t - 1 - j]] >= 0).astype(int) << j for j in range(lags))
            zt = zt * np.asarray(factors)[cell]
        e = np.sqrt(s2) * zt
        out[:, t] = mu + e
        if d == 2:
            s2 = np.clip(omega + (a + g * (e < 0)) * e * e + b * s2, lo * lo, hi * hi)
        else:
            s2 = np.clip(omega + (a + g * (e < 0)) * np.abs(e) + b * np.sqrt(s2), lo, hi) ** 2
    return out


def candidates(a, g, b, moments):
    """The fitted (a, g, b, power 2), then (k a, k g, p - k a m_d - k g m_dn, d) for d in [2, 1],
    k in SCALES, p in PERSISTENCES, kept when the last coefficient is >= 0."""
    cands = [(a, g, b, 2)]
    for d in (2, 1):
        for k in SCALES:
            for pp in PERSISTENCES:
                bb = pp - k * a * moments[d][0] - k * g * moments[d][1]
                if bb >= 0:
                    cands.append((k * a, k * g, bb, d))
    return cands


def path_shares(total, weights):
    """total split in proportion to weights by largest remainders, ties to the earlier owner."""
    s = sum(weights)
    shares = [total * w // s for w in weights]
    order = sorted(range(len(weights)), key=lambda j: (-(total * weights[j] % s), j))
    for j in order[: total - sum(shares)]:
        shares[j] += 1
    return shares


def two_owner_case(train, res, mu, a, g, b, q, lo, hi, V, S):
    """Two owners (the span's first and second half) that do not pool their returns
    (`matchDependence(owners:)`): each owner's z from arch's filter with the fitted parameters
    run over its own days only; moments, fair curves (each owner's own 250-day chunks) and chunk
    variances pooled; an independent simulation of 512 paths split between the owners in
    proportion to their residual counts, each owner's paths drawing from its own z (seed 13)."""
    halves = [train[: len(train) // 2], train[len(train) // 2:]]
    zs = []
    for x in halves:
        fixed = arch_model(100 * x, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fix(res.params)
        zs.append((x - mu) / (np.asarray(fixed.conditional_volatility) / 100))
    zall = np.concatenate(zs)
    m2, m2n = np.mean(zall ** 2), np.mean(zall ** 2 * (zall < 0))
    m1, m1n = np.mean(np.abs(zall)), np.mean(np.abs(zall) * (zall < 0))
    moments = {2: (m2, m2n), 1: (m1, m1n)}
    scale = {2: V, 1: np.mean(np.abs(train - mu)) / m1}
    chunks = [x[i * H:(i + 1) * H] for x in halves for i in range(len(x) // H)]
    fa, fl = curves(chunks)
    cv = np.array([np.var(c) for c in chunks])
    level_q = np.quantile(np.log(cv / cv.mean()), np.arange(101) / 100)
    cands = candidates(a, g, b, moments)
    shares = path_shares(512, [len(z) for z in zs])
    rng = np.random.default_rng(13)
    draws = [(rng.uniform(size=n), rng.integers(0, len(z), size=(n, H))) for n, z in zip(shares, zs)]
    crit = []
    for c in cands:
        pe = c[0] * moments[c[3]][0] + c[1] * moments[c[3]][1] + c[2]
        paths = np.concatenate([simulate(mu, scale[c[3]] * max(1 - pe, 1e-3), *c, q, lo, hi, z, u, idx)
                                for z, (u, idx) in zip(zs, draws)])
        A, L = curves(paths)
        crit.append(float(np.linalg.norm(fa - A) + np.linalg.norm(fl - L)))
    return {"split": len(halves[0]), "m2": m2, "m2n": m2n, "m1": m1, "m1n": m1n,
            "candidates": [list(c) for c in cands], "level_log_quantiles": level_q.tolist(),
            "independent_criteria": crit, "shares_512": shares}


def main():
    r = sp500_log_returns()
    train = r[: int(0.8 * len(r))]
    res, mu, omega, a, g, b, nu, sigma = fit_gjr_t(train)
    z = (train - mu) / sigma
    m2, m2n = np.mean(z ** 2), np.mean(z ** 2 * (z < 0))
    m1, m1n = np.mean(np.abs(z)), np.mean(np.abs(z) * (z < 0))
    V = np.mean((train - mu) ** 2)
    S = np.mean(np.abs(train - mu)) / m1
    moments = {2: (m2, m2n), 1: (m1, m1n)}
    scale = {2: V, 1: S}
    q = np.quantile(np.log(sigma), np.arange(101) / 100)
    lo, hi = sigma.min() * 0.5, sigma.max() * 1.25
    chunks = [train[i * H:(i + 1) * H] for i in range(len(train) // H)]
    fa, fl = curves(chunks)
    cv = np.array([np.var(c) for c in chunks])
    level_q = np.quantile(np.log(cv / cv.mean()), np.arange(101) / 100)
    cands = candidates(a, g, b, moments)

    def criteria(u, idx):
        out = []
        for c in cands:
            pe = c[0] * moments[c[3]][0] + c[1] * moments[c[3]][1] + c[2]
            A, L = curves(simulate(mu, scale[c[3]] * max(1 - pe, 1e-3), *c, q, lo, hi, z, u, idx))
            out.append(float(np.linalg.norm(fa - A) + np.linalg.norm(fl - L)))
        return out

    owners = two_owner_case(train, res, mu, a, g, b, q, lo, hi, V, S)

    rng = np.random.default_rng(7)
    u, idx = rng.uniform(size=64), rng.integers(0, len(z), size=(64, H))
    rng2 = np.random.default_rng(11)
    u2, idx2 = rng2.uniform(size=512), rng2.integers(0, len(z), size=(512, H))
    out = {
        "train_days": len(train), "returns_head": train[:5].tolist(),
        "mu": mu, "omega": omega, "alpha": a, "gamma": g, "beta": b, "nu": nu,
        "m2": m2, "m2n": m2n, "m1": m1, "m1n": m1n, "variance": V, "absolute_scale": S, "initial_log_sigma_quantiles": q.tolist(),
        "sigma_floor": lo, "sigma_cap": hi,
        "level_log_quantiles": level_q.tolist(), "fair_acf_abs": fa.tolist(), "fair_leverage": fl.tolist(),
        "candidates": [list(c) for c in cands],
        "start_uniforms": u.tolist(), "draw_indices": idx.tolist(), "criteria": criteria(u, idx),
        "independent_criteria": criteria(u2, idx2),
        "owners": owners,
    }
    OUT.write_text(json.dumps(out))
    ic = out["independent_criteria"]
    best = int(np.argmin(ic))
    print(f"wrote {OUT}: {len(cands)} candidates, fitted effective persistence {a * m2 + g * m2n + b:.4f}, "
          f"independent criterion fitted {ic[0]:.3f}, best {ic[best]:.3f} (candidate {best}, power {cands[best][3]}); "
          f"best power 2 {min(ic[i] for i, c in enumerate(cands) if c[3] == 2):.3f}")


if __name__ == "__main__":
    main()
