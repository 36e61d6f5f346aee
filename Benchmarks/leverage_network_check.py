#!/usr/bin/env python3
"""Does TGFL's trained network learn the training z's own leverage? (issue 12; BENCHMARKS.md
"Leverage in the generated z (session 12)").

For one series' checkpoint (`tgfl-bench realism --save DIR`: <name>.h5), this script rebuilds the
training z exactly as `DataModels.encode` does (the checkpoint's fitted GJR filter, its σ bounds,
arch's backcast start), tokenizes them with the checkpoint's bin edges, runs the network (the
PyTorch reference module of Tests/Fixtures/make_reference.py with the checkpoint's weights) on
every training window (stride T/2, later half of each window so every prediction sees ≥ T/2 days),
and compares, by the sign / size of the previous day's z (z_t < −1, z_t < 0, z_t ≥ 0, z_t > 1):

- realised: mean z²_{t+1} of the training z;
- predicted: mean of E[z²_{t+1}] under the network's softmax at temperature 1 (uniform within bins,
  as `ReturnTokenizer.sample`);
- the same within volatility level (a weighted mean over levels of the per-level gap), so that what
  the level input already carries is taken out.

Also printed: corr(z_t, z²_{t+1}) of the training z, and of z drawn token by token from the
network (one draw per predicted position, teacher-forced on the real history), i.e. whether the
sign→size dependence is lost at sampling.

Run: /work/pyref/bin/python Benchmarks/leverage_network_check.py DIR/nyse.close.h5 nyse.close
     (needs torch, h5py, numpy, pandas; a minute per series)
"""
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
from realism_baselines import bundled_series, TRAIN_FRACTION  # noqa: E402


def backcast(e):
    """arch's backcast: exponentially weighted mean of e² over the first 75 days, weights 0.94^k."""
    tau = min(75, len(e))
    w = 0.94 ** np.arange(tau)
    w = w / w.sum()
    return float((w * e[:tau] ** 2).sum())


def main():
    path, name = sys.argv[1], sys.argv[2]
    with h5py.File(path, "r") as f:
        cfg = json.loads(f.attrs["model_config"])
        weights = {k: torch.tensor(f["weights"][k][()]) for k in f["weights"]}
        a = dict(f["volatility"].attrs)
        edges_lvl = f["volatility"]["level_edges"][()]
        bins = f["tokenizer"]["bin_edges"][()]
    mu, om, al, ga, be = (float(a[k]) for k in ("mu", "omega", "alpha", "gamma", "beta"))
    lo, hi = float(a["sigma_floor"]) ** 2, float(a["sigma_cap"]) ** 2
    r = dict(bundled_series())[name]
    k = int(np.floor(len(r) * TRAIN_FRACTION))
    train = r[:int(np.floor(k * 0.8))]   # the Trainer's training span (its last 20 % validates)
    v = np.empty(len(train))
    s2 = np.clip(om + (al + ga / 2 + be) * backcast(train - train.mean()), lo, hi)
    for t in range(len(train)):
        v[t] = s2
        e = train[t] - mu
        s2 = np.clip(om + (al + ga * (e < 0)) * e * e + be * s2, lo, hi)
    z = (train - mu) / np.sqrt(v)
    level = np.searchsorted(edges_lvl, 0.5 * np.log(v), side="right")
    V = len(bins) - 1
    tok = np.clip(np.searchsorted(bins, z, side="right") - 1, 0, V - 1)
    model = ref.ReferenceTransformer(cfg)
    model.load_state_dict(weights, strict=True)
    model.eval()
    T = cfg["context_length"]
    step = T // 2
    lo_b, hi_b = bins[:-1], bins[1:]
    m2_bin = torch.tensor((lo_b ** 2 + lo_b * hi_b + hi_b ** 2) / 3)
    mid = torch.tensor(0.5 * (lo_b + hi_b))
    rows = []   # (z_t, z_{t+1} real, predicted E z², sampled z, level of t+1)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for s in range(0, len(train) - T - 1, step):
            x = torch.tensor(tok[s:s + T][None], dtype=torch.long)
            c = torch.tensor(level[s + 1:s + T + 1][None], dtype=torch.long)
            logits, _ = model(x, c, torch.tensor(tok[s + 1:s + T + 1][None], dtype=torch.long))
            p = torch.softmax(logits[0].double(), dim=-1)
            pred = (p * m2_bin).sum(-1)
            draw = torch.multinomial(p, 1, generator=gen)[:, 0]
            u = torch.rand(T, generator=gen, dtype=torch.float64)
            sampled = torch.tensor(lo_b)[draw] + u * (torch.tensor(hi_b)[draw] - torch.tensor(lo_b)[draw])
            for t in range(T - step, T):
                rows.append((z[s + t], z[s + t + 1], float(pred[t]), float(sampled[t]), level[s + t + 1]))
    R = np.array(rows)
    zt, zn, pr, sm, lv = R.T
    print(f"{name}: {len(R)} predictions on the training span ({len(train)} days), T = {T}")
    print(f"  corr(z_t, z²_t+1): training z {np.corrcoef(zt, zn ** 2)[0, 1]:+.3f}   "
          f"network's draw (teacher-forced) {np.corrcoef(zt, sm ** 2)[0, 1]:+.3f}   "
          f"network's predicted E[z²] {np.corrcoef(zt, pr)[0, 1]:+.3f}")
    for tag, m in (("z_t < −1", zt < -1), ("z_t < 0", zt < 0), ("z_t ≥ 0", zt >= 0), ("z_t > 1", zt > 1)):
        print(f"  {tag:9s} n={m.sum():5d}  realised E[z²] {np.mean(zn[m] ** 2):.3f}   predicted {np.mean(pr[m]):.3f}"
              f"   sampled {np.mean(sm[m] ** 2):.3f}")

    def within(x):
        gaps, wts = [], []
        for j in np.unique(lv):
            m = lv == j
            n_, p_ = m & (zt < 0), m & (zt >= 0)
            if n_.sum() > 10 and p_.sum() > 10:
                gaps.append(np.mean(x[n_]) / np.mean(x[p_]))
                wts.append(m.sum())
        return np.average(gaps, weights=wts)
    print(f"  ratio E[z²|z_t<0] / E[z²|z_t≥0]: realised {np.mean(zn[zt < 0] ** 2) / np.mean(zn[zt >= 0] ** 2):.3f}"
          f"  predicted {np.mean(pr[zt < 0]) / np.mean(pr[zt >= 0]):.3f}"
          f"   within level: realised {within(zn ** 2):.3f}  predicted {within(pr):.3f}")


if __name__ == "__main__":
    main()
