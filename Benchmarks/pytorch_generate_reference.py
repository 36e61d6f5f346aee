#!/usr/bin/env python3
"""PyTorch eager scenario generation with a KV cache, for a side-by-side comparison with
`tgfl-bench generate` (same v1 transformer, same sampling and sliding-window rule).

The model is the reference module of Tests/Fixtures/make_reference.py (docs/DESIGN.md's v1
transformer). Generation, as in TGFL's `ScenarioModel.generate`:

    start: one input (neutral token, regime g_0) at position 0, prefill
    day d: k_d ~ softmax(logits / tau)   (torch.multinomial)
           return = bin lower edge + U * bin width
           append input (k_d, g_{d+1}) at the next position, using cached K/V per layer
    when the sequence holds T inputs: keep the most recent T/2 (with the new one),
           recompute their K/V in one prefill at positions 0.. and continue

All paths run as ONE batch (what a PyTorch user would write; the largest matrices PyTorch
can get). K/V caches are preallocated [B, H, T, hd] per layer; attention over the cache uses
torch.nn.functional.scaled_dot_product_attention. Reported: median wall time of --runs runs
(after one warm-up run on a tenth of the paths), sampled tokens/s, peak RSS.

Run:  /work/devvenv/bin/python Benchmarks/pytorch_generate_reference.py --config small \
          --paths 1000 --horizon 250 --threads 2
"""
import argparse
import math
import statistics

import torch
import torch.nn.functional as F

from pytorch_common import print_footer, ref, reference_config, timed_runs


