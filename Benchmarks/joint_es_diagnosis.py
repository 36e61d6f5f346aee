#!/usr/bin/env python3
"""Issue 17, session 19 (jes19): why is a joint model's portfolio 1 % ES per regime off the real
regime days'?

usage: /work/pyref/bin/python Benchmarks/joint_es_diagnosis.py [--bootstrap N] RUNDIR [RUNDIR ...]

RUNDIR: a `tgfl-bench joint --out` directory after `Benchmarks/joint_baselines.py RUNDIR` (model.h5,
model.json, real.csv, tgfl_regime_<g>.csv: one-day scenarios under regime g, drawn with seed + 2).

The benchmark's cell (joint_baselines.py): the equal-weight portfolio's one-day simple return
p = mean_k (e^{r_k} - 1); ES 1 % of the regime-g scenarios against ES 1 % of the real days labelled g
(every day of the file; the label is the market regime = the lower median of the assets' own labels,
each asset's label from its filtered sigma_t and its thresholds). Per regime this script splits

  ES_gen / ES_real = (sd_gen / sd_real) * ((ES/sd)_gen / (ES/sd)_real)     portfolio scale x tail shape

and the portfolio scale, sd^2 = w' S P S w (S the assets' sds, P their correlation), into the
assets' sds and the correlation (Shapley: the mean of both orders, in logs). Each asset's sd ratio
(and each asset's own ES 1 %/sd, its tail shape) is then split into the level of sigma (sqrt of mean sigma^2: generated = the day-0 sigma rebuilt
exactly as regime-conditioned generation draws it, the path's first uniform through the asset's
training sigma quantiles restricted to the asset's own regime-g band, or with market-regime starts
(session 19, `regime_starts.log_sigma_quantiles` in the model) through the asset's sigma quantiles on the
training days of market regime g; real = the stored filter
rebuilt over the real regime-g days) and the rest (the z the network draws: rms z).

Also per regime: how many real days carry the 1 % tail (ES 1 % of n days is the mean of about
n / 100 days), a bootstrap interval of the ratio over the real days (seed 19), the ratio against the
training days' (first 80 %) ES alone, the share of real regime-g days on which each asset's OWN label
is g (generation puts every asset in its own regime-g band), and a counterfactual: the generated
returns with each asset's deviations rescaled by (real training regime-g days' sigma level /
generated sigma level), i.e. the ES the scenarios would have if each asset started at the sigma
level the real market-regime-g training days have.
"""
import argparse
import json
import os
import sys

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from joint_baselines import es, portfolio  # noqa: E402  (the benchmark's own ES and portfolio)
from joint_crisis_gap_diagnosis import filter_sigma, filters, first_uniform, interp, market  # noqa: E402


def own_labels(S, thresholds):
    return np.column_stack([np.searchsorted(np.asarray(thresholds[k]), S[:, k], side="right")
                            for k in range(S.shape[1])])


def mean_off(P):
    return float(P[np.triu_indices(P.shape[0], 1)].mean())


def split_scale(Xg, Xr):
    """(total sd ratio, sds' factor, correlation's factor) of the equal-weight portfolio, Shapley in logs."""
    K = Xg.shape[1]
    w = np.full(K, 1 / K)
    sg, sr = Xg.std(axis=0), Xr.std(axis=0)
    Pg, Pr = np.corrcoef(Xg, rowvar=False), np.corrcoef(Xr, rowvar=False)

    def V(s, P):
        return float((w * s) @ P @ (w * s))
    total = 0.5 * np.log(V(sg, Pg) / V(sr, Pr))
    sds = 0.25 * (np.log(V(sg, Pr) / V(sr, Pr)) + np.log(V(sg, Pg) / V(sr, Pg)))
    return np.exp(total), np.exp(sds), np.exp(total - sds), Pg, Pr


