#!/usr/bin/env python3
"""Issue 17, session 24 (spill24): is a cross-asset volatility spill-over in the per-asset filters the missing piece?
Evidence only, a NumPy proxy; no library change.

usage: /work/pyref/bin/python Benchmarks/joint_spillover_check.py RUNDIR [zmodel=DIR] [LABEL=CSV ...] [RUNDIR ...]

RUNDIR: a `tgfl-bench joint --out` directory (model.json, model.h5 with each asset's stored GJR-t filter, real.csv).
The filters are those of joint24's runs (/work/bench/joint24/m_fitted/FILE_42; the same in every run of a file).

a. The fit. Per asset k, the stored filter (mu, omega, alpha, gamma, beta, floor/cap clamp, the model's backcast:
   joint_crisis_gap_diagnosis.filter_sigma) is extended by a scale-free spill-over term

       s2[k, t+1] = omega + (alpha + gamma 1[e_k,t < 0]) e2[k, t] + beta s2[k, t] + delta s2[k, t] x[k, t]

   with x[k, t] (mean 0 on the training days by construction, so the filter's level is kept):
     sym   the mean of the OTHER assets' z2[j, t] minus 1 (z under the stored filters);
     neg   the mean of the other assets' z2[j, t] 1[z_j,t < 0], divided by its training mean, minus 1;
     slow  a volatility-factor variant: an EWMA (decay 0.94, fixed) of the others' z2 minus 1 — a persistent
           common level of the other assets' shocks, one extra parameter per asset like the others.
   Likelihood: Student t (unit variance) with the filter's own nu, on the training days (first 80 %). Two fits:
     A  delta alone on top of the stored filter (what a library step after the GJR fit would add): delta, its
        robust (sandwich) s.e., LR = 2 (l(delta) - l(0)) and the gain per training day;
     B  omega, alpha, gamma, beta and delta refitted against the four refitted without delta: LR, delta, sandwich s.e.
   Scores and Hessians are central differences of the per-day log-likelihood (recursion included).

b. The simulation. Day shocks are a whole-day bootstrap of the training days' standardized shocks z_t (K-vectors,
   i.i.d. over days: the data's one-day cross-sectional dependence and tails, none of its dynamics, as the model's
   copula), z_t = e_t / s_t under each arm's own filter; sigma from the arm's filter (x computed from the
   simulated day's z), clamped to floor/cap; r = mu + sigma z. Arms: `none` (the stored filters, no spill-over)
   and the A fits of sym / neg / slow. Starts: `como` (one uniform per path through each asset's training sigma
   quantiles: main's rule), `fitted` (a Gaussian copula with the training days' normal-score correlation of
   log sigma: joint24's `--start-dependence fitted`), `day` (the sigma vector — and the slow state — of a random
   training day). 1,000 x 20 days and 200 x 250 days per seed, seeds 24..28 (the same bootstrap draws and start
   uniforms in every arm: paired); figures are the mean (± s.d.) over the five seeds. Measured as joint24 did:
   lambda_L of the 20-day set (`joint_baselines.lower_tail`), days 0-4 / 15-19 (ranks over the whole set), and days
   100-249 of the 250-day set (its own ranks); the 20-day sigma co-movement (mean pairwise correlation of each path's
   log s.d. over its 20 days; training: 20-day blocks); cross-asset |r| correlation at lags 1-5 (mean, within paths;
   training: within 20-day blocks; `joint_start_dependence.block_xacf`); the largest absolute error of the 20-day set's
   correlation matrix against the whole file's (the cell, <= 0.05) and the training days'.

   Extra shock sets for the no-spill-over and sym filters (the trustworthiness check and the mechanism): `model` =
   whole days of TGFL's own z (`model_z`: a comonotone run's unconditional days, sigma rebuilt exactly, labels
   checked), `mixed` = the training days' ranks through TGFL's z marginals (the training copula), `gauss` / `t` = the
   training z marginals joined by a Gaussian / t (the model's copula nu) copula with their normal-score correlation.

usage with TGFL's own sets measured alongside and the z source (/work/bench/spill24/args.txt):
  joint_spillover_check.py RUNDIR zmodel=COMONOTONE_RUNDIR LABEL=GENERATED.csv ... [RUNDIR ...]

Figures (2026-12-08 00:15 UTC, /work/bench/spill24/out.txt; filters of joint24's m_fitted/FILE_42, TGFL's z from
joint22's after/FILE_42; BENCHMARKS.md "Session 24 (spill24)"):

a. Spill-over coefficients (fit A; LR summed over the file's assets, chi2(K)): sym eu_stocks LR 2.9 (p 0.57),
   crsp_daily 6.2 (p 0.19, mobil +0.022 ± 0.009 alone), fx_usd_1980 7.5 (p 0.19, chf +0.043 ± 0.014 alone); neg
   1.1 / 4.5 / 11.8 (p 0.90 / 0.35 / 0.04); slow (negative deltas) 29.1 / 5.8 / 16.0. Gains <= 0.004 nats per day.
b. Fitted start, mean of 5 seeds (lambda_L 20-day; 20-day sigma co-movement; cross |r| lag 1-5):

| file (training) | TGFL fitted 10,000 x 20 | proxy, TGFL's z | proxy, training z | + sym spill-over | + sym, training-day start |
|---|---|---|---|---|---|
| eu_stocks (0.426; 0.596; 0.059) | 0.371; 0.445; 0.036 | 0.369; 0.491; 0.047 | 0.406; 0.505; 0.064 | 0.403; 0.530; 0.072 | 0.403; 0.538; 0.071 |
| crsp_daily (0.266; 0.297; 0.036) | 0.213; 0.215; 0.014 | 0.216; 0.243; 0.017 | 0.238; 0.225; 0.016 | 0.236; 0.265; 0.022 | 0.238; 0.295; 0.026 |
| fx_usd_1980 (0.307; 0.480; 0.083) | 0.331; 0.432; 0.058 | 0.321; 0.432; 0.064 | 0.296; 0.436; 0.064 | 0.298; 0.450; 0.075 | 0.304; 0.467; 0.082 |

   Days 100-249 (no spill-over): TGFL 0.375 / 0.214 / 0.314, proxy with TGFL's z 0.371 / 0.217 / 0.309, with the
   training z 0.400 / 0.239 / 0.286. The training days' ranks through TGFL's z marginals (`mixed`) give 0.403 / 0.235 /
   0.294: the lambda_L gap is the day's z copula (z lambda_L TGFL 0.377 / 0.226 / 0.354, training 0.435 / 0.246 /
   0.303), not the volatility dynamics: the sym / neg spill-overs move lambda_L by <= 0.004 (20 days), <= 0.008
   (days 100-249).
"""
import json
import os
import sys

