#!/usr/bin/env python3
"""The training days' z and whitened u of a `tgfl-bench joint` output directory, in NumPy, for the
joint diagnosis scripts (joint_copula_check.py, joint_lower_tail_check.py,
joint_regime_copula_check.py, joint_regime_shock_check.py, joint_correlation_diagnosis.py).

These helpers lived in joint_es_diagnosis.py until session 19 rewrote that script (bd25f82) and
left its importers broken; session 23 moved them here unchanged, except that the encoding factor now
follows every whitening rule a model.json can name:

    correlation          L_g = chol(corr z_g)        (before session 13)
    covariance           L_g = chol(cov z_g)         (sessions 13–16)
    two_factor           L_g = chol(cov z_g)         (since session 18: days are encoded with the
                                                      covariance factor; generation maps back with the
                                                      return-correlation one)
    return_correlation   not reproduced here (session 17's rule needs each regime's return
                         correlation and σ moments): refused by name.

z_t = (r_t − μ) / σ_t with σ_t from the model's GJR-GARCH(1,1) recursion (arch's backcast), clipped
to the model's σ floor and cap; regime g's factor is fitted on its training days, pooled with the next
calmer regimes while fewer than 30 days (as TGFL whitens).
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from joint_baselines import lower_tail  # noqa: E402,F401  (the benchmark's own coefficient; re-exported)


def filter_sigma(r, p, split):
    """GJR-GARCH(1,1) variance recursion with the model's parameters, backcast from the
    training days (arch's backcast: exponentially weighted mean of the first squared residuals)."""
    e = r - p["mu"]
    w = 0.94 ** np.arange(75)
    back = float(np.sum(w * e[:75] ** 2) / np.sum(w))
    h = np.empty_like(r)
    h[0] = back
    for t in range(1, len(r)):
        a = p["alpha"] + (p["gamma"] if e[t - 1] < 0 else 0.0)
        h[t] = p["omega"] + a * e[t - 1] ** 2 + p["beta"] * h[t - 1]
    return np.clip(np.sqrt(h), p["sigma_floor"], p["sigma_cap"])


def whitening_factor(Zg, covariance=False):
    """TGFL's encoding factor L_g from a regime's z: the Cholesky factor of their covariance or
    of their correlation."""
    return np.linalg.cholesky(np.cov(Zg, rowvar=False) if covariance else np.corrcoef(Zg, rowvar=False))


def covariance_whitening(info):
    """Whether a model.json's whitening rule encodes with the covariance factor (see the table above)."""
    rule = info.get("whitening", "correlation")
    if rule == "return_correlation":
        raise SystemExit("joint_training_u: model.json's whitening 'return_correlation' (session 17) is not "
                         "reproduced by these NumPy helpers; use a model trained with --whitening two-factor "
                         "or covariance")
    if rule not in ("correlation", "covariance", "two_factor"):
        raise SystemExit(f"joint_training_u: unknown whitening rule {rule!r} in model.json")
    return rule in ("covariance", "two_factor")


def whitened_training_u(Z, labels, split, regimes, covariance=False):
    """u = L_g^-1 z on the training days, L_g the encoding factor of market regime g's training
    days (pooled with the next calmer regimes while fewer than 30 days), as TGFL whitens."""
    tl = labels[:split]
    U = np.empty((split, Z.shape[1]))
    for g in range(regimes):
        gs = [g]
        while np.isin(tl, gs).sum() < 30 and gs[-1] > 0:
            gs.append(gs[-1] - 1)
        L = whitening_factor(Z[:split][np.isin(tl, gs)], covariance)
        m = tl == g
        U[m] = np.linalg.solve(L, Z[:split][m].T).T
    return U


def load_training_z(d):
    """model.json, the real days (labels, returns X) and every day's z under the model's filters
    of a `tgfl-bench joint` directory."""
    info = json.load(open(os.path.join(d, "model.json")))
    real = np.loadtxt(os.path.join(d, "real.csv"), delimiter=",", skiprows=1)
    labels, X = real[:, 1].astype(int), real[:, 2:]
    S = np.column_stack([filter_sigma(X[:, k], info["garch"][k], info["split_day"]) for k in range(X.shape[1])])
    mu = np.array([p["mu"] for p in info["garch"]])
    return info, labels, X, (X - mu) / S


def load_training_u(d):
    """model.json, the real days (labels, returns X) and the training days' whitened u of a
    `tgfl-bench joint` directory."""
    info, labels, X, Z = load_training_z(d)
    U = whitened_training_u(Z, labels, info["split_day"], len(info["regime_names"]), covariance_whitening(info))
    return info, labels, X, U
