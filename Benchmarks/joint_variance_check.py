#!/usr/bin/env python3
"""Each asset's generated variance in long unconditional joint scenarios against its training
days' (issue 17, session 16, jvar17; BENCHMARKS.md "Joint variance calibration").

For every `tgfl-bench joint` output DIR given: `tgfl generate-joint` (the binary given) writes
PATHS x HORIZON unconditional days from DIR/model.h5 (seed SEED, 2 threads); per asset,
  ratio = var(generated returns, pooled over paths and days, about their mean)
          / var(training returns = the first split_day of DIR/real.csv, about their mean)   (numpy.var, ddof 0)
and the same for the 200 x 250 days the single-asset targets score (DIR/tgfl_long.csv). Prints one
table row per asset; writes DIR/variance_check_<tag>.json.

Run: python Benchmarks/joint_variance_check.py [--tgfl PATH/tgfl] --tag main DIR [DIR ...]
(without --tgfl only the tgfl_long.csv column is computed; the other is nan)
"""
import argparse
import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--tgfl", help="tgfl binary for the PATHS x HORIZON generation (omit: only tgfl_long.csv)")
    ap.add_argument("--tag", required=True)
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--horizon", type=int, default=250)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    print("| dir | asset | training variance | generated / training, %d x %d (seed %d) | tgfl_long 200 x 250 / training |"
          % (args.paths, args.horizon, args.seed))
    print("|---|---|---|---|---|")
    for d in map(Path, args.dirs):
        info = json.loads((d / "model.json").read_text())
        split = info["split_day"]
        real = pd.read_csv(d / "real.csv")
        out = d / f"variance_check_{args.tag}.csv"
        if args.tgfl:
            subprocess.run([args.tgfl, "generate-joint", "--model", str(d / "model.h5"), "--paths", str(args.paths),
                        "--horizon", str(args.horizon), "--seed", str(args.seed), "--threads", "2", "--out", str(out)],
                           check=True, stdout=subprocess.DEVNULL)
        gen = pd.read_csv(out) if args.tgfl else None
        long = pd.read_csv(d / "tgfl_long.csv")
        rows = {}
        for a in info["assets"]:
            train = np.var(real[a].to_numpy()[:split])
            g = np.var(gen[a].to_numpy()) if gen is not None else float("nan")
            lg = np.var(long[a].to_numpy())
            rows[a] = {"training_variance": train, "generated_ratio": g / train, "long_ratio": lg / train}
            print(f"| {d.name} | {a} | {train:.4g} | {g / train:.3f} | {lg / train:.3f} |")
        (d / f"variance_check_{args.tag}.json").write_text(json.dumps(rows, indent=1))
        if gen is not None:
            out.unlink()


if __name__ == "__main__":
    main()