import h5py
import numpy as np
import scipy.optimize as so
import scipy.special as sp
import scipy.stats as st

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from joint_baselines import lower_tail  # noqa: E402
from joint_crisis_gap_diagnosis import backcast, filter_sigma, filters, first_uniform, interp, market  # noqa: E402
from joint_start_dependence import block_xacf, mean_off, normal_score_corr  # noqa: E402

VARIANTS = ("sym", "neg", "slow")
DECAY = 0.94
SEEDS = (24, 25, 26, 27, 28)


def regressor(Z, k, kind, scale=None):
    """x[k, t] of a variant from the days' z (T, K); `scale` is neg's training mean (computed when None)."""
    others = np.delete(Z, k, axis=1)
    if kind == "neg":
        n = np.mean(others ** 2 * (others < 0), axis=1)
        scale = n.mean() if scale is None else scale
        return n / scale - 1, scale
    m = np.mean(others ** 2, axis=1) - 1
    if kind == "sym":
        return m, None
    x = np.empty_like(m)
    s = 0.0
    for t in range(len(m)):
        s = DECAY * s + (1 - DECAY) * m[t]
        x[t] = s
    return x, None


def variances(theta, e, x, lo, hi, v0):
    """The filter's variance of every day for a batch of parameters theta (B, 5: omega, alpha, gamma, beta, delta)."""
    th = np.atleast_2d(theta)
    om, al, ga, be, de = (th[:, i] for i in range(5))
    V = np.empty((len(th), len(e)))
    v = np.clip(om + (al + ga / 2 + be) * v0, lo, hi)
    neg = e < 0
    e2 = e * e
    for t in range(len(e)):
        V[:, t] = v
        v = np.clip(om + (al + ga * neg[t]) * e2[t] + (be + de * x[t]) * v, lo, hi)
    return V


