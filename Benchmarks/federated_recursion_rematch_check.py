#!/usr/bin/env python3
"""Would matching the generation recursion with the trained network in the loop remove the shared
network's ACF|r| gap? (issue 12, session 20, acf20; BENCHMARKS.md "Why the shared network's
ACF|r| is higher")

For adapted checkpoints written by `tgfl-bench realism --adapt-model FILE --dynamics own --save
DIR/ARM` (see Benchmarks/federated_network_dependence.py), copies DIR/ARM/<series>.h5, scales
the generation recursion's reaction α, γ by c and lowers β so that the effective persistence
α·E|z| + γ·E[|z|·1(z<0)] + β stays (E|z| ≈ 0.78, E[|z|·1(z<0)] ≈ 0.39: the t-like z of the power-1
recursion; the level is not recalibrated), generates 1,000 × 250 unconditional paths with
`tgfl generate --regime none --seed 1` and prints the fair ACF|r| error (L2, lags 1-50; split
1-5 / 6-50) and the mean signed gap of lags 1-5 and 6-50 against the real series' 250-day chunks.
c = 1 is the adapted model as is. A crude one-parameter stand-in for a dependence match run on
network pilot paths, not the library's candidate set.

Run: /work/pyref/bin/python Benchmarks/federated_recursion_rematch_check.py --dir DIR \
        --arms prior,fed --series sp500.close,msci_switzerland.close --scales 1,1.25,1.5 \
        --tgfl .build/release/tgfl --work OUT   (needs h5py, numpy, pandas)
"""
import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import federated_network_dependence as dep  # noqa: E402

ABS, NEG = 0.78, 0.39


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--arms", default="prior,fed")
    ap.add_argument("--series", required=True)
    ap.add_argument("--scales", default="1,1.25,1.5")
    ap.add_argument("--tgfl", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    for name in a.series.split(","):
        r = dep.load(name)
        chunks = np.stack([r[i * dep.H:(i + 1) * dep.H] for i in range(len(r) // dep.H)])
        A0 = dep.acf_rows(np.abs(chunks), 50).mean(axis=0)
        for arm in a.arms.split(","):
            for c in map(float, a.scales.split(",")):
                h5 = work / f"{arm}-{name}-c{c}.h5"
                shutil.copy(Path(a.dir) / arm / f"{name}.h5", h5)
                with h5py.File(h5, "r+") as f:
                    v = f["volatility"].attrs
                    al, ga, be = (float(v["generation_" + k]) for k in ("alpha", "gamma", "beta"))
                    v["generation_alpha"], v["generation_gamma"] = c * al, c * ga
                    v["generation_beta"] = be - (c - 1) * (ABS * al + NEG * ga)
                csv = h5.with_suffix(".csv")
                subprocess.run([a.tgfl, "generate", "--model", str(h5), "--regime", "none", "--paths", "1000",
                                "--horizon", str(dep.H), "--seed", "1", "--threads", "1", "--out", str(csv)],
                               check=True, capture_output=True)
                p = np.loadtxt(csv, delimiter=",", skiprows=1, ndmin=2)
                d = dep.acf_rows(np.abs(p), 50).mean(axis=0) - A0
                print(f"{name:<24}{arm:<6} c {c:<5} acf L2 {np.linalg.norm(d):.4f} (1-5 {np.linalg.norm(d[:5]):.4f}, "
                      f"6-50 {np.linalg.norm(d[5:]):.4f}) gap1-5 {d[:5].mean():+.4f} gap6-50 {d[5:].mean():+.4f} "
                      f"std {p.std():.5f}", flush=True)


if __name__ == "__main__":
    main()
