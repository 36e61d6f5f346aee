#!/usr/bin/env python3
"""PyTorch eager training throughput of the same v1 transformer, config and batch as
`tgfl-bench train` (forward + backward + AdamW, batch 32, T = context, median step time
after warm-up), for a side-by-side comparison.

The model is the reference module of Tests/Fixtures/make_reference.py (docs/DESIGN.md's v1
transformer with its exact parameter names). `--attention sdpa` swaps the explicit masked
softmax for torch.nn.functional.scaled_dot_product_attention(is_causal=True) (PyTorch's fused
kernel), so both ways of writing the model can be compared. The explicit form is the
default because it is the module of the parity fixtures (and the form issue 18's figures were
filed against); SDPA is the faster eager PyTorch on a CPU (its fused attention forward and backward
cost about half the explicit one's at these shapes), so BENCHMARKS.md quotes the ratio against both
(session 14 on), and `make bench` runs both. `--precision bf16` runs the step under
`torch.autocast("cpu", dtype=torch.bfloat16)` (matrix products in bf16 with fp32 sums, fp32
master weights and AdamW state), the counterpart of `tgfl-bench train --precision bf16`.

Run:  /work/devvenv/bin/python Benchmarks/pytorch_reference.py --config small --threads 2 --steps 20
"""
import argparse
import contextlib
import statistics

import torch
import torch.nn.functional as F

from pytorch_common import print_footer, ref, reference_config, timed_runs


def sdpa_forward(self, x):
    B, T, C = x.shape
    H = self.n_heads
    q, k, v = self.qkv(x).split(C, dim=2)
    q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", choices=["small", "large"], default="small")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--attention", choices=["explicit", "sdpa"], default="explicit")
    ap.add_argument("--model-version", type=int, choices=[1, 2], default=1,
                    help="2: model v2 (vol_emb with 16 levels and level_bias), as tgfl-bench --model-version 2")
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                    help="bf16: torch.autocast('cpu', dtype=torch.bfloat16) around forward and loss")
    args = ap.parse_args()

    cfg = reference_config(args.config, args.threads, args.model_version)
    if args.attention == "sdpa":
        ref.Attention.forward = sdpa_forward
    model = ref.ReferenceTransformer(cfg)
    B, T = args.batch, cfg["context_length"]
    g = torch.Generator().manual_seed(2)
    tokens = torch.randint(0, cfg["vocab_size"], (B, T), generator=g)
    targets = torch.randint(0, cfg["vocab_size"], (B, T), generator=g)
    regimes = torch.randint(0, ref.condition_rows(cfg), (B, T), generator=g)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)

    def autocast():
        if args.precision == "bf16":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def step(_):
        opt.zero_grad(set_to_none=True)
        with autocast():
            _, loss = model(tokens, regimes, targets)
        loss.backward()
        opt.step()
        return loss.detach()

    times, cpu_times, step_losses = timed_runs(args.warmup + args.steps, step)
    times, cpu_times = times[args.warmup:], cpu_times[args.warmup:]
    losses = [loss.item() for loss in step_losses]
    median = statistics.median(times)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"pytorch_reference.py --config {args.config} --threads {args.threads} --batch {B} "
          f"--steps {args.steps} --attention {args.attention} --model-version {args.model_version} --precision {args.precision}  (torch {torch.__version__}, "
          f"CPU capability {torch.backends.cpu.get_cpu_capability()})")
    print(f"  parameters   {n_params}")
    print(f"  step median  {median * 1e3:.2f} ms  (min {min(times) * 1e3:.2f}, max {max(times) * 1e3:.2f})")
    print(f"  tokens/s     {B * T / median:.0f}")
    print(f"  cpu ms/step  {statistics.median(cpu_times) * 1e3:.2f}  (median CPU time of all threads)")
    print(f"  loss         {losses[0]:.4f} -> {losses[-1]:.4f}")
    print_footer()


if __name__ == "__main__":
    main()