def band_sigma(q0, levels, thresholds, floor, cap, g, u):
    """Day-0 sigma of regime-conditioned generation (bandStartVariances): the quantile
    lo + u (hi - lo) of the training sigma distribution, clamped to the regime's band."""
    lv = [0.0] + list(levels) + [1.0]
    qlo, qhi = lv[g], lv[g + 1]
    vlo = floor ** 2 if g == 0 else max(floor ** 2, thresholds[g - 1] ** 2)
    vhi = cap ** 2 if g == len(lv) - 2 else min(cap ** 2, thresholds[g] ** 2)
    vhi = max(vlo, vhi)
    out = np.empty(len(u))
    for i, x in enumerate(u):
        v = min(max(np.exp(2 * interp(q0, qlo + x * (qhi - qlo))), floor ** 2), cap ** 2)
        out[i] = np.sqrt(min(max(v, vlo), vhi))
    return out


def diagnose(d, n_boot, rng):
    info = json.load(open(os.path.join(d, "model.json")))
    names, split, seed = info["assets"], info["split_day"], info["seed"]
    K, thresholds, regime_names = len(names), info["regime_thresholds"], info["regime_names"]
    f = h5py.File(os.path.join(d, "model.h5"), "r")["joint"]
    par = filters(f, K)
    mu = np.array([a["mu"] for a in par])
    q0 = [f[f"asset{k}.volatility.initial_log_sigma_quantiles"][:] for k in range(K)]
    levels = [f[f"asset{k}.regimes.quantile_levels"][:] for k in range(K)]
    starts = (f["regime_starts.log_sigma_quantiles"][:].reshape(len(regime_names), K, -1)
              if "regime_starts.log_sigma_quantiles" in f else None)
    real = pd.read_csv(os.path.join(d, "real.csv"))
    R, lab = real[names].values, real["label"].values
    S = filter_sigma(par, R, split)
    own = own_labels(S, thresholds)
    rebuilt = np.mean(market(own) == lab)
    print(f"== {d}: {info['bundled']} seed {seed}; {K} assets, {len(R)} days (train {split}); "
          f"real labels rebuilt {rebuilt:.4f} equal")
    head = ("| regime | real days (tail days) | ES gen / real (bootstrap 5-95 %) | vs training days' ES | portfolio sd ratio "
            "| ES/sd ratio, tail shape (at 5 %) | sds' factor | corr factor (gen / real mean corr) |")
    print(head)
    print("|" + "---|" * 8)
    per_asset = []
    rows = {}
    for g, gname in enumerate(regime_names):
        m = lab == g
        path = os.path.join(d, f"tgfl_regime_{g}.csv")
        if m.sum() < 30 or not os.path.exists(path):
            continue
        G = pd.read_csv(path)
        Rg = G[names].values
        Xr, Xg = np.exp(R[m]) - 1, np.exp(Rg) - 1
        pr, pg = Xr.mean(axis=1), Xg.mean(axis=1)
        es_r, es_g = es(pr), es(pg)
        tail = int(np.sum(pr <= np.quantile(pr, 0.01)))
        boot = []
        for _ in range(n_boot):
            boot.append(es_g / es(pr[rng.integers(0, len(pr), len(pr))]))
        lo, hi = np.quantile(boot, [0.05, 0.95]) if boot else (np.nan, np.nan)
        mt = m & (np.arange(len(R)) < split)
        es_t = es(portfolio(R[mt])) if mt.sum() >= 30 else np.nan
        sd_ratio, sds, corr_f, Pg, Pr = split_scale(Xg, Xr)
        shape = (es_g / pg.std()) / (es_r / pr.std())
        shape5 = (es(pg, 0.05) / pg.std()) / (es(pr, 0.05) / pr.std())
        print(f"| {gname} | {m.sum()} ({tail}) | {es_g / es_r:.3f} ({lo:.2f}-{hi:.2f}) | {es_g / es_t:.3f} | {sd_ratio:.3f} "
              f"| {shape:.3f} ({shape5:.3f}) | {sds:.3f} | {corr_f:.3f} ({mean_off(Pg):.3f} / {mean_off(Pr):.3f}) |")
        # Each asset: sigma level and the rest (z); real on the regime's days, generated from the bands.
        u = np.array([first_uniform(seed + 2, p) for p in range(len(Rg))])
        if starts is not None:   # JointRegimeStarts (session 19): the market regime's quantiles, floor/cap only
            sig_g = np.column_stack([[np.sqrt(min(max(np.exp(2 * interp(starts[g, k], x)), par[k]["sigma_floor"] ** 2),
                                                  par[k]["sigma_cap"] ** 2)) for x in u] for k in range(K)])
        else:
            sig_g = np.column_stack([band_sigma(q0[k], levels[k], thresholds[k], par[k]["sigma_floor"], par[k]["sigma_cap"], g, u)
                                     for k in range(K)])
        lev_g = np.sqrt((sig_g ** 2).mean(axis=0))
        lev_r = np.sqrt((S[m] ** 2).mean(axis=0))
        lev_t = np.sqrt((S[mt] ** 2).mean(axis=0)) if mt.sum() >= 30 else lev_r
        z_g = np.sqrt((((Rg - mu) / sig_g) ** 2).mean(axis=0))
        z_r = np.sqrt((((R[m] - mu) / S[m]) ** 2).mean(axis=0))
        same = (own[m] == g).mean(axis=0)
        # Counterfactual: each asset's deviations rescaled to the real training regime-g days' sigma level.
        Rc = mu + (Rg - mu) * (lev_t / lev_g)
        es_c = es(portfolio(Rc))
        # The same z under two market-wide starts drawn from the real training regime-g days (what a
        # start conditioned on the market label would give if the network's z did not react): (a) each
        # asset's own sigma quantile at the path's u on those days (comonotone), (b) the sigma vector of a
        # random such day (the days' cross-asset spread kept).
        Zg = (Rg - mu) / sig_g
        St = S[mt] if mt.sum() >= 30 else S[m]
        Sa = np.column_stack([np.quantile(St[:, k], u) for k in range(K)])
        Sb = St[rng.integers(0, len(St), len(Rg))]
        es_a, es_b = es(portfolio(mu + Sa * Zg)), es(portfolio(mu + Sb * Zg))
        # ES 1 % of n generated days (n = the real regime days), the mean over 2,000 draws: the estimator's
        # small-sample bias (at n = 100 the 1 % ES is the single worst day).
        small = np.mean([es(pg[rng.integers(0, len(pg), m.sum())]) for _ in range(2000)])
        rows[gname] = dict(cf_a=es_a / es_r, cf_b=es_b / es_r, small=small / es_r, ratio=es_g / es_r, lo=lo, hi=hi, train=es_g / es_t, sd=sd_ratio, shape=shape, sds=sds,
                           corr=corr_f, cf=es_c / es_r, n=int(m.sum()), tail=tail)
        for k in range(K):
            per_asset.append(f"| {gname} | {names[k]} | {Xg[:, k].std() / Xr[:, k].std():.3f} | {lev_g[k] / lev_r[k]:.3f} "
                             f"({lev_g[k]:.4f} / {lev_r[k]:.4f}) | {lev_t[k] / lev_r[k]:.3f} | {z_g[k] / z_r[k]:.3f} "
                             f"| {same[k]:.2f} | {(es(Xg[:, k]) / Xg[:, k].std()) / (es(Xr[:, k]) / Xr[:, k].std()):.3f} |")
        per_asset.append(f"| {gname} | counterfactual ES gen / real: sigma levels rescaled {es_c / es_r:.3f}, comonotone "
                         f"market-{gname} start {es_a / es_r:.3f}, historical market-{gname} sigma vectors {es_b / es_r:.3f}; "
                         f"ES of {m.sum()} generated days / real {small / es_r:.3f} |  |  |  |  |")
    print()
    print("| regime | asset | sd gen / real | sigma level gen / real (gen / real) | training days' level / all days' | rms z gen / real "
          "| real days with the asset's own label = regime | the asset's ES/sd gen / real |")
    print("|" + "---|" * 8)
    print("\n".join(per_asset))
    print()
    return dict(bundled=info["bundled"], seed=seed, regimes=rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--bootstrap", type=int, default=2000)
    ap.add_argument("--json", help="write the per-regime figures of every run here")
    args = ap.parse_args()
    rng = np.random.default_rng(19)
    out = [diagnose(d, args.bootstrap, rng) for d in args.dirs]
    if args.json:
        json.dump(out, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
