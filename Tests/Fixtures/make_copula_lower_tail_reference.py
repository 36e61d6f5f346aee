#!/usr/bin/env python3
"""Writes Tests/Fixtures/copula_lower_tail_reference.json: golden values for the lower-tail fit of
TGFLStats.StudentTCopula (`independentLowerTailCoefficient`, `empiricalLowerTailCoefficient`,
`fitLowerTail`; issue 17, session 23). References: scipy.integrate.quad, scipy.stats.t, numpy. Run:

    /work/pyref/bin/python Tests/Fixtures/make_copula_lower_tail_reference.py

1. coefficients: the exact C(q, q)/q of a bivariate t copula with rho = 0 for every nu of the grid and
   q = 0.05, 0.1, by quadrature over the first variable (X2 | X1 = x is t_{nu+1} scaled by
   sqrt((nu + x^2)/(nu + 1))): C(q, q) = int_{-inf}^{a} f_nu(x) T_{nu+1}(a / sqrt((nu + x^2)/(nu + 1))) dx,
   a = t_nu^-1(q). (TGFL integrates over the common chi^2 scale instead: a different route.)
2. fit: 3,000 days of 4 variables (seed SEED): on each day with probability 0.12 a Clayton(theta = 1)
   draw (lower-tail dependence only), else a t copula with R = I, nu = 20. The pseudo-observations v
   are the columns' ranks / (n + 1). Stored: v, the mean over ordered pairs of #{v_i <= q, v_j <= q} /
   #{v_i <= q} at q = 0.05, the grid value whose coefficient is nearest (the Gaussian copula, q, when
   it is nearer; ties to the larger nu), and the maximum-likelihood nu of a t copula with R = I on the
   same v (what the likelihood rule picks), which differs.
"""
import json
import os

import numpy as np
import scipy
import scipy.stats as st
from scipy.integrate import quad
from scipy.special import gammaln

SEED = 20261207
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "copula_lower_tail_reference.json")
GRID = [2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100]   # StudentTCopula.defaultGrid


def coefficient(nu, q):
    a = st.t.ppf(q, nu)
    f = lambda x: st.t.pdf(x, nu) * st.t.cdf(a / np.sqrt((nu + x * x) / (nu + 1)), nu + 1)
    return quad(f, -np.inf, a, epsabs=1e-14, epsrel=1e-12, limit=500)[0] / q


def empirical(v, q):
    K = v.shape[1]
    low = v <= q
    vals = [np.sum(low[:, i] & low[:, j]) / np.sum(low[:, i]) for i in range(K) for j in range(K) if i != j]
    return float(np.mean(vals))


def t_loglik(v, nu):
    y = st.t.ppf(v, nu)
    K = v.shape[1]
    return float(np.sum(gammaln((nu + K) / 2) - gammaln(nu / 2) - K / 2 * np.log(nu * np.pi)
                        - (nu + K) / 2 * np.log1p((y * y).sum(1) / nu) - st.t.logpdf(y, nu).sum(1)))


def gauss_loglik(v):
    y = st.norm.ppf(v)
    return 0.0 * float(np.sum(y))      # R = I: log c = 0


ref = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__}, "seed": SEED, "grid": GRID}
ref["coefficients"] = {str(q): [coefficient(nu, q) for nu in GRID] for q in (0.05, 0.1)}

rng = np.random.default_rng(SEED)
n, K = 3000, 4
x = rng.standard_normal((n, K)) / np.sqrt(rng.chisquare(20, n) / 20)[:, None]
v = st.t.cdf(x, 20)
g = rng.gamma(1.0, 1.0, n)
clayton = (1 + rng.exponential(1.0, (n, K)) / g[:, None]) ** -1.0
pick = rng.random(n) < 0.12
v[pick] = clayton[pick]
v = np.column_stack([st.rankdata(v[:, k]) / (n + 1) for k in range(K)])
lam = empirical(v, 0.05)
coefs = ref["coefficients"]["0.05"]
best_nu, best_d = None, abs(0.05 - lam)
for nu, c in zip(GRID, coefs):
    d = abs(c - lam)
    if d < best_d or (d == best_d and best_nu is not None and nu > best_nu):
        best_nu, best_d = nu, d
lls = [t_loglik(v, nu) for nu in GRID]
ml = GRID[int(np.argmax(lls))] if max(lls) > gauss_loglik(v) else None
ref["fit"] = {"v": [[float(a) for a in v[:, k]] for k in range(K)], "q": 0.05, "empirical": lam,
              "nu": best_nu, "likelihood_nu": ml}
assert best_nu != ml, (best_nu, ml)
with open(OUT, "w") as f:
    json.dump(ref, f)
print(f"wrote {OUT}: empirical {lam:.4f}, lower-tail nu {best_nu}, likelihood nu {ml}")