def loglik_days(theta, e, x, nu, lo, hi, v0, n):
    """Per-day Student-t (unit variance, the filter's nu) log-likelihood of the first n days, batch (B, n)."""
    V = variances(theta, e[:n], x[:n], lo, hi, v0)
    c = sp.gammaln((nu + 1) / 2) - sp.gammaln(nu / 2) - 0.5 * np.log(np.pi * (nu - 2))
    return c - 0.5 * np.log(V) - (nu + 1) / 2 * np.log1p(e[:n] ** 2 / ((nu - 2) * V))


class Asset:
    def __init__(self, p, r, split, x):
        self.p, self.split = p, split
        self.e = r - p["mu"]
        tr = r[:split]
        self.v0 = backcast(tr - tr.mean())
        self.lo, self.hi = p["sigma_floor"] ** 2, p["sigma_cap"] ** 2
        self.x = x

    def days(self, theta):
        return loglik_days(theta, self.e, self.x, self.p["nu"], self.lo, self.hi, self.v0, self.split)

    def stored(self, delta=0.0):
        p = self.p
        return np.array([p["omega"], p["alpha"], p["gamma"], p["beta"], delta])


def fit_delta(a):
    """Fit A: delta alone on the stored filter; (delta, sandwich s.e., LR, gain per day). A grid of step 0.0025
    first (the floor/cap clamp makes the profile kinked: a bare bounded search stopped in a local optimum), then a
    bounded search within one step of the best grid point."""
    grid = np.arange(-0.2, 0.4001, 0.0025)
    Lg = a.days(np.array([a.stored(d) for d in grid])).sum(1)
    g0 = grid[np.argmax(Lg)]
    f = lambda d: -a.days(a.stored(d)).sum()  # noqa: E731
    res = so.minimize_scalar(f, bounds=(g0 - 0.0025, g0 + 0.0025), method="bounded", options={"xatol": 1e-7})
    d, fun = (res.x, res.fun) if res.fun <= -Lg.max() else (g0, -Lg.max())
    h = 1e-3
    L = a.days(np.array([a.stored(d - h), a.stored(d), a.stored(d + h)]))
    score = (L[2] - L[0]) / (2 * h)
    hess = (L[2].sum() - 2 * L[1].sum() + L[0].sum()) / h ** 2
    se = np.sqrt(np.sum(score ** 2)) / abs(hess)
    l0 = a.days(a.stored(0.0)).sum()
    return d, se, 2 * (-fun - l0), (-fun - l0) / a.split


STEPS = np.array([1e-3, 1e-4, 1e-4, 1e-4, 1e-4])   # log omega, alpha, gamma, beta, delta


def to_theta(q):
    q = np.atleast_2d(q)
    return np.column_stack([np.exp(q[:, 0]), q[:, 1:]])


