#!/usr/bin/env python3
"""Reference values for the TGFLCore data pipeline tests (DataRegimeTests, TokenizerTests).

Reads the bundled S&P 500 prices (Sources/TGFLCore/Resources/sp500.csv, found relative to this
script) with numpy only and writes Tests/Fixtures/data_reference.json:

- log returns r_t = ln(P_t / P_{t-1}); the first validation day k = floor(0.8 * n_returns);
- trailing realized volatility v_t = sqrt(mean(r_{t-19..t}^2)), the first 19 days set to v_19;
- regime thresholds = np.quantile(v[19:k], [0.40, 0.80, 0.95]) (NumPy's default linear method);
- labels = np.searchsorted(thresholds, v, side="right") for every day (as a digit string);
- tokenizer statistics of the training returns (mean, std with ddof=1) and the tokens of
  a few returns for V=512, clip 12 sigma: clip(floor((z + c) * V / (2c)), 0, V-1).

Run: /work/devvenv/bin/python Tests/Fixtures/make_data_reference.py
"""
import csv
import json
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CSV = HERE.parent.parent / "Sources" / "TGFLCore" / "Resources" / "sp500.csv"
OUT = HERE / "data_reference.json"

WINDOW = 20
LEVELS = [0.40, 0.80, 0.95]
TRAIN_FRACTION = 0.8
VOCAB = 512
CLIP = 12.0


def main():
    with CSV.open(newline="") as f:
        rows = list(csv.DictReader(f))
    dates = [r["date"] for r in rows]
    prices = np.array([float(r["close"]) for r in rows])
    r = np.diff(np.log(prices))
    ret_dates = dates[1:]
    n = len(r)
    k = math.floor(TRAIN_FRACTION * n)

    sq_means = np.convolve(r * r, np.ones(WINDOW), mode="valid") / WINDOW
    vol = np.empty(n)
    vol[WINDOW - 1:] = np.sqrt(sq_means)
    vol[: WINDOW - 1] = vol[WINDOW - 1]
    thresholds = np.quantile(vol[WINDOW - 1:k], LEVELS)
    labels = np.searchsorted(thresholds, vol, side="right")

    train = r[:k]
    mean, std = float(train.mean()), float(train.std(ddof=1))
    worst = int(np.argmin(r))
    best = int(np.argmax(r))
    probe_idx = sorted({0, 1, 18, 19, 20, 100, worst, best, k - 1, k, n - 1})
    z = (r[probe_idx] - mean) / std
    tokens = np.clip(np.floor((z + CLIP) * VOCAB / (2 * CLIP)), 0, VOCAB - 1).astype(int)

    label_dates = ["1999-02-02", "2001-09-17", "2002-07-24", "2008-10-15", "2011-08-08",
                   "2013-05-01", "2017-06-01", "2018-02-05", "2018-12-24"]
    ref = {
        "source": "Sources/TGFLCore/Resources/sp500.csv",
        "n_prices": len(prices),
        "first_date": dates[0],
        "last_date": dates[-1],
        "first_price": float(prices[0]),
        "last_price": float(prices[-1]),
        "returns_head": r[:5].tolist(),
        "returns_sum": float(r.sum()),
        "window": WINDOW,
        "quantile_levels": LEVELS,
        "train_fraction": TRAIN_FRACTION,
        "split_day": k,
        "thresholds": thresholds.tolist(),
        "vol_probe_index": probe_idx,
        "vol_probe": vol[probe_idx].tolist(),
        "labels": "".join(str(int(x)) for x in labels),
        "label_counts_train": np.bincount(labels[WINDOW - 1:k], minlength=4).tolist(),
        "labels_at_dates": {d: int(labels[ret_dates.index(d)]) for d in label_dates},
        "tokenizer": {
            "vocab_size": VOCAB,
            "clip_sigma": CLIP,
            "mean": mean,
            "std": std,
            "probe_index": probe_idx,
            "probe_tokens": tokens.tolist(),
            "worst_index": worst,
            "worst_date": ret_dates[worst],
            "worst_return": float(r[worst]),
            "worst_z": float((r[worst] - mean) / std),
            "best_z": float((r[best] - mean) / std),
        },
    }
    OUT.write_text(json.dumps(ref, indent=1) + "\n")
    print(f"wrote {OUT} (thresholds {thresholds}, worst {ret_dates[worst]} z={ref['tokenizer']['worst_z']:.2f})")


if __name__ == "__main__":
    main()
