#!/usr/bin/env python3
"""Issue 17, session 17 (joint17): where does the crisis-minus-calm correlation gap of the joint
models' unconditional scenarios go?

usage: /work/pyref/bin/python Benchmarks/joint_crisis_gap_diagnosis.py RUNDIR [LABEL=CSV:SEED:SCALED ...]

RUNDIR: a `tgfl-bench joint --out` directory (model.h5, model.json, real.csv, tgfl_unconditional.csv).
Each extra argument names an unconditional CSV of the same model (`tgfl generate-joint` output,
path,day,regime-name,assets with day from 1, or the bench's own with day from 0), the seed it was drawn
with and whether the variance calibration's omega scales were on (1/0). Without extra arguments the
bench's tgfl_unconditional.csv (seed + 1, scaled if the model has scales) is read.

For the real days (all, and the training 80 %) and for every generated set, per market regime
(the lower median of the assets' labels): the mean pairwise correlation of the returns r and of
z = (r - mu)/sigma (sigma rebuilt exactly as unconditional generation runs it: day 0 from the path's
first uniform through the training sigma quantiles, then the fitted GJR step with omega times the
asset's scale, clamped to floor/cap; the rebuilt labels are checked against the generated ones), the
regime's share of days, and the "crisis" set of `joint_baselines.py` (top regime, or volatile+crisis
when the file has < 60 real crisis days). The gap's error is against the real full-sample gap.
Also the whitening factors stored in the model against the rules recomputed with NumPy, the training u's
covariance under the stored factors and the per-regime z variance those u give back when drawn independently
(as generation draws them), and the return correlation the days' z and sigma would give if z were independent of sigma
(E[s_i s_j] cov z_ij / sqrt(E s_i^2 var z_i E s_j^2 var z_j)), to separate the scale mixture from a
correlation that rises with sigma. Session 18: a two-factor model's training u are those of its encoding
factors (`encoding_cholesky`), given back through the generation factors; and per generated set, each regime's
z variance against the training days' (the mechanism behind session 17's lost calm-std targets).
"""
import json
import sys

import h5py
import numpy as np
import pandas as pd

M = (1 << 64) - 1


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


def first_uniform(seed, stream):
    """The first uniform of SeededRNG(seed, stream) (xoshiro256** seeded by splitmix64)."""
    sm = (seed ^ ((stream * 0x9E3779B97F4A7C15) & M) ^ 0xD1B54A32D192ED03) & M
    s = []
    for _ in range(4):
        sm = (sm + 0x9E3779B97F4A7C15) & M
        z = sm
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        s.append(z ^ (z >> 31))
    return (((rotl((s[1] * 5) & M, 7) * 9) & M) >> 11) * 2.0 ** -53


def interp(q, u):
    x = min(max(u, 0), 1) * (len(q) - 1)
    i = min(int(x), len(q) - 2)
    return q[i] + (x - i) * (q[i + 1] - q[i])


def mean_off(X):
    R = np.corrcoef(X, rowvar=False)
    return float(R[np.triu_indices(R.shape[0], 1)].mean())


def mixture_mean_off(Z, S):
    """Mean over pairs of the return correlation r = s z would have if z were independent of s:
    E[s_i s_j] cov(z_i, z_j) / sqrt(E[s_i^2] var z_i E[s_j^2] var z_j)."""
    K = Z.shape[1]
    C = np.cov(Z, rowvar=False)
    vals = []
    for i in range(K):
        for j in range(i + 1, K):
            vals.append(np.mean(S[:, i] * S[:, j]) * C[i, j]
                        / np.sqrt(np.mean(S[:, i] ** 2) * C[i, i] * np.mean(S[:, j] ** 2) * C[j, j]))
    return float(np.mean(vals))


def backcast(e):
    tau = min(75, len(e))
    w = 0.94 ** np.arange(tau)
    w /= w.sum()
    return np.sum(w * e[:tau] ** 2)


def filter_sigma(par, R, split):
    """sigma_t of every real day under each asset's stored GJR filter (backcast from the training
    days, clamped to floor/cap), as the model encodes them."""
    S = np.zeros_like(R)
    for k, a in enumerate(par):
        lo, hi = a["sigma_floor"] ** 2, a["sigma_cap"] ** 2
        tr = R[:split, k]
        v = min(max(a["omega"] + (a["alpha"] + a["gamma"] / 2 + a["beta"]) * backcast(tr - tr.mean()), lo), hi)
        for t in range(len(R)):
            S[t, k] = np.sqrt(v)
            e = R[t, k] - a["mu"]
            v = min(max(a["omega"] + (a["alpha"] + (a["gamma"] if e < 0 else 0)) * e * e + a["beta"] * v, lo), hi)
    return S