class Generator:
    def __init__(self, model, cfg, batch):
        self.m, self.cfg = model, cfg
        C, H, T = cfg["d_model"], cfg["n_heads"], cfg["context_length"]
        self.C, self.H, self.T, self.hd = C, H, T, C // H
        L = cfg["n_layers"]
        self.k = [torch.zeros(batch, H, T, C // H) for _ in range(L)]
        self.v = [torch.zeros(batch, H, T, C // H) for _ in range(L)]

    def forward(self, tokens, regimes, start):
        """tokens/regimes [B, n] at positions start..start+n-1; returns last-position logits [B, V]."""
        m = self.m
        B, n = tokens.shape
        C, H, hd = self.C, self.H, self.hd
        x = m.tok_emb(tokens) + m.pos_emb(torch.arange(start, start + n)) + getattr(m, m.condition)(regimes)
        for l, block in enumerate(m.blocks):
            q, k, v = block.attn.qkv(block.ln1(x)).split(C, dim=2)
            q = q.view(B, n, H, hd).transpose(1, 2)
            self.k[l][:B, :, start:start + n] = k.view(B, n, H, hd).transpose(1, 2)
            self.v[l][:B, :, start:start + n] = v.view(B, n, H, hd).transpose(1, 2)
            keys, values = self.k[l][:B, :, :start + n], self.v[l][:B, :, :start + n]
            if n == 1:
                y = F.scaled_dot_product_attention(q, keys, values)
            else:  # prefill from position 0: causal
                y = F.scaled_dot_product_attention(q, keys, values, is_causal=True)
            x = x + block.attn.proj(y.transpose(1, 2).reshape(B, n, C))
            x = x + block.mlp(block.ln2(x))
        logits = m.head(m.ln_f(x[:, -1]))
        if m.v2:
            logits = logits + m.level_bias(regimes[:, -1])
        return logits


class VolatilityState:
    """Model v2's volatility state per path, vectorised over paths (what TGFL's v2 sampler does
    per day: r = mu + sigma * z, a GJR-GARCH variance step clamped to bounds, and the level of
    log sigma among 15 edges). The parameters are fixed plausible values; speed does not depend
    on them."""

    def __init__(self, paths, levels):
        self.mu, self.omega, self.alpha, self.gamma, self.beta = 3e-4, 2e-6, 0.06, 0.08, 0.88
        self.lo, self.hi = (0.002) ** 2, (0.2) ** 2
        self.var = torch.full((paths,), 1e-4, dtype=torch.float64)
        self.edges = torch.linspace(math.log(0.004), math.log(0.05), levels - 1, dtype=torch.float64)

    def level(self):
        return torch.searchsorted(self.edges, 0.5 * torch.log(self.var), right=True)

    def step(self, z):
        r = self.mu + torch.sqrt(self.var) * z
        e = r - self.mu
        a = self.alpha + self.gamma * (e < 0)
        self.var = (self.omega + a * e * e + self.beta * self.var).clamp(self.lo, self.hi)
        return r


@torch.no_grad()
def generate(model, cfg, paths, horizon, regime, temperature, edges, seed):
    g = torch.Generator().manual_seed(seed)
    T, V = cfg["context_length"], cfg["vocab_size"]
    gen = Generator(model, cfg, paths)
    vol = VolatilityState(paths, ref.condition_rows(cfg)) if model.v2 else None

    def condition():
        return vol.level()[:, None] if vol is not None else torch.full((paths, 1), regime, dtype=torch.long)

    seq_tok = torch.full((paths, 1), V // 2, dtype=torch.long)
    seq_reg = condition()
    logits = gen.forward(seq_tok, seq_reg, 0)
    length = 1
    out = torch.empty(paths, horizon, dtype=torch.float64)
    lo, width = edges[:-1], edges[1:] - edges[:-1]
    for d in range(horizon):
        probs = torch.softmax(logits / temperature, dim=-1)
        k = torch.multinomial(probs, 1, generator=g)[:, 0]
        x = lo[k] + torch.rand(paths, generator=g, dtype=torch.float64) * width[k]
        out[:, d] = vol.step(x) if vol is not None else x
        if d == horizon - 1:
            break
        new_tok, new_reg = k[:, None], condition()
        if length == T:
            keep = max(1, T // 2)
            seq_tok = torch.cat([seq_tok[:, T - keep + 1:], new_tok], dim=1)
            seq_reg = torch.cat([seq_reg[:, T - keep + 1:], new_reg], dim=1)
            length = keep
            logits = gen.forward(seq_tok, seq_reg, 0)
        else:
            seq_tok = torch.cat([seq_tok, new_tok], dim=1)
            seq_reg = torch.cat([seq_reg, new_reg], dim=1)
            logits = gen.forward(new_tok, new_reg, length)
            length += 1
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", choices=["small", "large"], default="small")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--horizon", type=int, default=250)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--model-version", type=int, choices=[1, 2], default=1,
                    help="2: model v2 (vol_emb, level_bias and the per-path volatility state)")
    args = ap.parse_args()

    cfg = reference_config(args.config, args.threads, args.model_version)
    model = ref.ReferenceTransformer(cfg).eval()
    V = cfg["vocab_size"]
    std = 1.0 if args.model_version == 2 else 0.012   # v2 tokens are standardised returns z
    edges = torch.tensor([std * (-12 + 24 * i / V) for i in range(V + 1)], dtype=torch.float64)

    generate(model, cfg, max(1, args.paths // 10), args.horizon, 1, 1.0, edges, 0)  # warm-up
    times, cpu_times, outs = timed_runs(
        args.runs, lambda run: generate(model, cfg, args.paths, args.horizon, 1, 1.0, edges, run + 1))
    checksum = 0.0
    for out in outs:
        checksum += float(out.sum())
    median = statistics.median(times)
    print(f"pytorch_generate_reference.py --config {args.config} --paths {args.paths} --horizon {args.horizon} "
          f"--threads {args.threads} --model-version {args.model_version}  (torch {torch.__version__})")
    print(f"  run median   {median:.3f} s  (min {min(times):.3f}, max {max(times):.3f}, {args.runs} runs)")
    print(f"  tokens/s     {args.paths * args.horizon / median:.0f}")
    print(f"  cpu s/run    {statistics.median(cpu_times):.3f}  (median CPU time of all threads)")
    print_footer(checksum)


if __name__ == "__main__":
    main()
