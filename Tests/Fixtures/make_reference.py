#!/usr/bin/env python3
"""Golden values for TGFL's v1 and v2 transformers, computed by an independent PyTorch module.

The module below follows docs/DESIGN.md ("The reference transformer (v1)") with exactly its
parameter names, so `state_dict()` keys are the checkpoint's dataset names:

    x = tok_emb[tokens] + pos_emb[0..<T] + regime_emb[regimes]        (v1)
    x = tok_emb[tokens] + pos_emb[0..<T] + vol_emb[levels]            (v2: model_version 2,
                                                   n_volatility_levels rows; "regimes" below hold levels;
                                                   logits += level_bias[levels])
    repeat n_layers: x = x + attn.proj(causal_mha(ln1(x)));  x = x + mlp.proj(gelu(mlp.fc(ln2(x))))
    logits = head(ln_f(x));  loss = mean cross-entropy(logits[:, t], tokens[:, t+1])

The output file has the checkpoint layout (root attrs format, format_version, library_version,
model_config; /weights/<name> float32) plus a /reference group:

    tokens       int32 [B, T+1]   inputs are tokens[:, :T], targets tokens[:, 1:]
    regimes      int32 [B, T]
    logits       float32 [B, T, V]    rounded to multiples of 2^-18 (see `rounded`)
    loss         float32 scalar
    grads/<name> float32, d loss / d parameter, for every parameter, rounded to multiples
                 of 2^-18 · 2^floor(log2 max|g|) (error <= 3.9e-6 · max|g|)
    adamw_losses float32 [5]      from the stored weights and the same batch:
                                  loss, backward, AdamW step (lr 1e-3, betas (0.9, 0.999),
                                  eps 1e-8, weight_decay 0.01), five times; [0] == loss

The reference is computed in float64 (`--dtype float64`, the default) from the float32
weights, so it is the exact answer rounded once; TGFL computes in float32.
Weights are drawn with a fixed seed, spread like PyTorch's defaults (so attention, GELU
and LayerNorm are exercised away from their near-linear regimes) and rounded to multiples
of 2^-8 so that the shuffled, gzip-compressed file stays small.

Run (writes reference_small.h5, reference_odd.h5 and reference_v2.h5 next to this script):
    /work/devvenv/bin/python Tests/Fixtures/make_reference.py
    /work/devvenv/bin/python Tests/Fixtures/make_reference.py --vocab 37 --context 19 \
        --d-model 24 --layers 2 --heads 3 --ff 40 --regimes 3 --batch 3 --out /tmp/odd.h5
"""
import argparse
import json
import math
import os

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARY_VERSION = "reference-pytorch-" + torch.__version__.split("+")[0]

CONFIGS = {
    "small": dict(vocab_size=512, context_length=128, d_model=64, n_layers=4, n_heads=4, d_ff=256,
                  n_regimes=4),
    "large": dict(vocab_size=512, context_length=256, d_model=128, n_layers=4, n_heads=4, d_ff=512,
                  n_regimes=4),
    "odd": dict(vocab_size=37, context_length=19, d_model=24, n_layers=2, n_heads=3, d_ff=40,
                n_regimes=3),
    "v2": dict(vocab_size=64, context_length=24, d_model=32, n_layers=2, n_heads=4, d_ff=48,
               n_regimes=4, model_version=2, n_volatility_levels=16),
}


def condition_rows(cfg):
    """Rows of the conditioning table: n_regimes (v1) or n_volatility_levels (v2)."""
    return cfg["n_volatility_levels"] if cfg.get("model_version", 1) >= 2 else cfg["n_regimes"]


def condition_name(cfg):
    return "vol_emb" if cfg.get("model_version", 1) >= 2 else "regime_emb"