def fit_full(a, free_delta, start=None):
    """Fit B: omega, alpha, gamma, beta (and delta) by the same likelihood; (q, loglik, per-day scores, Hessian)."""
    P = 5 if free_delta else 4
    q0 = np.array([np.log(a.p["omega"]), a.p["alpha"], a.p["gamma"], a.p["beta"], 0.0]) if start is None else start.copy()
    bounds = [(np.log(a.p["omega"]) - 5, np.log(a.p["omega"]) + 5), (0, 0.5), (-0.3, 0.6), (0.2, 0.9995), (-0.3, 0.6)]

    def batch(q):
        Q = np.tile(q, (1 + 2 * P, 1))
        for i in range(P):
            Q[1 + 2 * i, i] += STEPS[i]
            Q[2 + 2 * i, i] -= STEPS[i]
        return a.days(to_theta(Q))

    def fg(qp):
        q = q0.copy()
        q[:P] = qp
        L = batch(q)
        g = np.array([(L[1 + 2 * i].sum() - L[2 + 2 * i].sum()) / (2 * STEPS[i]) for i in range(P)])
        return -L[0].sum(), -g

    res = so.minimize(fg, q0[:P], jac=True, method="L-BFGS-B", bounds=bounds[:P],
                      options={"maxiter": 400, "ftol": 1e-12, "gtol": 1e-6})
    q = q0.copy()
    q[:P] = res.x
    L = batch(q)
    scores = np.column_stack([(L[1 + 2 * i] - L[2 + 2 * i]) / (2 * STEPS[i]) for i in range(P)])
    H = np.empty((P, P))
    for j in range(P):
        qp, qm = q.copy(), q.copy()
        qp[j] += STEPS[j]
        qm[j] -= STEPS[j]
        Lp, Lm = batch(qp), batch(qm)
        gp = np.array([(Lp[1 + 2 * i].sum() - Lp[2 + 2 * i].sum()) / (2 * STEPS[i]) for i in range(P)])
        gm = np.array([(Lm[1 + 2 * i].sum() - Lm[2 + 2 * i].sum()) / (2 * STEPS[i]) for i in range(P)])
        H[:, j] = (gp - gm) / (2 * STEPS[j])
    H = (H + H.T) / 2
    return q, L[0].sum(), scores, H


def sandwich_se(scores, H, i):
    Hi = np.linalg.inv(-H)
    C = Hi @ (scores.T @ scores) @ Hi
    return float(np.sqrt(C[i, i]))


# ---------------------------------------------------------------- simulation

