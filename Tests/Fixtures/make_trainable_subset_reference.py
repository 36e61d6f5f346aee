#!/usr/bin/env python3
"""Golden values for DP-FedAvg on a trainable parameter subset (`SimulationConfig.trainable`,
`ParameterSubset`; `tgfl federate --trainable`): three rounds of the Flower fixture's clients
(`strategy_reference.json`, client i of round t replies w_t + offsets[t][i]), all 7 sampled
(fixed-size, m = 7), fixed clipping S = 0.5, z = 0.8, trainable coordinates [1, 3) and [5, 8)
of 9. Each round, written from the mechanism's definition:

    each update: frozen coordinates set to w_t (Δ = 0 there), then Δ clipped to ‖Δ‖ ≤ S
    mean = w_t + ΣΔ / m                      (float64 on float32 values, stored as float32)
    mean[k] += N(0, (zS/m)²) for the trainable k only, ascending, from the round's
               privacyNoise stream (TGFL's xoshiro256** mirror, make_round_stage_reference.py)
    w_{t+1} = mean (FedAvg's server step), frozen coordinates = w_t (= the initial values)

Run from the repository root:
    /work/pyref/bin/python Tests/Fixtures/make_trainable_subset_reference.py
Writes Tests/Fixtures/trainable_subset_reference.json.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_round_stage_reference import SEED, clip, derived_rng  # noqa: E402

f32 = np.float32
OUT = os.path.join(HERE, "trainable_subset_reference.json")
RANGES = [(1, 3), (5, 8)]
Z, S = 0.8, 0.5


def main():
    with open(os.path.join(HERE, "strategy_reference.json")) as f:
        flower = json.load(f)
    init = np.array(flower["initial"], f32)
    rounds = flower["rounds"]
    n, dim = len(rounds[0]["offsets"]), len(init)
    mask = np.zeros(dim, bool)
    for a, b in RANGES:
        mask[a:b] = True
    m = n
    glob = init.copy()
    out = {"seed": SEED, "ranges": RANGES, "noise_multiplier": Z, "clipping_norm": S, "num_sampled_clients": m,
           "initial": init.tolist(), "rounds": []}
    for t in range(1, len(rounds) + 1):
        total = np.zeros(dim)
        clipped = 0
        for c in range(n):
            off = np.array(rounds[t - 1]["offsets"][c], np.float64).astype(f32)
            w = (glob.astype(np.float64) + off.astype(np.float64)).astype(f32)
            w = np.where(mask, w, glob).astype(f32)
            w, was = clip(w, glob, S)
            clipped += was
            total += w.astype(np.float64) - glob.astype(np.float64)
        mean = (glob.astype(np.float64) + total / m).astype(f32)
        rng = derived_rng(t, 0, "privacyNoise")
        std = Z * S / m
        for a, b in RANGES:
            for k in range(a, b):
                mean[k] = f32(float(mean[k]) + std * rng.normal())
        mean[~mask] = glob[~mask]
        glob = mean
        out["rounds"].append({"round": t, "clipped": int(clipped), "global": glob.tolist()})
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
