#!/usr/bin/env python3
"""PyTorch eager version of the walk-forward generation loop that `tgfl-bench conditional` times
(issue 18, item 4): for each forecast day, the prompt (the last T − horizon + 1 inputs) is encoded
ONCE (batch 1), its K/V cache is copied into the rows of all paths, then `horizon` days are sampled
for all paths as one batch with the KV cache and model v2's per-path volatility state.

Same model (the reference module of Tests/Fixtures/make_reference.py, config small, model v2),
same shapes and sampling rule as `pytorch_generate_reference.py`; random weights (speed does not
depend on them). A PyTorch user would batch all paths of a day (the largest matrices PyTorch can
get); days are run one after another. Reported: seconds per forecast day (median of the days
after one untimed warm-up day), sampled tokens/s, and the extrapolation to 1,000 days.

Run:  /work/pyref/bin/python Benchmarks/pytorch_conditional_reference.py --days 20 --paths 1000 --horizon 10
"""
import argparse
import statistics

import torch

from pytorch_common import print_footer, ref, reference_config, timed_runs
from pytorch_generate_reference import Generator, VolatilityState


@torch.no_grad()
def forecast_day(model, cfg, prompt_tok, prompt_lvl, paths, horizon, edges, g):
    """One forecast day: encode the prompt once, share its cache, sample paths × horizon."""
    n = prompt_tok.shape[1]
    gen = Generator(model, cfg, paths)
    one = Generator(model, cfg, 1)
    logits = one.forward(prompt_tok, prompt_lvl, 0).expand(paths, -1)
    for l in range(cfg["n_layers"]):                   # the prompt's K/V into every path's rows
        gen.k[l][:, :, :n] = one.k[l][:, :, :n]
        gen.v[l][:, :, :n] = one.v[l][:, :, :n]
    vol = VolatilityState(paths, ref.condition_rows(cfg))
    lo, width = edges[:-1], edges[1:] - edges[:-1]
    out = torch.empty(paths, horizon, dtype=torch.float64)
    for d in range(horizon):
        probs = torch.softmax(logits, dim=-1)
        k = torch.multinomial(probs, 1, generator=g)[:, 0]
        z = lo[k] + torch.rand(paths, generator=g, dtype=torch.float64) * width[k]
        out[:, d] = vol.step(z)
        if d < horizon - 1:
            logits = gen.forward(k[:, None], vol.level()[:, None], n + d)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=20, help="timed forecast days (after one warm-up day)")
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--horizon", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    cfg = reference_config("small", args.threads, model_version=2)
    model = ref.ReferenceTransformer(cfg).eval()
    V, T, R = cfg["vocab_size"], cfg["context_length"], ref.condition_rows(cfg)
    n = T - args.horizon + 1
    edges = torch.tensor([-12 + 24 * i / V for i in range(V + 1)], dtype=torch.float64)
    g = torch.Generator().manual_seed(3)
    times, cpu_times, outs = timed_runs(
        args.days + 1,
        lambda prompt_tok, prompt_lvl: forecast_day(model, cfg, prompt_tok, prompt_lvl, args.paths, args.horizon,
                                                    edges, g),
        prepare=lambda day: (torch.randint(0, V, (1, n), generator=g), torch.randint(0, R, (1, n), generator=g)))
    times, cpu_times, checksum = times[1:], cpu_times[1:], 0.0   # day 0 is the warm-up
    for out in outs[1:]:
        checksum += float(out.sum())
    per_day = statistics.median(times)
    print(f"pytorch_conditional_reference.py --days {args.days} --paths {args.paths} --horizon {args.horizon} "
          f"--threads {args.threads}  (torch {torch.__version__})")
    print(f"  per day      {per_day * 1e3:.1f} ms  (min {min(times) * 1e3:.1f}, max {max(times) * 1e3:.1f})")
    print(f"  tokens/s     {args.paths * args.horizon / per_day:.0f}")
    print(f"  cpu per day  {statistics.median(cpu_times) * 1e3:.1f} ms  (CPU time of all threads)")
    print(f"  1,000 days   {per_day * 1000:.0f} s (extrapolated)")
    print_footer(checksum)


if __name__ == "__main__":
    main()