class Arm:
    """One arm's filters (K assets), its training-day sigma and standardized shocks, for the simulation."""

    def __init__(self, name, par, R, split, Zst, deltas, scales):
        K = R.shape[1]
        self.name, self.K, self.split = name, K, split
        self.kind = name if name in VARIANTS else None
        self.mu = np.array([p["mu"] for p in par])
        self.om, self.al, self.ga, self.be = (np.array([p[k] for p in par]) for k in ("omega", "alpha", "gamma", "beta"))
        self.lo = np.array([p["sigma_floor"] for p in par]) ** 2
        self.hi = np.array([p["sigma_cap"] for p in par]) ** 2
        self.de, self.scales = np.asarray(deltas, float), scales
        S = np.empty_like(R)
        state = np.zeros((len(R), K))            # the slow variant's EWMA before day t's update
        for k in range(K):
            a = Asset(par[k], R[:, k], split, None)
            if self.kind is None:
                x = np.zeros(len(R))
            else:
                x, _ = regressor(Zst, k, self.kind, scales[k] if self.kind == "neg" else None)
            if self.kind == "slow":
                state[1:, k] = x[:-1]
            th = np.array([par[k]["omega"], par[k]["alpha"], par[k]["gamma"], par[k]["beta"], self.de[k]])
            S[:, k] = np.sqrt(variances(th, a.e, x, a.lo, a.hi, a.v0)[0])
        self.S = S[:split]
        self.Z = ((R - self.mu) / S)[:split]
        self.state = state[:split]
        self.q = np.sort(self.S, axis=0)                         # training sigma quantiles per asset
        C = normal_score_corr(self.S)
        self.chol = np.linalg.cholesky(C)
        self.zq = np.sort(self.Z, axis=0)
        self.zchol = np.linalg.cholesky(normal_score_corr_z(self.Z))

    def quantile(self, U):
        n = len(self.q)
        x = np.clip(U, 0, 1) * (n - 1)
        i = np.minimum(x.astype(int), n - 2)
        k = np.arange(self.K)
        return self.q[i, k] + (x - i) * (self.q[i + 1, k] - self.q[i, k])

    def x_of(self, z, state):
        K = self.K
        if self.kind == "neg":
            n = (np.sum(z ** 2 * (z < 0), axis=1, keepdims=True) - z ** 2 * (z < 0)) / (K - 1)
            return n / self.scales - 1, state
        m = (np.sum(z ** 2, axis=1, keepdims=True) - z ** 2) / (K - 1) - 1
        if self.kind == "slow":
            state = DECAY * state + (1 - DECAY) * m
            return state, state
        return m, state

    def shocks(self, days, kind, nu, rng_seed):
        """The day's z: a whole-day bootstrap of the training z (`boot`), or the same marginals (each asset's training
        z quantiles) joined by a Gaussian copula (`gauss`) or a t copula with the model's copula nu (`t`), both with
        the training z's normal-score correlation: the one-day dependence without / with a t's common scale."""
        if kind == "boot":
            return self.Z[days]
        rng = np.random.default_rng(rng_seed + 500)
        if kind == "model":
            return self.model_z[rng.integers(0, len(self.model_z), size=days.shape)]
        if kind == "mixed":                   # the training days' ranks (their copula) through TGFL's z marginals
            n = len(self.Z)
            U = np.column_stack([st.rankdata(self.Z[:, k]) / (n + 1) for k in range(self.K)])[days]
            q = np.sort(self.model_z, axis=0)
            m = len(q)
            x = U * (m - 1)
            i = np.minimum(x.astype(int), m - 2)
            k = np.arange(self.K)
            return q[i, k] + (x - i) * (q[i + 1, k] - q[i, k])
        G = rng.standard_normal(days.shape + (self.K,)) @ self.zchol.T
        if kind == "gauss":
            U = st.norm.cdf(G)
        else:
            W = np.sqrt(nu / rng.chisquare(nu, size=days.shape))[..., None]
            U = st.t.cdf(G * W, nu)
        n = len(self.zq)
        x = U * (n - 1)
        i = np.minimum(x.astype(int), n - 2)
        k = np.arange(self.K)
        return self.zq[i, k] + (x - i) * (self.zq[i + 1, k] - self.zq[i, k])

    def simulate(self, P, H, start, rng_seed, shocks="boot", nu=None):
        rng = np.random.default_rng(rng_seed)
        days = rng.integers(0, self.split, size=(P, H))
        u0 = rng.random(P)
        g = rng.standard_normal((P, self.K))
        d0 = rng.integers(0, self.split, size=P)
        state = np.zeros((P, self.K))
        if start == "como":
            sig = self.quantile(np.repeat(u0[:, None], self.K, axis=1))
        elif start == "fitted":
            sig = self.quantile(st.norm.cdf(g @ self.chol.T))
        else:
            sig = self.S[d0].copy()
            state = self.state[d0].copy()
        Zd = self.shocks(days, shocks, nu, rng_seed)
        v = sig ** 2
        Y = np.empty((P, H, self.K))
        for t in range(H):
            z = Zd[:, t]
            e = np.sqrt(v) * z
            Y[:, t] = self.mu + e
            x, state = (np.zeros_like(z), state) if self.kind is None else self.x_of(z, state)
            v = np.clip(self.om + (self.al + self.ga * (z < 0)) * e * e + (self.be + self.de * x) * v, self.lo, self.hi)
        return Y, Zd


