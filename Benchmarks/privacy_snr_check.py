#!/usr/bin/env python3
"""How far the DP federations move the network, against the noise DP-FedAvg adds (issue 19).

Reads the checkpoints that Benchmarks/privacy_tradeoff.py wrote (--runs, its --out-dir) and, per
seed, measures the L2 distance of every trained setting's network weights (the `weights/` group)
from those of the `public-only` control of the same seed: the same initialisation and the same
public DJIA data models and output prior, trained at lr 1e-9 (so it has not moved). That distance
is what the federation's ten rounds wrote into the network; the DP model against its
noise-only twin (same seed: the same noise draws on an untrained network) isolates the
training signal. Beside it, what DP-FedAvg allows:
the clipped signal is at most R·S (R rounds, each a mean of updates of norm ≤ S), the noise on
the mean is N(0, (z·S/m)² I_d) per round, whose norm over R rounds is about z·S·sqrt(d·R)/m.

    /work/pyref/bin/python Benchmarks/privacy_snr_check.py --runs /tmp/privacy_tradeoff
"""
import argparse
import glob
import math
import os
import re

import h5py
import numpy as np

SETTINGS = {  # name -> noise multiplier z (None: no DP)
    "nodp-djia": None, "dp-djia-z0.1": 0.1, "dp-djia-z0.2": 0.2, "dp-djia-z0.5": 0.5, "dp-djia": 1.0,
}
CLIP, CLIENTS, ROUNDS = 0.1, 8, 10


def weights(path):
    """The network's weights as one flat float64 vector (sorted by name)."""
    with h5py.File(path, "r") as f:
        g = f["weights"]
        return np.concatenate([np.asarray(g[k], dtype=np.float64).ravel() for k in sorted(g)])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", default="/tmp/privacy_tradeoff")
    args = p.parse_args()
    controls = {int(re.search(r"-s(\d+)$", os.path.dirname(m)).group(1)): m
                for m in glob.glob(os.path.join(args.runs, "public-only-s*", "model.h5"))}
    if not controls:
        raise SystemExit(f"no public-only-s*/model.h5 under {args.runs}: run privacy_tradeoff.py --settings public-only first")
    d = weights(next(iter(controls.values()))).size
    print(f"network parameters d = {d}; S = {CLIP}, m = {CLIENTS}, R = {ROUNDS}; "
          f"clipped signal bound R·S = {ROUNDS * CLIP:.2f}\n")
    print("| setting | z | noise norm z·S·sqrt(d·R)/m | distance from the untrained control, per seed | mean |")
    print("|---|---|---|---|---|")
    for name, z in SETTINGS.items():
        dist = {}
        for seed, control in sorted(controls.items()):
            model = os.path.join(args.runs, f"{name}-s{seed}", "model.h5")
            if os.path.exists(model):
                dist[seed] = float(np.linalg.norm(weights(model) - weights(control)))
        if not dist:
            continue
        noise = "—" if z is None else f"{z * CLIP * math.sqrt(d * ROUNDS) / CLIENTS:.2f}"
        per_seed = ", ".join(f"{s}: {v:.2f}" for s, v in dist.items())
        print(f"| {name} | {z if z is not None else '—'} | {noise} | {per_seed} | {np.mean(list(dist.values())):.2f} |")
    # The DP model against its noise-only twin (same seed, same noise draws, lr 1e-9): the training signal alone.
    signal = {}
    for seed in sorted(controls):
        a, b = (os.path.join(args.runs, f"{n}-s{seed}", "model.h5") for n in ("dp-djia", "dp-djia-noise-only"))
        if os.path.exists(a) and os.path.exists(b):
            signal[seed] = float(np.linalg.norm(weights(a) - weights(b)))
    if signal:
        print(f"\ndp-djia against dp-djia-noise-only (the same noise draws; what training added): "
              + ", ".join(f"{s}: {v:.3f}" for s, v in signal.items()) + f"; mean {np.mean(list(signal.values())):.3f}")


if __name__ == "__main__":
    main()
