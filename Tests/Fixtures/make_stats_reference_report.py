#!/usr/bin/env python3
"""Reference values for TGFLStats part B: distances, Quant GANs scores, drift (PSI + KS),
memorization and the StylizedFactsReport.

Run from the repository root:
    /work/devvenv/bin/python Tests/Fixtures/make_stats_reference_report.py
Writes Tests/Fixtures/stats_reference_report.json. Every value comes from scipy / numpy /
statsmodels, computed independently of the Swift code. Where the Swift code subsamples with
its own seeded generator (xoshiro256** seeded by SplitMix64, `StatsRandom`), the generator is
re-implemented below so numpy sees exactly the same indices.
"""
import json
import os

import numpy as np
from scipy import stats
from statsmodels.tsa.stattools import acf as sm_acf

M64 = (1 << 64) - 1
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stats_reference_report.json")


# ---------------------------------------------------------------- StatsRandom (mirror)
class StatsRandom:
    """xoshiro256** seeded by SplitMix64, as Sources/TGFLStats/Support/StatsRandom.swift."""

    def __init__(self, seed, stream=0):
        sm = (seed ^ ((stream * 0x9E3779B97F4A7C15) & M64) ^ 0xD1B54A32D192ED03) & M64
        s = []
        for _ in range(4):
            sm = (sm + 0x9E3779B97F4A7C15) & M64
            z = sm
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            s.append(z ^ (z >> 31))
        if s[0] | s[1] | s[2] | s[3] == 0:
            s[0] = 1
        self.s = s

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & M64

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (self._rotl((s1 * 5) & M64, 7) * 9) & M64
        t = (s1 << 17) & M64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self._rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def int_below(self, n):
        threshold = ((1 << 64) - n) % n
        while True:
            r = self.next()
            if r >= threshold:
                return r % n

    def subsample_indices(self, k, n):
        if k >= n:
            return list(range(n))
        pool = list(range(n))
        for i in range(k):
            j = i + self.int_below(n - i)
            pool[i], pool[j] = pool[j], pool[i]
        return sorted(pool[:k])


def fl(x):
    return [float(v) for v in np.asarray(x, dtype=float).ravel()]


