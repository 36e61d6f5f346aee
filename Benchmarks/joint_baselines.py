#!/usr/bin/env python3
"""Issue 17 benchmark: joint scenarios of several assets, scored against the real data and
three baselines fitted on the same training days (the first 80 % of the file).

Input: the directory written by `tgfl-bench joint --bundled NAME --out DIR` (real.csv with the
market regime of every day from the TGFL model's own filters, TGFL's unconditional and
per-regime scenarios, model.json). Run:

    /work/pyref/bin/python Benchmarks/joint_baselines.py DIR [--seed 1]

Methods
- TGFL: the joint model (interleaved stream).
- CCC-GARCH-n / CCC-GARCH-t (Bollerslev 1990): each asset's GJR-GARCH(1,1)-t fitted with
  `arch` on the training days; constant correlation P of the standardised residuals; simulated
  innovations z = L e with e normal (CCC-n) or multivariate Student t (CCC-t, nu = mean of the
  assets' nu, scaled to unit variance). Paths start from the filtered variances of a random
  training day. Days are labelled with the TGFL regime rule (each asset's thresholds from
  model.json on its simulated sigma, market = lower median).
- DCC-GARCH-n / DCC-GARCH-t (Engle 2002): the same univariate fits; DCC(1,1) on their
  standardised residuals eps, Q_t = (1 - a - b) Qbar + a eps_{t-1} eps_{t-1}' + b Q_{t-1},
  R_t = diag(Q_t)^-1/2 Q_t diag(Q_t)^-1/2, (a, b) by maximising the correlation part of the
  Gaussian quasi-likelihood, -1/2 sum_t (log|R_t| + eps_t' R_t^-1 eps_t) (the second step of
  Engle's two-step estimator; a committed NumPy implementation, `fit_dcc`). Paths start from the
  filtered variances and Q of a random training day; innovations as CCC-n / CCC-t.
- Bootstrap: i.i.d. draws of whole training days (keeps their real labels).
- Independent: TGFL's own scenarios with each asset's paths permuted (the marginals of
  independent single-asset models, no dependence between assets).

Metrics (real = every day of the file, labels from real.csv)
- corr max|err|: largest absolute error of the correlation matrix of all generated days
  against the real full-sample matrix (target <= 0.05).
- calm/crisis corr: mean off-diagonal correlation over days labelled calm (0) / crisis
  (the top regime; if it has < 60 real days, volatile+crisis). Target: crisis > calm and the
  gap within 50 % of the real gap.
- lambda_L: mean over pairs of the empirical lower tail dependence at q = 0.05 (target: closer
  to real than CCC).
- ES 1 % per regime: equal-weight portfolio, one-day simple return sum_k w_k (e^{r_k} - 1);
  ES = -mean of returns <= the 1 % quantile (numpy 'linear'); target within 20 % of the real
  regime days' ES.

The same real statistics are also computed on the training days alone (`real_train` in
joint_scores.json, and every method's correlation error against the training days' matrix,
`corr_max_abs_err_train`): the issue scores against the whole file, whose held-out 20 % no model
fitted on the first 80 % sees; `joint_cells.py --against training` counts the cells against the
training span instead, as the single-asset protocol's "fair" comparisons do (session 25).
"""
import argparse
import json
import os

import numpy as np
import scipy.stats as st
from arch import arch_model


