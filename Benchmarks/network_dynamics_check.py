#!/usr/bin/env python3
"""Does TGFL's network learn the dependence its volatility recursion leaves in z? (issue 12,
session 16; BENCHMARKS.md "Does the network learn dynamics the recursion misses?")

When the true process is not a GJR (Benchmarks/misspecified_standins.py), the z_t = (r_t − μ)/σ_t
of TGFL's fitted GJR filter keep some dependence: |z| is autocorrelated and recent |z| predicts
the next z². The network sees the recent z tokens (T = 128 days) and the volatility level, so it
could learn that. For one series' checkpoints (`tgfl-bench realism --csv FILE --save DIR`:
DIR/<name>.h5 and DIR/<name>.tgfl.csv; one DIR per training length, e.g. 300 steps and 1 step)
this script

1. rebuilds the training z exactly as leverage_network_check.py does (the checkpoint's fitted
   filter, its σ bounds, arch's backcast; the Trainer's training span = the first 80 % of the
   realism training span) and prints its residual dependence: the mean ACF of |z| over lags 1-5
   and 1-20 (the whole span, and per 250-day chunk as the paths below) and corr(z_t, z²_{t+1});
2. runs the network (the PyTorch reference module with the checkpoint's weights) on every
   window of the realism training span (stride T/2, later half of each window; the Trainer's
   training days and its validation days, which it never trained on) and takes its predicted
   E[z²_{t+1}] (softmax at temperature 1, uniform within bins); prints the spread of that
   prediction across contexts (std, and std within volatility level) and its correlation with
   the realised z²_{t+1}; as an outside yardstick, the same correlation for a least-squares fit
   of z²_{t+1} on the level alone, and on the level and the trailing means of |z| over 5, 20 and
   60 days, fitted on the training days' positions and evaluated on them and on the validation
   days' (how much of the next z² the recent z history can predict linearly, out of sample);
   the same for |z_{t+1}| (the network's predicted E|z|), which a few huge days sway less;
3. filters the generated paths (DIR/<name>.tgfl.csv) and, with --oracle / --gjr, the oracle's
   and the GJR baseline's paths, with the SAME fitted filter (each path started at arch's
   backcast of its own days) and prints the mean per-path ACF of |z| over lags 1-5 and 1-20:
   a network that learned the residual dependence gives generated z whose filtered |z| is
   autocorrelated like the oracle's.

Run: /work/pyref/bin/python Benchmarks/network_dynamics_check.py --csv OUT/mis_sv_5000.csv \
        --save S300 --save S1 --oracle OUT/baselines/mis_sv_5000.price.oracle.csv \
        --gjr OUT/baselines/mis_sv_5000.price.gjr_skewt.csv
     (needs torch, h5py, numpy, pandas; torch on 2 threads; seed 1)
"""
import argparse
import json
import sys
from pathlib import Path

import h5py
import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "Tests" / "Fixtures"))
import make_reference as ref  # noqa: E402
from leverage_network_check import backcast  # noqa: E402
from realism_baselines import outside_series, TRAIN_FRACTION  # noqa: E402


def load(path):
    with h5py.File(path, "r") as f:
        cfg = json.loads(f.attrs["model_config"])
        weights = {k: torch.tensor(f["weights"][k][()]) for k in f["weights"]}
        a = dict(f["volatility"].attrs)
        edges = f["volatility"]["level_edges"][()]
        bins = f["tokenizer"]["bin_edges"][()]
    return cfg, weights, a, edges, bins


def filtered(x, a):
    """σ² of the checkpoint's fitted filter on x (1-D), started at arch's backcast."""
    mu, om, al, ga, be = (float(a[k]) for k in ("mu", "omega", "alpha", "gamma", "beta"))
    lo, hi = float(a["sigma_floor"]) ** 2, float(a["sigma_cap"]) ** 2
    v = np.empty(len(x))
    s2 = np.clip(om + (al + ga / 2 + be) * backcast(x - x.mean()), lo, hi)
    for t in range(len(x)):
        v[t] = s2
        e = x[t] - mu
        s2 = np.clip(om + (al + ga * (e < 0)) * e * e + be * s2, lo, hi)
    return v


