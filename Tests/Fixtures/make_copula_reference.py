#!/usr/bin/env python3
"""Writes Tests/Fixtures/copula_reference.json: golden values for TGFLStats.StudentTCopula
(the t copula of the joint sampler, issue 17 session 8).

References: scipy.stats.multivariate_t (draws, logpdf, cdf), scipy.stats.t (ppf, logpdf, cdf),
scipy.stats.multivariate_normal, scipy.stats.norm, numpy.corrcoef, scipy.integrate.quad. Run:

    /work/pyref/bin/python Tests/Fixtures/make_copula_reference.py

1. fit: 1,500 draws of a 3-variate t copula (R_true, nu = 5, seed SEED), then the two-step fit
   (R = corrcoef of the normal scores; log-likelihood sum_t log c(v_t; R, nu) on the grid, and
   the Gaussian copula's with the same R), the chosen nu (Gaussian when it beats every nu).
2. histogram pseudo-observations of two columns on fixed edges (the linear-in-bin CDF).
3. log c(v) at a few points, t and Gaussian.
4. tail dependence: the closed form lambda = 2 t_{nu+1}(-sqrt((nu+1)(1-rho)/(1+rho))) and the exact
   finite-level C(q, q)/q from the bivariate t / normal CDF, for the sampling test.
5. fit with R given (session 9; only nu is estimated, as the joint model fits its copula with
   R = I), 1,200 draws each from its own generator (seed
   SEED + 9, so sections 1-4 are unchanged): "identity", a 4-variate t copula with R = I, nu = 6,
   fitted with R = I; "given", a 3-variate one with R_true, nu = 4, fitted with R = R_true. The
   log-likelihood of every nu, the Gaussian copula's, the chosen nu, and the normal-score
   correlation (what the fit without a given R uses).
"""
import json
import os

import numpy as np
import scipy
import scipy.stats as st
from scipy.integrate import quad

SEED = 20261206
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "copula_reference.json")
GRID = [2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100]   # StudentTCopula.defaultGrid


def fl(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def t_copula_logdensity(v, R, nu):
    """sum over rows of log c(v; R, nu), v: (n, K)."""
    y = st.t.ppf(v, nu)
    joint = st.multivariate_t.logpdf(y, loc=np.zeros(R.shape[0]), shape=R, df=nu)
    return joint - st.t.logpdf(y, nu).sum(axis=1)


def gaussian_copula_logdensity(v, R):
    y = st.norm.ppf(v)
    joint = st.multivariate_normal.logpdf(y, mean=np.zeros(R.shape[0]), cov=R)
    return joint - st.norm.logpdf(y).sum(axis=1)


rng = np.random.default_rng(SEED)
ref = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__}, "seed": SEED}

# ------------------------------------------------------------------ 1. the two-step fit
R_true = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]])
NU_TRUE = 5.0
x = st.multivariate_t.rvs(loc=np.zeros(3), shape=R_true, df=NU_TRUE, size=1500, random_state=rng)
v = st.t.cdf(x, NU_TRUE)
scores = st.norm.ppf(v)
R = np.corrcoef(scores, rowvar=False)
lls = [float(t_copula_logdensity(v, R, nu).sum()) for nu in GRID]
gll = float(gaussian_copula_logdensity(v, R).sum())
best = int(np.argmax(lls))
ref["fit"] = {"v": [fl(v[:, k]) for k in range(3)], "grid": GRID, "correlation": fl(R),
              "log_likelihoods": lls, "gaussian_log_likelihood": gll,
              "nu": GRID[best] if lls[best] > gll else None, "true_nu": NU_TRUE, "true_correlation": fl(R_true)}

# ------------------------------------------------------------------ 2. histogram pseudo-observations
edges = np.linspace(-3.0, 3.0, 25)
cols = [st.t.rvs(4, size=300, random_state=rng) * 0.8, rng.normal(size=300)]
pseudo = []
for c in cols:
    n = len(c)
    b = np.clip(np.searchsorted(edges, c, side="right") - 1, 0, len(edges) - 2)   # last b with e_b <= x
    counts = np.bincount(b, minlength=len(edges) - 1).astype(float)
    below = np.concatenate([[0.0], np.cumsum(counts)[:-1]])
    f = np.clip((c - edges[b]) / (edges[b + 1] - edges[b]), 0, 1)
    pseudo.append(fl(np.clip((below[b] + counts[b] * f) / n, 0.5 / n, 1 - 0.5 / n)))