class Attention(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.n_heads = H
        self.qkv = nn.Linear(C, 3 * C)
        self.proj = nn.Linear(C, C)

    def forward(self, x):
        B, T, C = x.shape
        H = self.n_heads
        hd = C // H
        q, k, v = self.qkv(x).split(C, dim=2)            # rows 0..<C q, C..<2C k, 2C..<3C v
        q = q.view(B, T, H, hd).transpose(1, 2)           # head h: columns h*hd ..< (h+1)*hd
        k = k.view(B, T, H, hd).transpose(1, 2)
        v = v.view(B, T, H, hd).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        scores = scores.masked_fill(~mask, float("-inf"))
        y = F.softmax(scores, dim=-1) @ v
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(self, C, Fh):
        super().__init__()
        self.fc = nn.Linear(C, Fh)
        self.proj = nn.Linear(Fh, C)

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x), approximate="none"))


class Block(nn.Module):
    def __init__(self, C, H, Fh):
        super().__init__()
        self.ln1 = nn.LayerNorm(C, eps=1e-5)
        self.attn = Attention(C, H)
        self.ln2 = nn.LayerNorm(C, eps=1e-5)
        self.mlp = MLP(C, Fh)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class ReferenceTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        V, T, C = cfg["vocab_size"], cfg["context_length"], cfg["d_model"]
        self.tok_emb = nn.Embedding(V, C)
        self.pos_emb = nn.Embedding(T, C)
        self.condition = condition_name(cfg)
        setattr(self, self.condition, nn.Embedding(condition_rows(cfg), C))
        self.blocks = nn.ModuleList(
            [Block(C, cfg["n_heads"], cfg["d_ff"]) for _ in range(cfg["n_layers"])])
        self.ln_f = nn.LayerNorm(C, eps=1e-5)
        self.head = nn.Linear(C, V)
        self.v2 = cfg.get("model_version", 1) >= 2
        if self.v2:
            self.level_bias = nn.Embedding(condition_rows(cfg), V)

    def forward(self, tokens, regimes, targets):
        T = tokens.shape[1]
        x = self.tok_emb(tokens) + self.pos_emb(torch.arange(T)) + getattr(self, self.condition)(regimes)
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.ln_f(x))
        if self.v2:
            logits = logits + self.level_bias(regimes)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        return logits, loss


def layout_names(cfg):
    """The flat order (docs/DESIGN.md), written out independently of the module."""
    names = ["tok_emb.weight", "pos_emb.weight", condition_name(cfg) + ".weight"]
    for i in range(cfg["n_layers"]):
        p = f"blocks.{i}."
        names += [p + s for s in ("ln1.weight", "ln1.bias", "attn.qkv.weight", "attn.qkv.bias",
                                  "attn.proj.weight", "attn.proj.bias", "ln2.weight", "ln2.bias",
                                  "mlp.fc.weight", "mlp.fc.bias", "mlp.proj.weight", "mlp.proj.bias")]
    names += ["ln_f.weight", "ln_f.bias", "head.weight", "head.bias"]
    return names + (["level_bias.weight"] if cfg.get("model_version", 1) >= 2 else [])


def make_weights(model, seed):
    """Seeded weights: PyTorch's default init, embeddings N(0, 1), LayerNorm 1 ± 0.2 and
    bias ± 0.2, all rounded to multiples of 2^-8 (exact in float32)."""
    torch.manual_seed(seed)
    for name, module in model.named_modules():
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.reset_parameters()
        if isinstance(module, nn.LayerNorm):
            nn.init.normal_(module.weight, 1.0, 0.2)
            nn.init.normal_(module.bias, 0.0, 0.2)
        if isinstance(module, nn.Linear):
            nn.init.uniform_(module.bias, -0.2, 0.2)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.round(p * 256) / 256)


def dataset(f, name, data, dtype):
    data = np.ascontiguousarray(np.asarray(data, dtype=dtype))
    if data.size * data.itemsize < 16384:
        f.create_dataset(name, data=data)          # contiguous: no chunk index overhead
    else:
        f.create_dataset(name, data=data, compression="gzip", compression_opts=9, shuffle=True)


