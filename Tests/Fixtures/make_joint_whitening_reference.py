#!/usr/bin/env python3
"""Reference values for the per-regime whitening of the joint model (issue 17, session 13;
Tests/TGFLCoreTests/JointWhiteningTests.swift).

`JointDataModels.regimeWhitening` must give, for standardised returns z (one column per asset)
and the market regime of each day,

    L_g = numpy.linalg.cholesky(numpy.cov(z[rows_g], rowvar=False))     (divisor n - 1)
    rows_g = the days of regime g; a regime with fewer than 30 days adds the days of regimes
             g-1, g-2, ... until it has 30 (all days at worst)

so that u = L_g^-1 z has the identity covariance on each regime's days. The z are drawn here
(NumPy, seed 13) with a scale and a correlation of their own per regime — the calm regime wide
and less correlated, the crisis regime thin (std 0.7-0.85, as eu_stocks' crisis days under
their GJR filters) and more correlated, with only 20 days, so it is pooled with the volatile
regime's — and the factors of the correlation (the rule before session 13) are written too,
for the test that shows the two differ.

Session 17, the return-correlation rule (`regimeWhitening(..., sigmas:)`), a second data set
(NumPy, seed 17) whose z correlation rises with sigma inside each regime (days with a high common
sigma factor have correlation 0.9, the others 0.5, as on eu_stocks' crisis days):

    A_g = cov(sigma * z [rows_g]) / mean(sigma_i sigma_j [rows_g])      (elementwise; r - mu = sigma z)
    P_g = corr(A_g) = rho^r_ij / m_ij,  m_ij = mean(s_i s_j) / sqrt(mean s_i^2 mean s_j^2)
    C_g = diag(d) P_g diag(d),  d_i = sqrt(var z_i [rows_g])            (each z variance kept)
    L_g = numpy.linalg.cholesky(C_g)

The file also holds rho^r (numpy.corrcoef of sigma * z on the rows) and m, so that the test can
check the property the rule is for: m_ij corr(L_g L_g')_ij = rho^r_ij.

Session 18, the two-factor rule (`regimeFactors(..., rule: .twoFactor)`), on the same data: the
training days are encoded with the covariance factor Lc_g and generation maps white u back with the
return-correlation factor L_g. Written: per regime the covariance of u = L^-1 z on the rows the
factors were fitted on, under the single return-correlation factor (session 17, which encodes and
generates with L_g: not the identity) and under the two-factor encoding (Lc_g: the identity), and
the covariance L_g L_g' that white u give back through the generation factor (its diagonal: the
regime's z variances).

Run: /work/pyref/bin/python Tests/Fixtures/make_joint_whitening_reference.py   (needs numpy)
"""
import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "joint_whitening_reference.json"
MIN_DAYS = 30    # JointDataModels.minimumRegimeDays


def main():
    rng = np.random.default_rng(13)
    K = 3
    days = [300, 200, 60, 20]                       # calm, normal, volatile, crisis
    stds = [[1.10, 1.05, 0.98], [1.0, 1.0, 1.0], [1.03, 1.08, 1.10], [0.84, 0.77, 0.72]]
    rhos = [0.45, 0.55, 0.65, 0.8]
    labels = np.concatenate([np.full(n, g) for g, n in enumerate(days)])
    labels = labels[rng.permutation(labels.size)]
    Z = np.empty((labels.size, K))
    for g in range(len(days)):
        C = np.full((K, K), rhos[g]); np.fill_diagonal(C, 1)
        S = np.diag(stds[g]) @ C @ np.diag(stds[g])
        m = labels == g
        Z[m] = rng.multivariate_normal(np.zeros(K), S, size=m.sum())
    cov_l, corr_l, rows_used = [], [], []
    for g in range(len(days)):
        lowest, rows = g, labels == g
        while rows.sum() < MIN_DAYS and lowest > 0:
            lowest -= 1
            rows = (labels >= lowest) & (labels <= g)
        cov_l.append(np.linalg.cholesky(np.cov(Z[rows], rowvar=False)).ravel().tolist())
        corr_l.append(np.linalg.cholesky(np.corrcoef(Z[rows], rowvar=False)).ravel().tolist())
        rows_used.append(int(rows.sum()))
    out = {"z": Z.T.tolist(), "labels": labels.tolist(), "regimes": len(days), "covariance_cholesky": cov_l,
           "correlation_cholesky": corr_l, "rows": rows_used, "return_correlation": return_correlation_case()}
    OUT.write_text(json.dumps(out))
    print(f"wrote {OUT}: {labels.size} days, rows per regime {rows_used}")


def return_correlation_case():
    """Session 17: z whose correlation rises with sigma inside each regime, their sigma, labels and
    the return-correlation rule's factors (see the module docstring)."""
    rng = np.random.default_rng(17)
    K = 3
    days = [240, 150, 70, 25]                       # the crisis regime pools with the volatile one
    labels = np.concatenate([np.full(n, g) for g, n in enumerate(days)])
    labels = labels[rng.permutation(labels.size)]
    n = labels.size
    level = 0.006 * 1.5 ** labels                    # each regime's sigma level
    common = np.exp(0.35 * rng.standard_normal(n))   # the day's common sigma factor
    S = level[:, None] * common[:, None] * np.exp(0.1 * rng.standard_normal((n, K)))
    Z = np.empty((n, K))
    for t in range(n):
        rho = 0.9 if common[t] > 1.2 else 0.5
        C = np.full((K, K), rho); np.fill_diagonal(C, 1)
        Z[t] = np.linalg.cholesky(C) @ rng.standard_normal(K)
    factors, covariance_factors, rho_r, mixing, rows_used = [], [], [], [], []
    single_u, encoded_u, generated_z, z_variance = [], [], [], []
    for g in range(len(days)):
        lowest, rows = g, labels == g
        while rows.sum() < MIN_DAYS and lowest > 0:
            lowest -= 1
            rows = (labels >= lowest) & (labels <= g)
        z, s = Z[rows], S[rows]
        cz = np.cov(z, rowvar=False)
        M = s.T @ s / rows.sum()
        A = np.cov(s * z, rowvar=False) / M
        P = A / np.sqrt(np.outer(np.diag(A), np.diag(A)))
        d = np.sqrt(np.diag(cz))
        C = np.outer(d, d) * P
        factors.append(np.linalg.cholesky(C).ravel().tolist())
        covariance_factors.append(np.linalg.cholesky(cz).ravel().tolist())
        rho_r.append(np.corrcoef(s * z, rowvar=False).ravel().tolist())
        mixing.append((M / np.sqrt(np.outer(np.diag(M), np.diag(M)))).ravel().tolist())
        rows_used.append(int(rows.sum()))
        L, Lc = np.linalg.cholesky(C), np.linalg.cholesky(cz)
        single_u.append(np.cov(np.linalg.solve(L, z.T), rowvar=True).ravel().tolist())
        encoded_u.append(np.cov(np.linalg.solve(Lc, z.T), rowvar=True).ravel().tolist())
        generated_z.append((L @ L.T).ravel().tolist())
        z_variance.append(np.var(z, axis=0, ddof=1).tolist())
    return {"z": Z.T.tolist(), "sigmas": S.T.tolist(), "labels": labels.tolist(), "regimes": len(days),
            "cholesky": factors, "covariance_cholesky": covariance_factors, "return_correlation": rho_r,
            "mixing": mixing, "rows": rows_used,
            "two_factor": {"single_factor_u_covariance": single_u, "encoded_u_covariance": encoded_u,
                           "generated_z_covariance": generated_z, "z_variance": z_variance}}


if __name__ == "__main__":
    main()