def model_z(d):
    """TGFL's own day shocks: the z of a comonotone-start run's unconditional set (`tgfl-bench joint`'s
    tgfl_unconditional.csv, drawn with seed + 1), sigma rebuilt exactly as generation runs it (day 0 from the path's
    first uniform through the stored start quantiles, then each asset's GJR step with omega times its variance
    calibration scale: joint_crisis_gap_diagnosis); the rebuilt market labels are checked against the CSV's."""
    info = json.load(open(d + "/model.json"))
    K = len(info["assets"])
    f = h5py.File(d + "/model.h5", "r")["joint"]
    if "start_dependence.correlations" in f or any("generation" in a for a in f.attrs):
        raise SystemExit(f"{d}: model_z rebuilds the comonotone start and the plain GJR step only")
    par = filters(f, K)
    scales = f["variance.omega_scales"][:] if "variance.omega_scales" in f else np.ones(K)
    gen = np.loadtxt(d + "/tgfl_unconditional.csv", delimiter=",", skiprows=1)
    P, H = len(np.unique(gen[:, 0])), len(np.unique(gen[:, 1]))
    X, lab = gen[:, 3:3 + K].reshape(P, H, K), gen[:, 2].astype(int)
    u = np.array([first_uniform(info["seed"] + 1, p) for p in range(P)])
    S = np.empty((P, H, K))
    for k, a in enumerate(par):
        lo, hi = a["sigma_floor"] ** 2, a["sigma_cap"] ** 2
        q = f[f"asset{k}.volatility.initial_log_sigma_quantiles"][:]
        v = np.clip(np.exp(2 * np.array([interp(q, x) for x in u])), lo, hi)
        for t in range(H):
            S[:, t, k] = np.sqrt(v)
            e = X[:, t, k] - a["mu"]
            v = np.clip(a["omega"] * scales[k] + (a["alpha"] + a["gamma"] * (e < 0)) * e * e + a["beta"] * v, lo, hi)
    Sf = S.reshape(-1, K)
    rebuilt = market(np.column_stack([np.searchsorted(np.asarray(info["regime_thresholds"][k]), Sf[:, k], side="right")
                                      for k in range(K)]))
    Z = ((X - np.array([a["mu"] for a in par])) / S).reshape(-1, K)
    return Z, float(np.mean(rebuilt == lab))


def zsq_corr(Z):
    """Mean pairwise same-day correlation of z^2 (the one-day co-movement of shock sizes)."""
    Z = Z.reshape(-1, Z.shape[-1])
    return float(np.corrcoef(Z ** 2, rowvar=False)[np.triu_indices(Z.shape[1], 1)].mean())


def normal_score_corr_z(Z):
    n = len(Z)
    G = np.column_stack([st.norm.ppf(st.rankdata(Z[:, k]) / (n + 1)) for k in range(Z.shape[1])])
    return np.corrcoef(G, rowvar=False)


def block_lambda(Y, a, b):
    P, H, K = Y.shape
    flat = Y.reshape(-1, K)
    n = len(flat)
    U = np.column_stack([st.rankdata(flat[:, k]) / (n + 1) for k in range(K)]).reshape(P, H, K)[:, a:b].reshape(-1, K)
    return float(np.mean([np.sum((U[:, i] <= .05) & (U[:, j] <= .05)) / max(np.sum(U[:, i] <= .05), 1)
                          for i in range(K) for j in range(K) if i != j]))


def comove(Y):
    sd = np.log(Y.std(1))
    return float(np.corrcoef(sd, rowvar=False)[np.triu_indices(Y.shape[2], 1)].mean())


def spill(Y):
    return float(np.mean([v[0] for v in block_xacf(Y, (1, 2, 3, 4, 5))]))


