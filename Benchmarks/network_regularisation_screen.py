#!/usr/bin/env python3
"""Can a regularised network learn the dynamics the volatility recursion leaves in z? (issue 12,
session 17; BENCHMARKS.md "What the network adds beyond the recursion (session 17, net17)")

Session 16 found that TGFL's network, trained on one series, memorises its training z within 25
steps and never beats the untrained output prior on validation, even on the long two-factor
stand-in where a linear regression on the trailing means of |z| doubles the out-of-sample
correlation with the next |z|. This script screens regularisers that the Swift trainer does not
have (dropout, freezing all but some parameters) next to those it has (learning rate, weight
decay), on the SAME data the Swift trainer sees, with the PyTorch reference module of
Tests/Fixtures/make_reference.py:

1. From a checkpoint saved by `tgfl-bench realism --train-only --eval-at 0 --steps 1 --save DIR`
   (data models fitted on the realism training span, the network at its seeded start with the
   output prior), rebuild the tokens and volatility levels of the realism training span as
   network_dynamics_check.py does (the checkpoint's filter, level edges and z bins).
2. Train copies of that network with each variant for --steps steps (batch 32, T 128, AdamW,
   warm-up 20 steps then cosine decay from the peak rate to a tenth of it, gradient clipping at 1,
   as the Trainer) on windows of the Trainer's training days (the first 80 % of the span) and
   evaluate the validation loss (mean cross-entropy, nats per token) on up to 256 evenly spaced
   windows of the validation days (the last 20 %) every --every steps and at step 0.
3. For the best step of each variant: the correlation of the network's predicted E|z_{t+1}| with
   the realised |z_{t+1}| on the validation days (as network_dynamics_check.py: stride T/2, later
   half of each window), next to the yardsticks (least squares of |z_{t+1}| on the level alone and
   on the level plus trailing means of |z| over 5, 20 and 60 days, fitted on the training days).

Variants (name = options): base (lr 1e-3, weight decay 0.01: the Trainer's defaults), lr3e-4,
lr1e-4, wd0.1, wd1 (weight decay NOT applied to the output biases head.bias and level_bias, which
hold the prior), drop0.1 / drop0.3 (dropout on the embeddings' sum, after attention and after the
MLP, as nanoGPT), head (train only ln_f, head and level_bias: the network's features frozen at
their random start), last (train only the last block, ln_f and the output layer).

Run: /work/pyref/bin/python Benchmarks/network_regularisation_screen.py --csv OUT/mis_twocomp_20000.csv \
        --model DIR0/mis_twocomp_20000.price.h5 [--variants base,drop0.1,...] [--steps 300] --json OUT.json
     (torch on 2 threads; seed 1)
"""
import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "Tests" / "Fixtures"))
import make_reference as ref  # noqa: E402
from network_dynamics_check import load, filtered, trailing  # noqa: E402
from realism_baselines import outside_series, TRAIN_FRACTION  # noqa: E402

VARIANTS = {
    "base": dict(),
    "lr3e-4": dict(lr=3e-4),
    "lr1e-4": dict(lr=1e-4),
    "wd0.1": dict(wd=0.1),
    "wd1": dict(wd=1.0),
    "drop0.1": dict(dropout=0.1),
    "drop0.3": dict(dropout=0.3),
    "head": dict(train="head"),
    "last": dict(train="last"),
}


class DropoutTransformer(ref.ReferenceTransformer):
    """The reference module with nanoGPT's dropout (embedding sum, attention output, MLP output)."""

    def __init__(self, cfg, p):
        super().__init__(cfg)
        self.p = p

    def forward(self, tokens, regimes, targets):
        T = tokens.shape[1]
        x = self.tok_emb(tokens) + self.pos_emb(torch.arange(T)) + getattr(self, self.condition)(regimes)
        x = F.dropout(x, self.p, self.training)
        for b in self.blocks:
            x = x + F.dropout(b.attn(b.ln1(x)), self.p, self.training)
            x = x + F.dropout(b.mlp(b.ln2(x)), self.p, self.training)
        logits = self.head(self.ln_f(x)) + self.level_bias(regimes)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        return logits, loss


