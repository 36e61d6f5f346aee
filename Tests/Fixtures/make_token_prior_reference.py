#!/usr/bin/env python3
"""Reference values for TokenPrior (Tests/TGFLCoreTests/TokenPriorTests.swift).

The initial head.bias of a new model is the log of a Gaussian-kernel-smoothed histogram of the
training tokens, plus one observation spread evenly over the V tokens:

    h    = max(1, 0.9 * min(sd, IQR / 1.34) * n ** (-1/5))     Silverman's rule on token indices
                                                                (sd: ddof=1; IQR: np.percentile,
                                                                linear; sd alone when IQR = 0)
    w_jk = pdf((k - j) / h) / sum_k' pdf((k' - j) / h)           over k, k' with |k - j| <= ceil(6h)
    p_k  = (sum_j c_j w_jk + 1/V) / (n + 1)
    bias = log p

computed here with NumPy/SciPy on the raw token list (np.repeat of the counts), independently
of the Swift code. Each case also has the model-v2 variant ("shrunk"): Jones's (1991)
variance-preserving kernel with a floor of f observations,

    m, sd = mean and sd (ddof 1) of the token indices,  c = 1 / sqrt(1 + h^2 / sd^2)
    count j spread as pdf((k - mu_j) / (c h)), mu_j = m + c (j - m), over the integer k with
        floor(mu_j - 6 c h) <= k <= ceil(mu_j + 6 c h), 0 <= k < V
    p_k = (sum_j c_j w_jk + f / V) / (n + f)

Cases:
- "sp500": the bundled S&P 500's training span (first floor(0.8 n) log returns), tokenized
  with V = 512 uniform bins over mean +- 12 std (ddof = 1), as ReturnTokenizer does;
- "small": a hand-made V = 16 histogram (bandwidth floor of one bin applies);
- "single": every count in one token (IQR = sd = 0).

Run: /work/devvenv/bin/python Tests/Fixtures/make_token_prior_reference.py
"""
import csv
import json
import math
from pathlib import Path

import numpy as np
from scipy import stats

HERE = Path(__file__).resolve().parent
CSV = HERE.parent.parent / "Sources" / "TGFLCore" / "Resources" / "sp500.csv"
OUT = HERE / "token_prior_reference.json"


def prior(counts):
    counts = np.asarray(counts, dtype=np.int64)
    V = len(counts)
    n = int(counts.sum())
    x = np.repeat(np.arange(V, dtype=np.float64), counts)
    sd = np.std(x, ddof=1) if n > 1 else 0.0
    iqr = stats.iqr(x, interpolation="linear")
    spread = min(sd, iqr / 1.34) if iqr > 0 else sd
    h = max(1.0, 0.9 * spread * n ** (-0.2))
    reach = min(V - 1, math.ceil(6 * h))
    k = np.arange(V)
    smoothed = np.zeros(V)
    for j in np.nonzero(counts)[0]:
        near = np.abs(k - j) <= reach
        w = np.where(near, stats.norm.pdf((k - j) / h), 0.0)
        smoothed += counts[j] * w / w.sum()
    p = (smoothed + 1.0 / V) / (n + 1)
    return h, np.log(p)


def shrunk_prior(counts, floor_weight):
    counts = np.asarray(counts, dtype=np.int64)
    V = len(counts)
    n = int(counts.sum())
    x = np.repeat(np.arange(V, dtype=np.float64), counts)
    h, _ = prior(counts)
    m, sd = x.mean(), (np.std(x, ddof=1) if n > 1 else 0.0)
    c = 1 / math.sqrt(1 + h * h / (sd * sd)) if sd > 0 else 1.0
    width, reach = c * h, 6 * c * h
    k = np.arange(V)
    smoothed = np.zeros(V)
    for j in np.nonzero(counts)[0]:
        centre = m + c * (j - m)
        lo, hi = max(0, math.floor(centre - reach)), min(V - 1, math.ceil(centre + reach))
        near = (k >= lo) & (k <= hi)
        w = np.where(near, stats.norm.pdf((k - centre) / width), 0.0)
        smoothed += counts[j] * w / w.sum()
    smoothed_var = float((smoothed * (k - m) ** 2).sum() / n)
    p = (smoothed + floor_weight / V) / (n + floor_weight)
    return np.log(p), smoothed_var, float(np.var(x))


def sp500_counts(V=512, clip=12.0, train_fraction=0.8):
    with CSV.open(newline="") as f:
        prices = np.array([float(r["close"]) for r in csv.DictReader(f)])
    r = np.diff(np.log(prices))
    k = math.floor(train_fraction * len(r))
    train = r[:k]
    m, s = train.mean(), train.std(ddof=1)
    z = (train - m) / s
    tokens = np.clip(np.floor((z + clip) * V / (2 * clip)), 0, V - 1).astype(int)
    return np.bincount(tokens, minlength=V)


def main():
    cases = {
        "sp500": sp500_counts(),
        "small": np.array([0, 0, 1, 4, 9, 12, 7, 3, 0, 0, 0, 1, 0, 0, 0, 0]),
        "single": np.array([0, 0, 0, 5, 0, 0, 0, 0]),
    }
    out = {}
    for name, c in cases.items():
        h, logp = prior(c)
        assert abs(np.exp(logp).sum() - 1) < 1e-12
        shrunk, smoothed_var, data_var = shrunk_prior(c, 0.3)
        out[name] = {"counts": [int(v) for v in c], "bandwidth": h, "log_p": [float(v) for v in logp],
                     "shrunk_floor_weight": 0.3, "shrunk_log_p": [float(v) for v in shrunk],
                     "shrunk_variance": smoothed_var, "data_variance": data_var}
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}: " + ", ".join(f"{k} h={v['bandwidth']:.4f}" for k, v in out.items()))


if __name__ == "__main__":
    main()