ref["histogram"] = {"edges": fl(edges), "columns": [fl(c) for c in cols], "pseudo_observations": pseudo}

# ------------------------------------------------------------------ 3. log densities at points
points = np.array([[0.5, 0.5, 0.5], [0.01, 0.02, 0.2], [0.99, 0.4, 0.001], [0.3, 0.7, 0.95]])
ref["log_density"] = {"correlation": fl(R_true), "points": [fl(p) for p in points],
                      "nu": 4.0, "t": fl(t_copula_logdensity(points, R_true, 4.0)),
                      "gaussian": fl(gaussian_copula_logdensity(points, R_true))}

# ------------------------------------------------------------------ 4. tail dependence
cases = []
for rho, nu in [(0.5, 4.0), (0.0, 3.0), (0.5, None)]:
    Rb = np.array([[1.0, rho], [rho, 1.0]])
    lam = 0.0 if nu is None else float(2 * st.t.cdf(-np.sqrt((nu + 1) * (1 - rho) / (1 + rho)), nu + 1))
    exact = {}
    for q in [0.05, 0.01, 0.001]:
        if nu is None:
            a = st.norm.ppf(q)
            c = st.multivariate_normal.cdf([a, a], mean=[0, 0], cov=Rb, abseps=1e-12, releps=1e-10)
        else:
            a = st.t.ppf(q, nu)
            # P(X1 <= a, X2 <= a) = int_{-inf}^a f_nu(x) P(X2 <= a | X1 = x) dx, where
            # X2 | X1 = x ~ t_{nu+1}(rho x, sqrt((nu + x^2)(1 - rho^2)/(nu + 1))) (exact, one-dimensional).
            def integrand(x1):
                scale = np.sqrt((nu + x1 * x1) * (1 - rho * rho) / (nu + 1))
                return st.t.pdf(x1, nu) * st.t.cdf((a - rho * x1) / scale, nu + 1)
            c = quad(integrand, -np.inf, a, epsabs=1e-14, epsrel=1e-12, limit=500)[0]
        exact[str(q)] = float(c / q)
    cases.append({"rho": rho, "nu": nu, "lambda": lam, "conditional_at_q": exact})
ref["tail_dependence"] = cases

# ------------------------------------------------------------------ 5. fit with R given
rng5 = np.random.default_rng(SEED + 9)
fixed = {}
for name, R5, nu_true in [("identity", np.eye(4), 6.0),
                          ("given", np.array([[1.0, 0.3, -0.2], [0.3, 1.0, 0.1], [-0.2, 0.1, 1.0]]), 4.0)]:
    x5 = st.multivariate_t.rvs(loc=np.zeros(R5.shape[0]), shape=R5, df=nu_true, size=1200, random_state=rng5)
    v5 = st.t.cdf(x5, nu_true)
    lls5 = [float(t_copula_logdensity(v5, R5, nu).sum()) for nu in GRID]
    gll5 = float(gaussian_copula_logdensity(v5, R5).sum())
    best5 = int(np.argmax(lls5))
    fixed[name] = {"v": [fl(v5[:, k]) for k in range(R5.shape[0])], "correlation": fl(R5), "true_nu": nu_true,
                   "log_likelihoods": lls5, "gaussian_log_likelihood": gll5,
                   "nu": GRID[best5] if lls5[best5] > gll5 else None,
                   "normal_score_correlation": fl(np.corrcoef(st.norm.ppf(v5), rowvar=False))}
ref["fixed_correlation"] = {"grid": GRID, "cases": fixed}

with open(OUT, "w") as f:
    json.dump(ref, f, indent=1)
print("wrote", OUT, "; fit nu =", ref["fit"]["nu"], "; lambdas", [(c["lambda"], c["conditional_at_q"]) for c in cases])