def measures(Y20, Z20, Y250, Cwhole, Ctrain):
    K = Y20.shape[2]
    C = np.corrcoef(Y20.reshape(-1, K), rowvar=False)
    return dict(lam=lower_tail(Y20.reshape(-1, K)), d0=block_lambda(Y20, 0, 5), d15=block_lambda(Y20, 15, 20),
                stat=lower_tail(Y250[:, 100:].reshape(-1, K)) if Y250 is not None else np.nan,
                como=comove(Y20), spill=spill(Y20), err=float(np.abs(C - Cwhole).max()),
                errt=float(np.abs(C - Ctrain).max()), zz=zsq_corr(Z20) if Z20 is not None else np.nan,
                zlam=lower_tail(Z20.reshape(-1, K)) if Z20 is not None else np.nan)


KEYS = ("lam", "d0", "d15", "stat", "como", "spill", "err", "errt", "zz", "zlam")


def row(label, runs):
    m = {k: np.mean([r[k] for r in runs]) for k in KEYS}
    sd = {k: np.std([r[k] for r in runs], ddof=1) if len(runs) > 1 else np.nan for k in KEYS}
    pm = lambda k, f: f"{m[k]:{f}}" + ("" if np.isnan(sd[k]) else f" ± {sd[k]:{f}}")  # noqa: E731
    return (f"| {label} | {pm('lam', '.3f')} | {m['d0']:.3f} / {m['d15']:.3f} | {pm('stat', '.3f')} | {pm('como', '.3f')} | "
            f"{pm('spill', '.3f')} | {m['err']:.4f} / {m['errt']:.4f} | {m['zz']:.3f} | {m['zlam']:.3f} |")


def model_rows(d, specs, Cwhole, Ctrain, K):
    """The same measures on TGFL's own generated sets (tgfl-bench's or `tgfl generate-joint`'s CSV; day 0-based or
    1-based, regime a number or a name)."""
    for spec in specs:
        label, path = spec.split("=", 1)
        gen = np.loadtxt(path, delimiter=",", skiprows=1, usecols=[0, 1] + list(range(3, 3 + K)))
        P, H = len(np.unique(gen[:, 0])), len(np.unique(gen[:, 1]))
        Y = gen[:, 2:].reshape(P, H, K)
        if H != 20:
            print(f"| TGFL {label}: days 100-249 lambda_L {lower_tail(Y[:, 100:].reshape(-1, K)):.3f} |")
            continue
        print(row(f"TGFL | {label}", [measures(Y, None, None, Cwhole, Ctrain)]))