def read(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    return header, data


def corr(X):
    return np.corrcoef(X, rowvar=False)


def mean_off(R):
    K = R.shape[0]
    return float(R[np.triu_indices(K, 1)].mean())


def lower_tail(X, q=0.05):
    n, K = X.shape
    U = np.column_stack([st.rankdata(X[:, k]) / (n + 1) for k in range(K)])
    vals = []
    for i in range(K):
        for j in range(K):
            if i != j:
                vals.append(np.sum((U[:, i] <= q) & (U[:, j] <= q)) / np.sum(U[:, i] <= q))
    return float(np.mean(vals))


def es(x, a=0.01):
    q = np.quantile(x, a)
    return float(-x[x <= q].mean())


def portfolio(X):
    K = X.shape[1]
    return (np.exp(X) - 1).mean(axis=1)


def market_labels(S, thresholds):
    """S: (n, K) sigmas; thresholds: K lists of R-1 values -> lower-median label per day."""
    n, K = S.shape
    lab = np.column_stack([np.searchsorted(np.asarray(thresholds[k]), S[:, k], side="right") for k in range(K)])
    return np.sort(lab, axis=1)[:, (K - 1) // 2]


def fit_ccc(train):
    K = train.shape[1]
    params, sig = [], []
    for k in range(K):
        res = arch_model(100 * train[:, k], mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="t").fit(disp="off")
        p = res.params
        params.append(dict(mu=p["mu"] / 100, omega=p["omega"] / 1e4, alpha=p["alpha[1]"], gamma=p["gamma[1]"],
                           beta=p["beta[1]"], nu=p["nu"]))
        sig.append(np.asarray(res.conditional_volatility) / 100)
    sig = np.column_stack(sig)
    mu = np.array([p["mu"] for p in params])
    Z = (train - mu) / sig
    return params, sig, np.corrcoef(Z, rowvar=False)


def dcc_filter(Z, a, b):
    """Q_t of DCC(1,1) on standardised residuals Z (n, K), Q_0 = Qbar = mean of z z'."""
    n, K = Z.shape
    Qbar = Z.T @ Z / n
    Q = np.empty((n, K, K))
    Q[0] = Qbar
    for t in range(1, n):
        Q[t] = (1 - a - b) * Qbar + a * np.outer(Z[t - 1], Z[t - 1]) + b * Q[t - 1]
    return Q, Qbar


def dcc_nll(theta, Z):
    a, b = theta
    if a < 0 or b < 0 or a + b >= 0.999:
        return 1e10
    Q, _ = dcc_filter(Z, a, b)
    d = 1 / np.sqrt(np.einsum("tkk->tk", Q))
    R = Q * d[:, :, None] * d[:, None, :]
    sign, logdet = np.linalg.slogdet(R)
    quad = np.einsum("tk,tk->t", Z, np.linalg.solve(R, Z[:, :, None])[:, :, 0])
    return 0.5 * float(np.sum(logdet + quad))


def fit_dcc(Z):
    """(a, b) of DCC(1,1) by the second step of Engle's two-step QML (Nelder-Mead from a grid start)."""
    from scipy.optimize import minimize
    starts = [(a, b) for a in (0.01, 0.03, 0.06) for b in (0.85, 0.93, 0.97) if a + b < 0.999]
    best = min(starts, key=lambda s: dcc_nll(s, Z))
    res = minimize(dcc_nll, best, args=(Z,), method="Nelder-Mead", options=dict(xatol=1e-5, fatol=1e-4, maxiter=400))
    return float(res.x[0]), float(res.x[1])


def gjr_coefficients(params):
    """The per-asset arrays (mu, omega, alpha, gamma, beta) of the univariate GJR-GARCH fits."""
    return tuple(np.array([p[k] for p in params]) for k in ("mu", "omega", "alpha", "gamma", "beta"))


def student_t(e, nu, rng):
    """Unit-variance multivariate Student t innovations (nu degrees of freedom) from normal e."""
    w = rng.chisquare(nu, size=(e.shape[0], 1)) / nu
    return e / np.sqrt(w) * np.sqrt((nu - 2) / nu)


def gjr_day(e, h, coefficients):
    """One simulated day: returns r = mu + sqrt(h) e, sigma = sqrt(h) and the next variance
    omega + (alpha + gamma [eps < 0]) eps^2 + beta h."""
    mu, om, al, ga, be = coefficients
    s = np.sqrt(h)
    eps = s * e
    return mu + eps, s, om + (al + ga * (eps < 0)) * eps ** 2 + be * h


def simulate_dcc(params, sig, Z, a, b, paths, horizon, rng, t_innovations):
    """Like simulate_ccc, with the DCC correlation: Q of a random training day, updated by the
    simulated standardised residuals."""
    K = len(params)
    Qf, Qbar = dcc_filter(Z, a, b)
    nu = float(np.mean([p["nu"] for p in params]))
    start = rng.integers(0, sig.shape[0], size=paths)
    h = sig[start] ** 2
    Q = Qf[start].copy()
    coefficients = gjr_coefficients(params)
    R = np.empty((paths, horizon, K)); S = np.empty((paths, horizon, K))
    for d in range(horizon):
        dq = 1 / np.sqrt(np.einsum("pkk->pk", Q))
        C = np.linalg.cholesky(Q * dq[:, :, None] * dq[:, None, :])
        e = np.einsum("pij,pj->pi", C, rng.standard_normal((paths, K)))
        if t_innovations:
            e = student_t(e, nu, rng)
        R[:, d], S[:, d], h = gjr_day(e, h, coefficients)
        Q = (1 - a - b) * Qbar + a * np.einsum("pi,pj->pij", e, e) + b * Q
    return R, S


def simulate_ccc(params, sig, P, paths, horizon, rng, t_innovations):
    K = len(params)
    L = np.linalg.cholesky(P)
    nu = float(np.mean([p["nu"] for p in params]))
    start = rng.integers(0, sig.shape[0], size=paths)
    h = sig[start] ** 2                                   # (paths, K)
    coefficients = gjr_coefficients(params)
    R = np.empty((paths, horizon, K)); S = np.empty((paths, horizon, K))
    for d in range(horizon):
        e = rng.standard_normal((paths, K)) @ L.T
        if t_innovations:
            e = student_t(e, nu, rng)
        R[:, d], S[:, d], h = gjr_day(e, h, coefficients)
    return R, S


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    info = json.load(open(os.path.join(args.dir, "model.json")))
    names, K, split = info["assets"], len(info["assets"]), info["split_day"]
    thresholds = info["regime_thresholds"]
    R_names = info["regime_names"]
    _, real = read(os.path.join(args.dir, "real.csv"))
    labels, X = real[:, 1].astype(int), real[:, 2:]
    train, train_labels = X[:split], labels[:split]
    top = len(R_names) - 1
    crisis_set = [top] if np.sum(labels == top) >= 60 else [top - 1, top]

    _, tg = read(os.path.join(args.dir, "tgfl_unconditional.csv"))
    paths = int(tg[:, 0].max()) + 1
    horizon = int(tg[:, 1].max()) + 1
    tg_days, tg_labels = tg[:, 3:], tg[:, 2].astype(int)
    regime_days = {}
    for g in range(len(R_names)):
        path = os.path.join(args.dir, f"tgfl_regime_{g}.csv")
        if os.path.exists(path):
            regime_days[g] = read(path)[1][:, 3:]

    params, sig, P = fit_ccc(train)
    Ztrain = (train - np.array([p["mu"] for p in params])) / sig
    dcc_a, dcc_b = fit_dcc(Ztrain)
    methods = {}
    methods["TGFL"] = dict(days=tg_days, labels=tg_labels,
                           regime=lambda g: regime_days.get(g))
    for t_innov, name in ((False, "CCC-GARCH-n"), (True, "CCC-GARCH-t")):
        Rs, Ss = simulate_ccc(params, sig, P, paths, horizon, rng, t_innov)
        Rb, Sb = simulate_ccc(params, sig, P, 20000, 1, rng, t_innov)
        days, lab = Rs.reshape(-1, K), market_labels(Ss.reshape(-1, K), thresholds)
        big, big_lab = Rb.reshape(-1, K), market_labels(Sb.reshape(-1, K), thresholds)
        methods[name] = dict(days=days, labels=lab,
                             regime=(lambda g, big=big, big_lab=big_lab: big[big_lab == g] if np.sum(big_lab == g) >= 100 else None))
    for t_innov, name in ((False, "DCC-GARCH-n"), (True, "DCC-GARCH-t")):
        Rs, Ss = simulate_dcc(params, sig, Ztrain, dcc_a, dcc_b, paths, horizon, rng, t_innov)
        Rb, Sb = simulate_dcc(params, sig, Ztrain, dcc_a, dcc_b, 20000, 1, rng, t_innov)
        days, lab = Rs.reshape(-1, K), market_labels(Ss.reshape(-1, K), thresholds)
        big, big_lab = Rb.reshape(-1, K), market_labels(Sb.reshape(-1, K), thresholds)
        methods[name] = dict(days=days, labels=lab,
                             regime=(lambda g, big=big, big_lab=big_lab: big[big_lab == g] if np.sum(big_lab == g) >= 100 else None))
    pick = rng.integers(0, split, size=paths * horizon)
    methods["Bootstrap"] = dict(days=train[pick], labels=train_labels[pick],
                                regime=lambda g: train[train_labels == g] if np.sum(train_labels == g) >= 100 else None)
    perm = tg_days.reshape(paths, horizon, K).copy()
    for k in range(1, K):
        perm[:, :, k] = perm[rng.permutation(paths), :, k]
    methods["Independent"] = dict(days=perm.reshape(-1, K), labels=tg_labels,
                                  regime=lambda g: None)

    def regime_corr(days, lab, gs):
        m = np.isin(lab, gs)
        return mean_off(corr(days[m])) if m.sum() >= 30 else float("nan")

    def reference(days, lab):
        """The real statistics of a span of real days (the whole file, or the training days)."""
        calm, crisis = regime_corr(days, lab, [0]), regime_corr(days, lab, crisis_set)
        es1 = {g: es(portfolio(days[lab == g])) for g in range(len(R_names)) if np.sum(lab == g) >= 30}
        return dict(R=corr(days), calm=calm, crisis=crisis, tail=lower_tail(days), es1=es1)

    full, training = reference(X, labels), reference(train, train_labels)
    real_R, real_calm, real_crisis, real_tail, real_es = (full[k] for k in ("R", "calm", "crisis", "tail", "es1"))
    real_gap = real_crisis - real_calm
    real_es5 = {g: es(portfolio(X[labels == g]), 0.05) for g in real_es}

    print(f"## {info['bundled']}: {', '.join(names)} ({X.shape[0]} days, train {split}); TGFL {paths} paths x {horizon} days")
    print(f"real: mean corr {mean_off(real_R):.3f}, calm {real_calm:.3f}, crisis ({'+'.join(R_names[g] for g in crisis_set)}) "
          f"{real_crisis:.3f}, gap {real_gap:+.3f}, lambda_L {real_tail:.3f}; regime days "
          + ", ".join(f"{R_names[g]} {int(np.sum(labels == g))}" for g in range(len(R_names))))
    print()
    head = f"| method | corr max abs err | calm corr | crisis corr | gap (err %) | lambda_L (real {real_tail:.3f}) | "
    head += " | ".join(f"ES1% {R_names[g]} (real {real_es[g]:.4f})" for g in real_es) + " |"
    print(head)
    print("|" + "---|" * (5 + len(real_es)))
    results = {}
    for name, m in methods.items():
        err = float(np.abs(corr(m["days"]) - real_R).max())
        calm, crisis = regime_corr(m["days"], m["labels"], [0]), regime_corr(m["days"], m["labels"], crisis_set)
        gap = crisis - calm
        gap_err = 100 * (gap - real_gap) / abs(real_gap) if real_gap != 0 else float("nan")
        tail = lower_tail(m["days"])
        cells, es_out = [], {}
        for g in real_es:
            sample = m["regime"](g)
            if sample is None or len(sample) < 100:
                cells.append("–"); continue
            v = es(portfolio(sample)); es_out[R_names[g]] = v
            cells.append(f"{v:.4f} ({100 * (v - real_es[g]) / real_es[g]:+.0f} %)")
        results[name] = dict(corr_max_abs_err=err, corr_max_abs_err_train=float(np.abs(corr(m["days"]) - training["R"]).max()),
                             calm=calm, crisis=crisis, gap=gap, lambda_l=tail, es1=es_out)
        print(f"| {name} | {err:.3f} | {calm:.3f} | {crisis:.3f} | {gap:+.3f} ({gap_err:+.0f} %) | {tail:.3f} | "
              + " | ".join(cells) + " |")
    print()
    print(f"DCC(1,1): a = {dcc_a:.4f}, b = {dcc_b:.4f}")
    print("real 5 % ES per regime: " + ", ".join(f"{R_names[g]} {v:.4f}" for g, v in real_es5.items()))
    print(f"training days: mean corr {mean_off(training['R']):.3f}, calm {training['calm']:.3f}, crisis {training['crisis']:.3f}, "
          f"gap {training['crisis'] - training['calm']:+.3f}, lambda_L {training['tail']:.3f}, ES1% "
          + ", ".join(f"{R_names[g]} {v:.4f}" for g, v in training["es1"].items())
          + f"; largest gap of their correlation matrix to the whole file's {np.abs(training['R'] - real_R).max():.3f}")

    def summary(ref):
        return dict(corr_mean=mean_off(ref["R"]), calm=ref["calm"], crisis=ref["crisis"], lambda_l=ref["tail"],
                    es1={R_names[g]: v for g, v in ref["es1"].items()})
    json.dump(dict(real=summary(full), real_train=summary(training), methods=results),
              open(os.path.join(args.dir, "joint_scores.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