def data(csv, h5):
    cfg, weights, a, edges, bins = load(h5)
    r = outside_series(csv)[0][1] if not isinstance(csv, np.ndarray) else csv
    k = int(np.floor(len(r) * TRAIN_FRACTION))
    span = r[:k]
    n_fit = int(np.floor(k * 0.8))
    v = filtered(span, a)
    z = (span - float(a["mu"])) / np.sqrt(v)
    level = np.searchsorted(edges, 0.5 * np.log(v), side="right")
    V = len(bins) - 1
    tok = np.clip(np.searchsorted(bins, z, side="right") - 1, 0, V - 1)
    return cfg, weights, z, level, tok, bins, n_fit


def windows(tok, level, lo, hi, T):
    """Start indices s of windows tok[s .. s+T] (inputs s..s+T-1, targets s+1..s+T) inside [lo, hi)."""
    return np.arange(lo, hi - T - 1 + 1)


def batch(tok, level, starts, T):
    x = np.stack([tok[s:s + T] for s in starts])
    y = np.stack([tok[s + 1:s + T + 1] for s in starts])
    c = np.stack([level[s + 1:s + T + 1] for s in starts])
    t = lambda a: torch.tensor(a, dtype=torch.long)
    return t(x), t(c), t(y)


def lr_at(s, peak, steps, warm=20):
    lo = peak / 10
    if s < warm:
        return peak * (s + 1) / warm
    p = (s - warm) / max(1, steps - warm)
    return lo + 0.5 * (peak - lo) * (1 + math.cos(math.pi * p))


def predicted_abs(model, tok, level, bins, T):
    lo_b, hi_b = bins[:-1], bins[1:]
    m1 = torch.tensor(np.where((lo_b < 0) & (hi_b > 0), (lo_b ** 2 + hi_b ** 2) / (2 * (hi_b - lo_b)),
                               np.abs(lo_b + hi_b) / 2))
    pos, pred = [], []
    step = T // 2
    model.eval()
    with torch.no_grad():
        for s in range(0, len(tok) - T - 1, step):
            x, c, y = batch(tok, level, [s], T)
            logits, _ = model(x, c, y)
            e1 = (torch.softmax(logits[0].double(), -1) * m1).sum(-1).numpy()
            for t in range(T - step, T):
                pos.append(s + t + 1)
                pred.append(e1[t])
    return np.array(pos), np.array(pred)


