"""Load a TGFL checkpoint into an equivalent PyTorch module, with h5py only (no TGFL code).

The checkpoint's ``/weights/<name>`` datasets use PyTorch's own names and shapes
(``nn.Linear`` weights are ``[out, in]``), so ``load_state_dict`` takes them as they are:

    python to_pytorch.py model.h5          # prints the config and the logits of a test input

    from to_pytorch import load_tgfl
    module = load_tgfl("model.h5")         # torch.nn.Module, eval mode
    logits = module(tokens, regimes)       # [B, T, V]; tokens/regimes: int64 [B, T]

The module is the v1 reference transformer of docs/DESIGN.md: token + position + regime
embeddings, pre-LayerNorm blocks (causal multi-head attention, exact-GELU MLP), final
LayerNorm, untied head.
"""

from __future__ import annotations

import json
import sys

import h5py
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)   # rows: q, then k, then v
        self.proj = nn.Linear(d_model, d_model)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        heads = lambda t: t.view(B, T, self.n_heads, C // self.n_heads).transpose(1, 2)  # noqa: E731
        y = F.scaled_dot_product_attention(heads(q), heads(k), heads(v), is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, d_model: int, d_ff: int):
        super().__init__()
        self.fc = nn.Linear(d_model, d_ff)
        self.proj = nn.Linear(d_ff, d_model)

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x)))          # exact (erf) GELU


class Block(nn.Module):
    def __init__(self, d_model: int, n_heads: int, d_ff: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model, eps=1e-5)
        self.attn = CausalSelfAttention(d_model, n_heads)
        self.ln2 = nn.LayerNorm(d_model, eps=1e-5)
        self.mlp = MLP(d_model, d_ff)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class TGFLTransformer(nn.Module):
    """The v1 TGFL transformer; its ``state_dict`` keys are the checkpoint's tensor names."""

    def __init__(self, config: dict):
        super().__init__()
        V, T, C = config["vocab_size"], config["context_length"], config["d_model"]
        self.tok_emb = nn.Embedding(V, C)
        self.pos_emb = nn.Embedding(T, C)
        self.regime_emb = nn.Embedding(config["n_regimes"], C)
        self.blocks = nn.ModuleList(Block(C, config["n_heads"], config["d_ff"]) for _ in range(config["n_layers"]))
        self.ln_f = nn.LayerNorm(C, eps=1e-5)
        self.head = nn.Linear(C, V)

    def forward(self, tokens, regimes):
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.tok_emb(tokens) + self.pos_emb(positions) + self.regime_emb(regimes)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


def load_tgfl(path: str) -> TGFLTransformer:
    """The checkpoint at ``path`` as a PyTorch module in eval mode; a model v2 checkpoint is refused (ValueError)."""
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
        weights = {name: torch.from_numpy(np.asarray(dataset)) for name, dataset in f["weights"].items()}
    version = config.get("model_version", 1)
    if version != 1:
        raise ValueError(f"{path} holds a model v{version} (volatility-level embedding and level bias); this module is "
                         "the v1 transformer: export a model trained with model_version=1 (tgfl train --model-version 1)")
    module = TGFLTransformer(config)
    module.load_state_dict(weights, strict=True)   # every name and shape must match
    return module.eval()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python to_pytorch.py CHECKPOINT.h5")
    model = load_tgfl(sys.argv[1])
    T = min(8, model.pos_emb.num_embeddings)
    tokens = torch.arange(T).remainder(model.tok_emb.num_embeddings).unsqueeze(0)
    regimes = torch.ones_like(tokens)
    with torch.no_grad():
        print(f"{sum(p.numel() for p in model.parameters())} parameters; logits[0, 0, :5] =",
              model(tokens, regimes)[0, 0, :5].tolist())