def rounded(x, relative_to):
    """x rounded to multiples of 2^(e-18), e = floor(log2 relative_to): an error of at most
    2^-19 · 2^(e+1) <= 3.9e-6 · relative_to, 4% of the Swift tests' tolerances (1e-4 absolute
    for logits, 1e-4 · max|g| for gradients), with many zero low bits for gzip."""
    x = np.asarray(x, dtype=np.float64)
    if relative_to <= 0:
        return x
    quantum = 2.0 ** (math.floor(math.log2(relative_to)) - 18)
    return np.round(x / quantum) * quantum


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", choices=sorted(CONFIGS), help="named config (default: all of "
                    "small and odd with their default batches)")
    for flag, key in [("--vocab", "vocab_size"), ("--context", "context_length"), ("--d-model", "d_model"),
                      ("--layers", "n_layers"), ("--heads", "n_heads"), ("--ff", "d_ff"),
                      ("--regimes", "n_regimes")]:
        ap.add_argument(flag, type=int, dest=key, help=f"override {key}")
    ap.add_argument("--batch", type=int, help="B (default 4 for small, 3 otherwise)")
    ap.add_argument("--length", type=int, help="T (default: context_length)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--out", help="output file")
    args = ap.parse_args()

    if args.config is None and args.out is None and all(
            getattr(args, k) is None for k in CONFIGS["small"]):
        jobs = [("small", 4, os.path.join(HERE, "reference_small.h5")),
                ("odd", 3, os.path.join(HERE, "reference_odd.h5")),
                ("v2", 3, os.path.join(HERE, "reference_v2.h5"))]
    else:
        name = args.config or "small"
        jobs = [(name, args.batch or (4 if name == "small" else 3),
                 args.out or os.path.join(HERE, f"reference_{name}.h5"))]
    for name, batch, out in jobs:
        cfg = dict(CONFIGS[name])
        for key in cfg:
            if getattr(args, key, None) is not None:
                cfg[key] = getattr(args, key)
        write(cfg, batch, args.length or cfg["context_length"], args.seed, args.dtype, out)


def write(cfg, B, T, seed, dtype_name, out):
    dtype = torch.float64 if dtype_name == "float64" else torch.float32
    model = ReferenceTransformer(cfg)
    make_weights(model, seed)
    weights32 = {k: v.detach().to(torch.float32).numpy().copy() for k, v in model.state_dict().items()}
    names = layout_names(cfg)
    assert sorted(names) == sorted(weights32), "module names differ from docs/DESIGN.md's layout"
    model = model.to(dtype)

    g = torch.Generator().manual_seed(seed + 1)
    tokens = torch.randint(0, cfg["vocab_size"], (B, T + 1), generator=g)
    regimes = torch.randint(0, condition_rows(cfg), (B, T), generator=g)
    inputs, targets = tokens[:, :T], tokens[:, 1:]

    logits, loss = model(inputs, regimes, targets)
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}

    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    adamw_losses = []
    for _ in range(5):
        opt.zero_grad()
        _, step_loss = model(inputs, regimes, targets)
        adamw_losses.append(step_loss.item())
        step_loss.backward()
        opt.step()
    assert adamw_losses[0] == loss.item()

    with h5py.File(out, "w") as f:
        f.attrs["format"] = "tgfl.checkpoint"
        f.attrs["format_version"] = 2 if cfg.get("model_version", 1) >= 2 else 1
        f.attrs["library_version"] = LIBRARY_VERSION
        f.attrs["model_config"] = json.dumps(cfg, sort_keys=True)
        for n in names:
            dataset(f, f"weights/{n}", weights32[n], np.float32)
        r = f.create_group("reference")
        r.attrs["batch"] = B
        r.attrs["length"] = T
        r.attrs["seed"] = seed
        r.attrs["dtype"] = dtype_name
        dataset(f, "reference/tokens", tokens.numpy(), np.int32)
        dataset(f, "reference/regimes", regimes.numpy(), np.int32)
        dataset(f, "reference/logits", rounded(logits.detach().numpy(), 1.0), np.float32)
        dataset(f, "reference/loss", loss.item(), np.float32)
        for n in names:
            g = grads[n].numpy()
            dataset(f, f"reference/grads/{n}", rounded(g, float(np.abs(g).max())), np.float32)
        dataset(f, "reference/adamw_losses", adamw_losses, np.float32)
    print(f"{out}: {json.dumps(cfg)} B={B} T={T} loss={loss.item():.6f} "
          f"adamw={['%.6f' % x for x in adamw_losses]} size={os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
