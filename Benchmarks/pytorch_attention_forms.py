#!/usr/bin/env python3
"""CPU time of PyTorch's two eager attention forms, forward and backward, at the benchmark
configs' shapes (batch 32, 4 heads): the explicit masked softmax of the parity fixtures' module
and torch.nn.functional.scaled_dot_product_attention(is_causal=True). One thread, median of the
timed repetitions after warm-up, CPU time (time.process_time). TGFL's counterpart per layer is
`tgfl-bench ops --config small|large --threads 1` (rows "attention forward/backward").

Run:  /work/pyref/bin/python Benchmarks/pytorch_attention_forms.py
"""
import statistics
import time

import torch
import torch.nn.functional as F


def explicit(q, k, v):
    T, hd = q.shape[-2], q.shape[-1]
    att = (q @ k.transpose(-2, -1)) * (hd ** -0.5)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    return att.masked_fill(~mask, float("-inf")).softmax(-1) @ v


def sdpa(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    for name, (B, H, T, hd) in (("small", (32, 4, 128, 16)), ("large", (32, 4, 256, 32))):
        q, k, v = (torch.randn(B, H, T, hd, requires_grad=True) for _ in range(3))
        g = torch.randn(B, H, T, hd)
        for form, fn in (("sdpa", sdpa), ("explicit", explicit)):
            fw, bw = [], []
            for _ in range(15):
                t0 = time.process_time()
                y = fn(q, k, v)
                t1 = time.process_time()
                y.backward(g)
                t2 = time.process_time()
                fw.append(t1 - t0)
                bw.append(t2 - t1)
            print(f"{name:5s} B={B} H={H} T={T} hd={hd}  {form:8s}  forward {statistics.median(fw[3:]) * 1e3:7.2f} ms"
                  f"  backward {statistics.median(bw[3:]) * 1e3:7.2f} ms  (torch {torch.__version__})")


if __name__ == "__main__":
    main()