def filters(f, K):
    """Each asset's stored GJR filter (mu, omega, alpha, gamma, beta, floor, cap) of a model's /joint group."""
    return [{x: float(f.attrs[f"asset{k}.volatility.{x}"]) for x in
             ("mu", "omega", "alpha", "gamma", "beta", "sigma_floor", "sigma_cap")} for k in range(K)]


def market(labels):
    K = labels.shape[1]
    return np.sort(labels, axis=1)[:, (K - 1) // 2]


def main():
    d = sys.argv[1]
    info = json.load(open(d + "/model.json"))
    seed, split, names = info["seed"], info["split_day"], info["assets"]
    K, thresholds, regime_names = len(names), info["regime_thresholds"], info["regime_names"]
    f = h5py.File(d + "/model.h5", "r")["joint"]
    scales = f["variance.omega_scales"][:] if "variance.omega_scales" in f else np.ones(K)
    for k in range(K):
        for key in ("generation_omega", "generation_dynamics.power"):
            if f"asset{k}.volatility.{key}" in f.attrs:
                raise SystemExit(f"asset {k} has {key}: this script rebuilds the plain GJR step only")
    par = filters(f, K)
    q0 = [f[f"asset{k}.volatility.initial_log_sigma_quantiles"][:] for k in range(K)]

    real = pd.read_csv(d + "/real.csv")
    R = real[names].values
    lab = real["label"].values
    top = len(regime_names) - 1
    crisis_set = [top] if np.sum(lab == top) >= 60 else [top - 1, top]

    def label_of(S):
        return market(np.column_stack([np.searchsorted(np.asarray(thresholds[k]), S[:, k], side="right")
                                       for k in range(K)]))

    S_real = filter_sigma(par, R, split)
    Z_real = (R - np.array([a["mu"] for a in par])) / S_real
    relabel = label_of(S_real)
    print(f"== {d}: {info['bundled']} seed {seed}; omega scales {np.round(scales, 3).tolist()}; "
          f"crisis set {[regime_names[g] for g in crisis_set]}; real labels rebuilt: {np.mean(relabel == lab):.4f} equal")

    def rows(tag, X, Z, S, labels):
        out = {}
        line = f"| {tag} |"
        for g in range(len(regime_names)):
            m = labels == g
            share = m.mean()
            if m.sum() >= 30:
                line += f" {share:.3f}: {mean_off(X[m]):.3f} / {mean_off(Z[m]):.3f} |"
            else:
                line += f" {share:.3f}: – |"
        calm = mean_off(X[labels == 0])
        m = np.isin(labels, crisis_set)
        crisis = mean_off(X[m])
        out = dict(calm=calm, crisis=crisis, zcalm=mean_off(Z[labels == 0]), zcrisis=mean_off(Z[m]),
                   wcalm=mixture_mean_off(Z[labels == 0], S[labels == 0]), wcrisis=mixture_mean_off(Z[m], S[m]))
        line += (f" {calm:.3f} → {crisis:.3f} ({crisis - calm:+.3f}) | z {out['zcalm']:.3f} → {out['zcrisis']:.3f} "
                 f"({out['zcrisis'] - out['zcalm']:+.3f}) |")
        print(line, flush=True)
        return out

    print("| set | " + " | ".join(f"{n}: share: corr r / corr z" for n in regime_names)
          + " | calm → crisis corr r (gap) | the same of z |")
    print("|---|" + "---|" * (len(regime_names) + 2))
    full = rows("real, all days", R, Z_real, S_real, lab)
    train = rows("real, training days", R[:split], Z_real[:split], S_real[:split], lab[:split])
    real_gap = full["crisis"] - full["calm"]
    print(f"training days: r corr if z were independent of sigma: calm {train['wcalm']:.3f}, crisis {train['wcrisis']:.3f} "
          f"(actual r {train['calm']:.3f} / {train['crisis']:.3f}); "
          f"real gap {real_gap:+.3f}, training gap error {100 * ((train['crisis'] - train['calm']) / real_gap - 1):+.1f} %")

    # The stored whitening factors against the rules, recomputed here on the training days.
    Lstored = f["cholesky"][:].reshape(-1, K, K)
    # The two-factor rule (session 18) encodes with other factors (the covariance's) than it generates with.
    Lenc = f["encoding_cholesky"][:].reshape(-1, K, K) if "encoding_cholesky" in f else Lstored
    rule = f.attrs.get("whitening", b"correlation")
    rule = rule.decode() if isinstance(rule, bytes) else str(rule)
    ztr, str_, ltr = Z_real[:split], S_real[:split], lab[:split]
    diffs = {"covariance": [], "return_correlation": []}
    for g in range(len(regime_names)):
        low, days = g, ltr == g
        while days.sum() < 30 and low > 0:
            low -= 1
            days = (ltr >= low) & (ltr <= g)
        cz = np.cov(ztr[days], rowvar=False)
        s_ = str_[days]
        A = np.cov(s_ * ztr[days], rowvar=False) / (s_.T @ s_ / days.sum())
        P = A / np.sqrt(np.outer(np.diag(A), np.diag(A)))
        C = np.outer(np.sqrt(np.diag(cz)), np.sqrt(np.diag(cz))) * P
        eig = np.linalg.eigvalsh(C).min()
        diffs["covariance"].append(np.abs(np.linalg.cholesky(cz) - Lenc[g]).max())
        diffs["return_correlation"].append(np.abs(np.linalg.cholesky(C) - Lstored[g]).max() if eig > 0 else np.nan)
        print(f"regime {regime_names[g]} ({days.sum()} training days): z corr {mean_off(ztr[days]):.3f}, "
              f"return-correlation rule's z corr {float(P[np.triu_indices(K, 1)].mean()):.3f}, its smallest eigenvalue {eig:.3f}")
        # The training u = L^-1 z under the stored (encoding) factor, and the z variance they give back drawn
        # independently through the generation factor.
        U = np.linalg.solve(Lenc[g], ztr[ltr == g].T).T if (ltr == g).sum() >= 30 else None
        if U is not None:
            cu = np.cov(U, rowvar=False)
            back = (Lstored[g] ** 2) @ np.diag(cu) / np.var(ztr[ltr == g], axis=0, ddof=1)
            print(f"   stored factor: training u variances {np.round(np.diag(cu), 3).tolist()}, largest |cross-covariance| "
                  f"{np.abs(cu - np.diag(np.diag(cu))).max():.3f}; z variance of independent u / training {np.round(back, 3).tolist()}")
    print(f"stored factors ({rule}): max |L - numpy L| covariance rule {max(diffs['covariance']):.2e}"
          + (" (encoding factors)" if "encoding_cholesky" in f else "")
          + f", return-correlation rule {max(diffs['return_correlation']):.2e}")
    ztrain_var = [np.var(ztr[ltr == g], axis=0, ddof=1) for g in range(len(regime_names))]

    sets = sys.argv[2:] or [f"bench=tgfl_unconditional.csv:{seed + 1}:{int('variance.omega_scales' in f)}"]
    for spec in sets:
        tag, rest = spec.split("=", 1)
        path, s, scaled = rest.rsplit(":", 2)
        s, scaled = int(s), scaled == "1"
        G = pd.read_csv(path if path.startswith("/") else d + "/" + path)
        P, H = G["path"].max() + 1, G["day"].nunique()
        X = G[names].values.reshape(P, H, K)
        reg = G["regime"]
        glab = (reg.map({n: i for i, n in enumerate(regime_names)}) if not pd.api.types.is_numeric_dtype(reg) else reg).values.reshape(P, H)
        S = np.zeros((P, H, K))
        for k, a in enumerate(par):
            lo, hi = a["sigma_floor"] ** 2, a["sigma_cap"] ** 2
            om = a["omega"] * (scales[k] if scaled else 1)
            for p in range(P):
                v = min(max(np.exp(2 * interp(q0[k], first_uniform(s, p))), lo), hi)
                for t in range(H):
                    S[p, t, k] = np.sqrt(v)
                    e = X[p, t, k] - a["mu"]
                    v = min(max(om + (a["alpha"] + (a["gamma"] if e < 0 else 0)) * e * e + a["beta"] * v, lo), hi)
        Xf, Sf, lf = X.reshape(-1, K), S.reshape(-1, K), glab.ravel()
        check = np.mean(label_of(Sf) == lf)
        Z = (Xf - np.array([a["mu"] for a in par])) / Sf
        out = rows(f"{tag} (labels rebuilt {check:.4f})", Xf, Z, Sf, lf)
        print(f"   {tag}: gap error {100 * ((out['crisis'] - out['calm']) / real_gap - 1):+.1f} %; "
              f"r corr if z were independent of sigma: calm {out['wcalm']:.3f}, crisis {out['wcrisis']:.3f}", flush=True)
        for g, n in enumerate(regime_names):
            if (lf == g).sum() >= 30 and (ltr == g).sum() >= 30:
                ratio = np.var(Z[lf == g], axis=0, ddof=1) / ztrain_var[g]
                print(f"   {tag}: {n} z variance / training days' {np.round(ratio, 3).tolist()}", flush=True)


if __name__ == "__main__":
    main()
