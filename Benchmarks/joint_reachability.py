#!/usr/bin/env python3
"""Issue 17, session 12: which joint-benchmark targets can a model fitted on the training days
reach at all? (BENCHMARKS.md "Joint scenarios ... Session 12".)

Input: directories written by `tgfl-bench joint` (real.csv with the model's market regime of
every day, model.json with split_day). Run:

    /work/pyref/bin/python Benchmarks/joint_reachability.py DIR [DIR ...]

Every figure is scored as joint_baselines.py scores a method (against every day of the file),
but for "oracles" built from the real days instead of a generator:
- train:        the training days themselves (the first 80 %), i.e. a model that reproduces the
                training span's joint distribution exactly (its correlation matrix, tails, regimes);
- train, full regime mix: the training days of each market regime g reweighted to the
                full sample's regime frequencies (the pooled second moments
                sum_g p_g(full) E_train[(r - m)(r - m)' | g]), i.e. a model that knows each regime's
                training distribution exactly and visits the regimes as often as the whole file does;
- held-out:     the last 20 % alone (how far the span no model sees is from the full sample).
Plus the estimation noise of the target itself: the 5-95 % range of the full-sample matrix's max
abs error under a moving-block bootstrap of the days (blocks of 20 days, 500 draws, seed 1).
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from joint_baselines import corr, es, lower_tail, mean_off, portfolio, read  # noqa: E402


def corr_from_cov(S):
    d = np.sqrt(np.diag(S))
    return S / np.outer(d, d)


def max_err(R, real_R):
    return float(np.max(np.abs(R - real_R)))


def main():
    rng = np.random.default_rng(1)
    for d in sys.argv[1:]:
        info = json.load(open(os.path.join(d, "model.json")))
        names, split = info["assets"], info["split_day"]
        G = len(info["regime_names"])
        _, real = read(os.path.join(d, "real.csv"))
        labels, X = real[:, 1].astype(int), real[:, 2:]
        n, K = X.shape
        train, tl = X[:split], labels[:split]
        top = G - 1
        crisis_set = [top] if np.sum(labels == top) >= 60 else [top - 1, top]
        real_R = corr(X)
        iu = np.triu_indices(K, 1)

        def regime_corr(days, lab, gs):
            m = np.isin(lab, gs)
            return mean_off(corr(days[m])) if m.sum() >= 30 else float("nan")

        m = train.mean(axis=0)
        pooled = np.zeros((K, K))
        for g in range(G):
            p_full = np.mean(labels == g)
            sel = tl == g
            if sel.sum() == 0:
                continue
            c = train[sel] - m
            pooled += p_full * (c.T @ c) / sel.sum()
        mix_R = corr_from_cov(pooled)

        blocks = 20
        starts = np.arange(0, n - blocks + 1)
        boot = []
        for _ in range(500):
            idx = np.concatenate([np.arange(s, s + blocks) for s in rng.choice(starts, size=n // blocks + 1)])[:n]
            boot.append(max_err(corr(X[idx]), real_R))
        lo, hi = np.quantile(boot, [0.05, 0.95])

        real_calm, real_crisis = regime_corr(X, labels, [0]), regime_corr(X, labels, crisis_set)
        print(f"## {info['bundled']}: {', '.join(names)} ({n} days, train {split})")
        print(f"real: mean corr {mean_off(real_R):.3f}, calm {real_calm:.3f}, crisis {real_crisis:.3f}, "
              f"gap {real_crisis - real_calm:+.3f}, lambda_L {lower_tail(X):.3f}")
        print("| oracle | corr max abs err (pair) | mean corr | calm corr | crisis corr | gap (err %) | lambda_L | "
              "ES1% per regime (err %) |")
        print("|---|---|---|---|---|---|---|---|")
        for name, R, days, lab in (("train", corr(train), train, tl),
                                   ("train, full regime mix", mix_R, None, None),
                                   ("held-out", corr(X[split:]), X[split:], labels[split:])):
            e = np.abs(R - real_R)[iu]
            k = int(np.argmax(e))
            pair = f"{names[iu[0][k]]}-{names[iu[1][k]]}"
            if days is None:
                print(f"| {name} | {e.max():.3f} ({pair}) | {mean_off(R):.3f} | | | | | |")
                continue
            calm, crisis = regime_corr(days, lab, [0]), regime_corr(days, lab, crisis_set)
            gap = crisis - calm
            gap_err = 100 * (gap / (real_crisis - real_calm) - 1)
            cells = []
            for g in range(G):
                if np.sum(lab == g) >= 30 and np.sum(labels == g) >= 30:
                    r_es, o_es = es(portfolio(X[labels == g])), es(portfolio(days[lab == g]))
                    cells.append(f"{info['regime_names'][g]} {100 * (o_es / r_es - 1):+.0f}")
                else:
                    cells.append(f"{info['regime_names'][g]} – ({np.sum(lab == g)} days)")
            print(f"| {name} | {e.max():.3f} ({pair}) | {mean_off(R):.3f} | {calm:.3f} | {crisis:.3f} | "
                  f"{gap:+.3f} ({gap_err:+.0f} %) | {lower_tail(days):.3f} | {', '.join(cells)} |")
        print(f"estimation noise of the target: full-sample matrix under a 20-day block bootstrap, max abs err "
              f"5-95 % {lo:.3f}-{hi:.3f} (median {np.median(boot):.3f})")
        print()


if __name__ == "__main__":
    main()