def acf_abs_mean(z, lags):
    x = np.abs(z) - np.abs(z).mean()
    d = (x * x).sum()
    return float(np.mean([(x[:-k] * x[k:]).sum() / d for k in range(1, lags + 1)]))


def paths_z_acf(paths, a):
    mu = float(a["mu"])
    out5, out20 = [], []
    for p in paths:
        z = (p - mu) / np.sqrt(filtered(p, a))
        out5.append(acf_abs_mean(z, 5))
        out20.append(acf_abs_mean(z, 20))
    return float(np.mean(out5)), float(np.mean(out20)), float(np.std(out5) / np.sqrt(len(out5)))


def chunks(z, H=250):
    return [z[i * H:(i + 1) * H] for i in range(len(z) // H)]


def read_paths(path):
    return np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


def trailing(x, w):
    c = np.concatenate([[0.0], np.cumsum(x)])
    out = np.full(len(x), np.nan)
    out[w - 1:] = (c[w:] - c[:-w]) / w
    return out


def network_check(h5, r):
    cfg, weights, a, edges, bins = load(h5)
    k = int(np.floor(len(r) * TRAIN_FRACTION))
    span = r[:k]                            # the realism training span: the Trainer's days + its validation days
    n_fit = int(np.floor(k * 0.8))          # the Trainer's training days (its last 20 % validate)
    v = filtered(span, a)                   # causal: the first n_fit days are filtered as in training
    z = (span - float(a["mu"])) / np.sqrt(v)
    level = np.searchsorted(edges, 0.5 * np.log(v), side="right")
    V = len(bins) - 1
    tok = np.clip(np.searchsorted(bins, z, side="right") - 1, 0, V - 1)
    model = ref.ReferenceTransformer(cfg)
    model.load_state_dict(weights, strict=True)
    model.eval()
    T = cfg["context_length"]
    step = T // 2
    lo_b, hi_b = bins[:-1], bins[1:]
    m2_bin = torch.tensor((lo_b ** 2 + lo_b * hi_b + hi_b ** 2) / 3)
    # E|z| of a uniform draw in [a, b]: |a + b| / 2, or (a² + b²) / (2 (b − a)) when the bin holds 0
    m1_bin = torch.tensor(np.where((lo_b < 0) & (hi_b > 0), (lo_b ** 2 + hi_b ** 2) / (2 * (hi_b - lo_b)),
                                   np.abs(lo_b + hi_b) / 2))
    pos, pred, pred1 = [], [], []
    with torch.no_grad():
        for s in range(0, len(span) - T - 1, step):
            x = torch.tensor(tok[s:s + T][None], dtype=torch.long)
            c = torch.tensor(level[s + 1:s + T + 1][None], dtype=torch.long)
            logits, _ = model(x, c, torch.tensor(tok[s + 1:s + T + 1][None], dtype=torch.long))
            p = torch.softmax(logits[0].double(), dim=-1)
            e2 = (p * m2_bin).sum(-1).numpy()
            e1 = (p * m1_bin).sum(-1).numpy()
            for t in range(T - step, T):
                pos.append(s + t + 1)     # the predicted day
                pred.append(e2[t])
                pred1.append(e1[t])
    pos, pred, pred1 = np.array(pos), np.array(pred), np.array(pred1)
    nxt, lv = z[pos] ** 2, level[pos]
    fit = pos < n_fit
    held = ~fit
    within = np.sqrt(np.average([np.var(pred[fit & (lv == j)]) for j in np.unique(lv[fit])],
                                weights=[np.sum(fit & (lv == j)) for j in np.unique(lv[fit])]))
    # the outside yardstick: OLS of z²_{t+1} on level dummies (and the trailing mean |z| over 5, 20,
    # 60 days through day t), fitted on the Trainer's training days, evaluated there and on the
    # validation days the network never trained on
    az = np.abs(z)
    feats = [trailing(az, w)[pos - 1] for w in (5, 20, 60)]
    ok = np.all(np.isfinite(feats), axis=0)
    dummies = np.eye(len(edges) + 1)[lv]
    X = np.column_stack([dummies] + feats)
    corr = lambda x, m: float(np.corrcoef(x[m], nxt[m])[0, 1])
    beta, *_ = np.linalg.lstsq(X[ok & fit], nxt[ok & fit], rcond=None)
    bl, *_ = np.linalg.lstsq(dummies[ok & fit], nxt[ok & fit], rcond=None)
    ols, olsl = X @ beta, dummies @ bl
    # the same for |z_{t+1}|, less at the mercy of a few huge days than z² under fat tails
    absn = np.abs(z[pos])
    corr1 = lambda x, m: float(np.corrcoef(x[m], absn[m])[0, 1])
    b1, *_ = np.linalg.lstsq(X[ok & fit], absn[ok & fit], rcond=None)
    b1l, *_ = np.linalg.lstsq(dummies[ok & fit], absn[ok & fit], rcond=None)
    ols1, ols1l = X @ b1, dummies @ b1l
    zf = z[:n_fit]
    return a, {
        "train_days": n_fit, "validation_days": k - n_fit,
        "predictions_train": int(fit.sum()), "predictions_validation": int(held.sum()),
        "train_z_acf_abs_1_5": acf_abs_mean(zf, 5), "train_z_acf_abs_1_20": acf_abs_mean(zf, 20),
        # per 250-day chunk, as the paths below (the per-path mean biases the ACF down)
        "train_z_acf_abs_1_5_chunks": float(np.mean([acf_abs_mean(c, 5) for c in chunks(zf)])),
        "train_z_acf_abs_1_20_chunks": float(np.mean([acf_abs_mean(c, 20) for c in chunks(zf)])),
        "train_corr_z_z2next": float(np.corrcoef(zf[:-1], zf[1:] ** 2)[0, 1]),
        "pred_E_z2_mean": float(pred[fit].mean()), "pred_E_z2_std": float(pred[fit].std()),
        "pred_E_z2_std_within_level": float(within),
        "corr_pred_z2next": corr(pred, fit & ok), "corr_level_ols_z2next": corr(olsl, fit & ok),
        "corr_history_ols_z2next": corr(ols, fit & ok),
        "val_corr_pred_z2next": corr(pred, held & ok), "val_corr_level_ols_z2next": corr(olsl, held & ok),
        "val_corr_history_ols_z2next": corr(ols, held & ok),
        "ols_history_coefficients": [float(b) for b in beta[-3:]],
        "abs_corr_pred": corr1(pred1, fit & ok), "abs_corr_level_ols": corr1(ols1l, fit & ok),
        "abs_corr_history_ols": corr1(ols1, fit & ok),
        "val_abs_corr_pred": corr1(pred1, held & ok), "val_abs_corr_level_ols": corr1(ols1l, held & ok),
        "val_abs_corr_history_ols": corr1(ols1, held & ok),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv", required=True, help="the stand-in prices CSV (as tgfl-bench realism --csv)")
    ap.add_argument("--save", action="append", required=True,
                    help="a --save folder of tgfl-bench realism (repeatable: one per training length)")
    ap.add_argument("--oracle", help="the oracle's scenario CSV")
    ap.add_argument("--gjr", help="the GJR skew-t baseline's scenario CSV")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(1)
    (name, r), = outside_series(args.csv)
    result = {"series": name, "runs": {}}
    a0 = None
    for d in args.save:
        h5, gen = Path(d) / f"{name}.h5", Path(d) / f"{name}.tgfl.csv"
        for f in (h5, gen):
            if not f.exists():
                sys.exit(f"--save {d}: no {f.name} (run tgfl-bench realism --csv {args.csv} --save {d})")
        a, net = network_check(h5, r)
        a0 = a0 or a
        net["generated_z_acf_abs_1_5"], net["generated_z_acf_abs_1_20"], net["generated_se_1_5"] = \
            paths_z_acf(read_paths(gen), a)
        result["runs"][d] = net
    # the references are filtered with the first checkpoint's filter (the filter does not depend
    # on the training steps: the data models are fitted before training)
    for key, path in (("oracle", args.oracle), ("gjr_skewt", args.gjr)):
        if path:
            r5, r20, se = paths_z_acf(read_paths(path), a0)
            result[key] = {"z_acf_abs_1_5": r5, "z_acf_abs_1_20": r20, "se_1_5": se}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