def run_variant(name, opts, cfg, weights, z, level, tok, bins, n_fit, steps, every, seed):
    T, B = cfg["context_length"], 32
    p = opts.get("dropout", 0.0)
    model = DropoutTransformer(cfg, p) if p > 0 else ref.ReferenceTransformer(cfg)
    model.load_state_dict(weights, strict=True)
    train_only = opts.get("train")
    for n, prm in model.named_parameters():
        if train_only == "head":
            prm.requires_grad = n.startswith(("ln_f.", "head.", "level_bias."))
        elif train_only == "last":
            last = f"blocks.{cfg['n_layers'] - 1}."
            prm.requires_grad = n.startswith((last, "ln_f.", "head.", "level_bias."))
    wd = opts.get("wd", 0.01)
    decay = [q for n, q in model.named_parameters() if q.requires_grad and not n.startswith(("head.bias", "level_bias"))]
    keep = [q for n, q in model.named_parameters() if q.requires_grad and n.startswith(("head.bias", "level_bias"))]
    # weight decay on the output biases too for "base"-like runs, as the Trainer (AdamW on every parameter)
    groups = ([{"params": decay + keep, "weight_decay": wd}] if wd <= 0.01
              else [{"params": decay, "weight_decay": wd}, {"params": keep, "weight_decay": 0.01}])
    peak = opts.get("lr", 1e-3)
    opt = torch.optim.AdamW(groups, lr=peak, betas=(0.9, 0.999), eps=1e-8)
    train_starts = windows(tok, level, 0, n_fit, T)
    val_all = windows(tok, level, n_fit, len(tok), T)
    val = val_all if len(val_all) <= 256 else val_all[(np.arange(256) * len(val_all)) // 256]
    rng = np.random.default_rng(seed)

    def val_loss():
        model.eval()
        tot = 0.0
        with torch.no_grad():
            for i in range(0, len(val), B):
                x, c, y = batch(tok, level, val[i:i + B], T)
                tot += float(model(x, c, y)[1]) * len(x)
        return tot / len(val)

    curve = [(0, val_loss())]
    best = (curve[0][1], 0, {k: v.clone() for k, v in model.state_dict().items()})
    train_losses = []
    for s in range(steps):
        model.train()
        for g in opt.param_groups:
            g["lr"] = lr_at(s, peak, steps)
        x, c, y = batch(tok, level, rng.choice(train_starts, B), T)
        _, loss = model(x, c, y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([q for q in model.parameters() if q.requires_grad], 1.0)
        opt.step()
        train_losses.append(float(loss))
        if (s + 1) % every == 0 or s + 1 == steps:
            v = val_loss()
            curve.append((s + 1, v))
            if v < best[0]:
                best = (v, s + 1, {k: q.clone() for k, q in model.state_dict().items()})
    model.load_state_dict(best[2])
    pos, pred = predicted_abs(model, tok, level, bins, T)
    held = pos >= n_fit
    corr = float(np.corrcoef(pred[held], np.abs(z[pos[held]]))[0, 1])
    print(f"  {name:8s} best step {best[1]:4d} val {best[0]:.4f} (step 0 {curve[0][1]:.4f}, "
          f"last {curve[-1][1]:.4f}; train loss last 10 {np.mean(train_losses[-10:]):.3f}); "
          f"val corr(E|z|, |z|) {corr:.3f}", flush=True)
    return {"curve": curve, "best_step": best[1], "best_val": best[0], "val_abs_corr_pred": corr,
            "final_train_loss": float(np.mean(train_losses[-10:]))}


def yardstick(z, level, n_fit, edges_count, T):
    """OLS of |z_{t+1}| on level dummies (and trailing means of |z|), at the same positions."""
    pos = []
    step = T // 2
    for s in range(0, len(z) - T - 1, step):
        pos += [s + t + 1 for t in range(T - step, T)]
    pos = np.array(pos)
    az = np.abs(z)
    feats = [trailing(az, w)[pos - 1] for w in (5, 20, 60)]
    ok = np.all(np.isfinite(feats), axis=0)
    d = np.eye(edges_count)[level[pos]]
    X = np.column_stack([d] + feats)
    y = az[pos]
    fit, held = (pos < n_fit) & ok, (pos >= n_fit) & ok
    out = {}
    for name, M in (("level", d), ("level+history", X)):
        b, *_ = np.linalg.lstsq(M[fit], y[fit], rcond=None)
        out[name] = float(np.corrcoef((M @ b)[held], y[held])[0, 1])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv", required=True, help="the stand-in prices CSV (as tgfl-bench realism --csv)")
    ap.add_argument("--model", required=True, help="the step-0 checkpoint of that series")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--every", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg, weights, z, level, tok, bins, n_fit = data(args.csv, args.model)
    ys = yardstick(z, level, n_fit, cfg["n_volatility_levels"], cfg["context_length"])
    print(f"{Path(args.csv).name}: {len(z)} days ({n_fit} training); yardstick val corr with |z_t+1|: "
          f"level {ys['level']:.3f}, level+history {ys['level+history']:.3f}", flush=True)
    out = {"yardstick": ys, "variants": {}}
    for name in args.variants.split(","):
        torch.manual_seed(args.seed)
        out["variants"][name] = run_variant(name, VARIANTS[name], cfg, weights, z, level, tok, bins, n_fit,
                                            args.steps, args.every, args.seed)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