# ---------------------------------------------------------------- distances
def mmd2_reference(x, y, cap=1000, seed=0):
    """Unbiased MMD² with RBF kernel, median heuristic over all pooled pairs i<j."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if len(x) > cap:
        x = x[StatsRandom(seed, 0).subsample_indices(cap, len(x))]
    if len(y) > cap:
        y = y[StatsRandom(seed, 1).subsample_indices(cap, len(y))]
    z = np.concatenate([x, y])
    iu = np.triu_indices(len(z), 1)
    d = np.abs(z[:, None] - z[None, :])[iu]
    sigma = np.median(d)
    if sigma == 0:
        pos = d[d > 0]
        if len(pos) == 0:
            return 0.0, 0.0, len(x), len(y)
        sigma = np.median(pos)
    k = lambda a, b: np.exp(-((a[:, None] - b[None, :]) ** 2) / (2 * sigma ** 2))
    n, m = len(x), len(y)
    kxx = k(x, x)
    kyy = k(y, y)
    kxy = k(x, y)
    val = ((kxx.sum() - np.trace(kxx)) / (n * (n - 1))
           + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean())
    return float(val), float(sigma), n, m


def dy_bins_default(n):
    return min(50, max(5, int(np.ceil(np.sqrt(n)))))


def dy_reference(real, syn, bins=None):
    real = np.asarray(real, float)
    syn = np.asarray(syn, float)
    b = bins if bins is not None else dy_bins_default(len(real))
    p, edges = np.histogram(real, bins=b, range=(real.min(), real.max()))
    q, _ = np.histogram(syn, bins=edges)
    p = p / len(real)
    q = q / len(syn)
    keep = (p > 0) & (q > 0)
    return float(np.sum(np.abs(np.log(p[keep]) - np.log(q[keep]))))


def aggregate(path, h):
    path = np.asarray(path, float)
    m = len(path) // h
    return path[: m * h].reshape(m, h).sum(axis=1)


def distance_cases(rng):
    cases = []

    def add(name, u, v, dy_bins=None, cap=1000, seed=0):
        mmd, sigma, nx, ny = mmd2_reference(u, v, cap=cap, seed=seed)
        cases.append(dict(
            name=name, u=fl(u), v=fl(v), dy_bins=dy_bins, mmd_cap=cap, mmd_seed=seed,
            wasserstein1=float(stats.wasserstein_distance(u, v)),
            energy=float(stats.energy_distance(u, v)),
            mmd2=mmd, mmd_bandwidth=sigma, mmd_x_count=nx, mmd_y_count=ny,
            dy=dy_reference(u, v, dy_bins)))

    add("small", [0.3, -1.2, 2.5, 0.0, 0.7], [1.1, -0.4, 0.9, 3.0, -2.2, 0.05, 0.6])
    add("ties", np.round(rng.normal(size=60), 1), np.round(rng.normal(0.2, 1.3, size=45), 1), dy_bins=8)
    add("identical", [1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0])
    add("heavy_tails", rng.standard_t(2, size=400) * 0.01, rng.standard_cauchy(size=300) * 0.01)
    add("large_subsampled", rng.normal(0, 0.01, size=1500), rng.standard_t(4, size=1300) * 0.008,
        cap=300, seed=7)
    return cases


def horizon_case(rng):
    real = rng.standard_t(4, size=1230) * 0.01
    syn = [rng.standard_t(5, size=120 + (p % 3)) * 0.011 for p in range(30)]
    horizons = [1, 5, 20, 100]
    rows = []
    for h in horizons:
        r = aggregate(real, h)
        s = np.concatenate([aggregate(p, h) for p in syn])
        mmd, sigma, _, _ = mmd2_reference(r, s, cap=400, seed=3)
        rows.append(dict(horizon=h, real_count=len(r), synthetic_count=len(s),
                         wasserstein1=float(stats.wasserstein_distance(r, s)),
                         energy=float(stats.energy_distance(r, s)),
                         mmd2=mmd, mmd_bandwidth=sigma, dy=dy_reference(r, s)))
    return dict(real=fl(real), synthetic=[fl(p) for p in syn], horizons=horizons,
                mmd_cap=400, mmd_seed=3, rows=rows)


# ---------------------------------------------------------------- Quant GANs scores
def garch_t(rng, n, omega=2e-6, a=0.06, b=0.9, nu=5, lev=0.5):  # noqa: E501
    """A GJR-GARCH(1,1) path with Student-t shocks: volatility clustering + leverage."""
    r = np.empty(n)
    var = omega / (1 - a - b - 0.5 * a * lev)
    for t in range(n):
        z = rng.standard_t(nu) * np.sqrt((nu - 2) / nu)
        r[t] = np.sqrt(var) * z
        var = omega + (a + (a * lev if r[t] < 0 else 0)) * r[t] ** 2 + b * var
    return r


def curves(x, k):
    x = np.asarray(x, float)
    return dict(
        acf_returns=fl(sm_acf(x, nlags=k, adjusted=False, fft=False)[1:]),
        acf_absolute=fl(sm_acf(np.abs(x), nlags=k, adjusted=False, fft=False)[1:]),
        acf_squared=fl(sm_acf(x ** 2, nlags=k, adjusted=False, fft=False)[1:]),
        leverage=[float(np.corrcoef(x[:-j], x[j:] ** 2)[0, 1]) for j in range(1, k + 1)],
    )


def mean_curves(paths, k):
    cs = [curves(p, k) for p in paths]
    return {key: fl(np.mean([c[key] for c in cs], axis=0)) for key in cs[0]}


def l2(a, b):
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


def quant_gans_case(rng):
    k = 10
    real = garch_t(rng, 1650)
    syn = [garch_t(rng, 150 + (p % 2) * 7) for p in range(25)]
    real_c = curves(real, k)
    syn_c = mean_curves(syn, k)
    length = min(len(p) for p in syn)
    chunks = [real[j * length:(j + 1) * length] for j in range(len(real) // length)]
    fair_c = mean_curves(chunks, k)
    keys = ["acf_returns", "acf_absolute", "acf_squared", "leverage"]
    return dict(real=fl(real), synthetic=[fl(p) for p in syn], max_lag=k,
                real_curves=real_c, synthetic_curves=syn_c, fair_real_curves=fair_c,
                scores={key: l2(real_c[key], syn_c[key]) for key in keys},
                fair_scores={key: l2(fair_c[key], syn_c[key]) for key in keys})


# ---------------------------------------------------------------- PSI and drift
def psi_reference(ref, new, bins=10, eps=1e-4):
    ref = np.asarray(ref, float)
    new = np.asarray(new, float)
    edges = np.quantile(ref, np.arange(1, bins) / bins)
    p = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=bins) / len(ref)
    q = np.bincount(np.searchsorted(edges, new, side="right"), minlength=bins) / len(new)
    p = np.maximum(p, eps)
    q = np.maximum(q, eps)
    return float(np.sum((q - p) * np.log(q / p))), fl(edges)


def psi_cases(rng):
    cases = []

    def add(name, ref, new, bins=10, eps=1e-4):
        psi, edges = psi_reference(ref, new, bins, eps)
        ks = stats.ks_2samp(ref, new, method="asymp")
        ks_auto = stats.ks_2samp(ref, new)
        cases.append(dict(name=name, reference=fl(ref), new=fl(new), bins=bins, epsilon=eps,
                          psi=psi, edges=edges, ks_statistic=float(ks.statistic),
                          ks_pvalue_asymptotic=float(ks.pvalue), ks_pvalue_auto=float(ks_auto.pvalue)))

    ref = rng.normal(0, 0.01, size=800)
    add("same_distribution", ref, rng.normal(0, 0.01, size=600))
    add("shifted", ref, rng.normal(0.004, 0.01, size=600))
    add("wider", ref, rng.standard_t(3, size=500) * 0.015)
    add("ties", np.round(rng.normal(size=300), 0), np.round(rng.normal(0.3, 1, size=200), 0), bins=5)
    add("empty_bins", ref, rng.normal(0.05, 0.001, size=100), eps=1e-3)
    return cases


# ---------------------------------------------------------------- memorization
def windows(x, w, s):
    return [np.asarray(x[i:i + w]) for i in range(0, len(x) - w + 1, s)]


def nn_distances(queries, refs):
    R = np.asarray(refs)
    return np.array([np.sqrt(((R - q) ** 2).sum(axis=1)).min() for q in queries])


def rms_scaled(windows_):
    """Each window divided by its root mean square (MemorizationWindowScaling.rootMeanSquare)."""
    out = []
    for x in windows_:
        ms = float(np.mean(np.asarray(x) ** 2))
        out.append(np.asarray(x) / np.sqrt(ms) if ms > 0 else np.asarray(x))
    return out


def memo_score(gen, train, held, max_q, max_r, seed, q=0.05, scaling="rms"):
    if len(gen) > max_q:
        gen = [gen[i] for i in StatsRandom(seed, 10).subsample_indices(max_q, len(gen))]
    if len(held) > max_q:
        held = [held[i] for i in StatsRandom(seed, 11).subsample_indices(max_q, len(held))]
    if len(train) > max_r:
        train = [train[i] for i in StatsRandom(seed, 12).subsample_indices(max_r, len(train))]
    if scaling == "rms":
        gen, held, train = rms_scaled(gen), rms_scaled(held), rms_scaled(train)
    dg = nn_distances(gen, train)
    dh = nn_distances(held, train)
    mg, mh = float(np.median(dg)), float(np.median(dh))
    qd = float(np.quantile(dh, q))
    return dict(generated_count=len(gen), held_out_count=len(held), training_count=len(train),
                median_generated=mg, median_held_out=mh, median_ratio=mg / mh,
                held_out_close_distance=qd, fraction_closer=float(np.mean(dg < qd)))


def memorization_case(rng):
    w = 10
    train_series = garch_t(rng, 3005)
    held_series = garch_t(rng, 1500)
    fresh_series = garch_t(rng, 1500)
    train = windows(train_series, w, w)
    held = windows(held_series, w, w)
    fresh = windows(fresh_series, w, w)
    copy_idx = [int(i) for i in rng.choice(len(train), size=120, replace=False)]
    copies = [train[i] for i in copy_idx]
    return dict(window_length=w, training_series=fl(train_series), held_out_series=fl(held_series),
                fresh_series=fl(fresh_series), copy_indices=copy_idx,
                copies=memo_score(copies, train, held, 1000, 20000, 0, scaling="none"),
                fresh=memo_score(fresh, train, held, 1000, 20000, 0, scaling="none"),
                fresh_subsampled=memo_score(fresh, train, held, 60, 200, 5, scaling="none"))


def memorization_volatile_case():
    """A held-out span 1.6x as volatile as the training span (as on the DAX, 1997-98): raw windows
    call fresh draws of the training process 'memorizing'; RMS-scaled windows do not, and still
    catch copies, scaled copies included. Its own generator, so the other cases keep their draws."""
    rng = np.random.default_rng(20261205)
    w = 20
    train_series = garch_t(rng, 3000)
    held_series = 1.6 * garch_t(rng, 1000)
    fresh_series = garch_t(rng, 4000)
    train = windows(train_series, w, 1)
    held = windows(held_series, w, 1)
    fresh = windows(fresh_series, w, w)
    copy_idx = [int(i) for i in rng.choice(len(train), size=150, replace=False)]
    scaled_copies = [1.6 * train[i] for i in copy_idx]
    return dict(window_length=w, training_series=fl(train_series), held_out_series=fl(held_series),
                fresh_series=fl(fresh_series), copy_indices=copy_idx, copy_scale=1.6,
                fresh_raw=memo_score(fresh, train, held, 1000, 20000, 3, scaling="none"),
                fresh_rms=memo_score(fresh, train, held, 1000, 20000, 3),
                scaled_copies_rms=memo_score(scaled_copies, train, held, 1000, 20000, 3))


# ---------------------------------------------------------------- StylizedFactsReport
def hill_alpha_left(r):
    """Hill (1975) on the losses L = -r with k = floor(sqrt(n)) (TailIndex.hill's default)."""
    losses = np.sort(-np.asarray(r, float))[::-1]
    k = int(np.floor(np.sqrt(len(losses))))
    xi = np.mean(np.log(losses[:k] / losses[k]))
    return float(1 / xi)


def historical_var_es(r, alpha):
    q = np.quantile(r, alpha)
    return float(-q), float(-np.mean(r[r <= q]))


def report_case(rng):
    seed = 11
    mmd_cap = 300
    real = garch_t(rng, 1500)
    syn = [garch_t(rng, 200, omega=2.5e-6, nu=4) for _ in range(40)]
    pool = np.concatenate(syn)
    k, lev_lags, horizons, n_ks = 20, 5, [1, 5, 20, 100], 8

    # Fair KS: 20 seeded subsamples of the pool, each of the real size.
    pvals, minima = [], []
    for s in range(n_ks):
        idx = StatsRandom(seed, 100 + s).subsample_indices(len(real), len(pool))
        pvals.append(stats.ks_2samp(real, pool[idx]).pvalue)
        minima.append(pool[idx].min())
    ks_p = float(np.median(pvals))

    rc = curves(real, k)
    sc = mean_curves(syn, k)
    length = min(len(p) for p in syn)
    chunks = [real[j * length:(j + 1) * length] for j in range(len(real) // length)]
    fc = mean_curves(chunks, k)
    keys = ["acf_returns", "acf_absolute", "acf_squared", "leverage"]

    facts = dict(
        ks_fair=[None, ks_p],
        std=[float(np.std(real)), float(np.std(pool))],
        excess_kurtosis=[float(stats.kurtosis(real)), float(stats.kurtosis(pool))],
        skewness=[float(stats.skew(real)), float(stats.skew(pool))],
        # clustering and leverage against the FAIR real value (real chunks of the path length)
        abs_acf_mean=[float(np.mean(fc["acf_absolute"])), float(np.mean(sc["acf_absolute"]))],
        leverage_mean=[float(np.mean(fc["leverage"][:lev_lags])), float(np.mean(sc["leverage"][:lev_lags]))],
        return_acf_max=[float(np.max(np.abs(rc["acf_returns"]))), float(np.max(np.abs(sc["acf_returns"])))],
        worst_day=[float(real.min()), float(np.median(minima))],
        worst_day_pooled=[float(real.min()), float(pool.min())],
        hill_left_tail=[hill_alpha_left(real), hill_alpha_left(pool)],
    )
    for a in (0.01, 0.05):
        vr, er = historical_var_es(real, a)
        vs, es = historical_var_es(pool, a)
        pct = int(round(a * 100))
        facts[f"var_{pct}"] = [vr, vs]
        facts[f"es_{pct}"] = [er, es]

    rows = []
    for h in horizons:
        r = aggregate(real, h)
        s_ = np.concatenate([aggregate(p, h) for p in syn])
        mmd, sigma, _, _ = mmd2_reference(r, s_, cap=mmd_cap, seed=seed)
        rows.append(dict(horizon=h, real_count=len(r), synthetic_count=len(s_),
                         wasserstein1=float(stats.wasserstein_distance(r, s_)),
                         energy=float(stats.energy_distance(r, s_)),
                         mmd2=mmd, mmd_bandwidth=sigma, dy=dy_reference(r, s_)))

    w = 20
    half = len(real) // 2
    train = windows(real[:half], w, w)
    held = windows(real[half:], w, w)
    gen = [win for p in syn for win in windows(p, w, w)]
    memo = memo_score(gen, train, held, 1000, 20000, seed)

    return dict(real=fl(real), synthetic=[fl(p) for p in syn], seed=seed, max_lag=k, mmd_cap=mmd_cap,
                leverage_lags=lev_lags, horizons=horizons, ks_subsamples=n_ks,
                ks_pvalues=[float(v) for v in pvals], facts=facts, rows=rows,
                scores={key: l2(rc[key], sc[key]) for key in keys},
                fair_scores={key: l2(fc[key], sc[key]) for key in keys},
                memorization_window=w, memorization=memo)


def main():
    rng = np.random.default_rng(20240611)
    out = dict(
        generator="Tests/Fixtures/make_stats_reference_report.py",
        versions=dict(numpy=np.__version__, scipy=__import__("scipy").__version__,
                      statsmodels=__import__("statsmodels").__version__),
        random_check=dict(seed=42, stream=3, first_words=[str(w) for w in
                                                          (lambda r: [r.next() for _ in range(4)])(StatsRandom(42, 3))],
                          subsample=StatsRandom(9, 1).subsample_indices(7, 30)),
        distances=distance_cases(rng),
        horizon=horizon_case(rng),
        quant_gans=quant_gans_case(rng),
        psi=psi_cases(rng),
        memorization=memorization_case(rng),
        memorization_volatile=memorization_volatile_case(),
        report=report_case(rng),
    )
    with open(OUT, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
    print(f"wrote {OUT} ({os.path.getsize(OUT) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