def main():
    runs = []                                  # [RUNDIR, [LABEL=CSV, ...]]
    for arg in sys.argv[1:]:
        if "=" in arg:
            runs[-1][1].append(arg)
        else:
            runs.append([arg, []])
    for d, specs in runs:
        info = json.load(open(d + "/model.json"))
        K, split, names = len(info["assets"]), info["split_day"], info["assets"]
        real = np.loadtxt(d + "/real.csv", delimiter=",", skiprows=1)
        R = real[:, 2:]
        f = h5py.File(d + "/model.h5", "r")["joint"]
        par = filters(f, K)
        for k in range(K):
            par[k]["nu"] = float(f.attrs[f"asset{k}.volatility.nu"])
        S = filter_sigma(par, R, split)
        Zst = (R - np.array([p["mu"] for p in par])) / S
        print(f"== {d} ({info['bundled']}, K = {K}, {split} training days of {len(R)}; copula nu {info['copula_nu']})",
              flush=True)

        # a. the fits
        print("| asset | variant | A: delta ± robust s.e. (t) | A: LR (gain per day) | B: delta ± robust s.e. | B: LR |")
        print("|---|---|---|---|---|---|")
        deltas = {v: np.zeros(K) for v in VARIANTS}
        lrs = {v: [0.0, 0.0] for v in VARIANTS}
        scales = np.ones(K)
        for k in range(K):
            base = Asset(par[k], R[:, k], split, np.zeros(len(R)))
            assert np.allclose(np.sqrt(variances(base.stored(), base.e, base.x, base.lo, base.hi, base.v0)[0]), S[:, k])
            q0, l0, _, _ = fit_full(base, False)
            for v in VARIANTS:
                x, sc = regressor(Zst, k, v)
                if v == "neg":
                    scales[k] = sc
                a = Asset(par[k], R[:, k], split, x)
                dA, seA, lrA, gain = fit_delta(a)
                deltas[v][k] = dA
                q, l1, sc_, H = fit_full(a, True, start=np.r_[q0[:4], dA])
                lrs[v][0] += lrA
                lrs[v][1] += 2 * (l1 - l0)
                print(f"| {names[k]} | {v} | {dA:+.4f} ± {seA:.4f} ({dA / seA:+.1f}) | {lrA:.1f} ({gain:+.5f}) | "
                      f"{q[4]:+.4f} ± {sandwich_se(sc_, H, 4):.4f} | {2 * (l1 - l0):.1f} |", flush=True)

        for v in VARIANTS:
            print(f"| all {K} | {v} | | A: LR {lrs[v][0]:.1f}, chi2({K}) p = {st.chi2.sf(lrs[v][0], K):.3f} | | "
                  f"B: LR {lrs[v][1]:.1f}, p = {st.chi2.sf(lrs[v][1], K):.3f} |")

        # b. the simulation
        Cwhole, Ctrain = np.corrcoef(R, rowvar=False), np.corrcoef(R[:split], rowvar=False)
        B = R[:split][:(split // 20) * 20].reshape(-1, 20, K)
        print(f"real: lambda_L whole {lower_tail(R):.3f}, training {lower_tail(R[:split]):.3f}; training 20-day sigma "
              f"co-movement {comove(B):.3f}; training cross |r| lag 1-5 {spill(B):.3f}; training corr vs whole "
              f"{np.abs(Ctrain - Cwhole).max():.4f}; training z^2 same-day corr {zsq_corr(Zst[:split]):.3f}; training "
              f"rank corr of log sigma (stored filters) {mean_off(normal_score_corr(S[:split])):.3f}")
        arms = {"none": Arm("none", par, R, split, Zst, np.zeros(K), scales)}
        arms.update({v: Arm(v, par, R, split, Zst, deltas[v], scales) for v in VARIANTS})
        print("| set | filter | shocks | start | lambda_L 20-day | days 0-4 / 15-19 | days 100-249 | 20-day sigma "
              "co-movement | cross abs r lag 1-5 | corr err vs whole / training | z^2 same-day corr | z lambda_L |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        zspec = [x for x in specs if x.startswith("zmodel=")]
        model_rows(d, [x for x in specs if not x.startswith("zmodel=")], Cwhole, Ctrain, K)
        shock_kinds = ("boot", "model", "gauss", "t") if zspec else ("boot", "gauss", "t")
        if zspec:
            Zm, check = model_z(zspec[0].split("=", 1)[1])
            print(f"(TGFL's z from {zspec[0].split('=', 1)[1]}: {len(Zm)} days, market labels rebuilt {check:.4f} equal; "
                  f"z^2 same-day corr {zsq_corr(Zm):.3f}, z lambda_L {lower_tail(Zm):.3f}; training z: "
                  f"{zsq_corr(Zst[:split]):.3f}, {lower_tail(Zst[:split]):.3f})")
            for arm in arms.values():
                arm.model_z = Zm
        plan = [(a, s) for a in ("none", "sym") for s in shock_kinds] + [(a, "boot") for a in ("neg", "slow")]
        plan += [("none", "mixed")] if zspec else []
        for name, shocks in plan:
            arm = arms[name]
            for start in ("como", "fitted", "day"):
                res = []
                for s in SEEDS:
                    Y20, Z20 = arm.simulate(1000, 20, start, s, shocks, info["copula_nu"])
                    Y250, _ = arm.simulate(200, 250, start, 1000 + s, shocks, info["copula_nu"])
                    res.append(measures(Y20, Z20, Y250, Cwhole, Ctrain))
                print(row(f"proxy | {name} | {shocks} | {start}", res), flush=True)


if __name__ == "__main__":
    main()
