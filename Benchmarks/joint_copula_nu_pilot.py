#!/usr/bin/env python3
"""Issue 17, session 25 (joint25): the joint copula's ν chosen on pilot paths of the trained model, a proxy.

usage: /work/pyref/bin/python Benchmarks/joint_copula_nu_pilot.py --tgfl .build/release/tgfl --out OUT \
           --models MODELDIR [MODELDIR ...] [--score RUNDIR [RUNDIR ...]]

MODELDIR: a `tgfl-bench joint --out` directory named FILE_SEED (real.csv, model.json, model.h5). For each, the script
measures the training days' lower-tail coefficient (`joint_baselines.lower_tail`: 5 %, mean over ordered pairs, on the
first 80 %, model.json's split_day), then for each ν of the grid copies the model with the /joint attribute
`copula.degrees_of_freedom` overwritten, generates PILOT unconditional paths with `tgfl generate-joint` (1,024 × 20
days, pilot seed 900, a seed the bench never uses; the same seed for every ν, so the ν curve is drawn under common
random numbers) and measures their λ_L with the same estimator. The chosen ν is the grid's ν whose pilot λ_L is
nearest the training days' (ties: the larger ν). With --pilot-seeds 900,901 each seed chooses on its own and the
choice is made on the seeds' mean λ_L.
RUNDIR (--score): the bench's runs to score with the chosen ν of their network (named FILE_SEED or FILE_NET_sSEED):
`joint_copula_nu_sweep.rescore` regenerates the bench's unconditional and regime files with the bench's seeds, then
`joint_cells.py` counts the cells. The z tail map, band map and variance calibration stay those calibrated with the
stored ν: a proxy, not the refitted rule.
Writes OUT/pilot.txt (the grid's pilot λ_L per model) and OUT/chosen.json; prints the cells.
The refitted rule's runs use `tgfl-bench joint --from-model M --copula-nu ν` (ν set, then the z tail map, band map
and variance calibration calibrated again; with the stored ν it writes the model's own files value for value).

Figures (session 25, main 9d8cce9's six networks retrained on this machine, /work/bench/joint25; pilot seeds 900, 901;
`main/` reproduces session 24's stored row: 12 of 18 cells, 18 of 24 ES cells, 289 of 342 single-asset targets):
chosen ν eu_stocks 3 / 3 (pilot λ_L 0.429 / 0.422 against the training days' 0.426; stored ν 15: 0.395 / 0.389),
crsp_daily 6 / 6 (0.265 / 0.264 against 0.266; stored 12: 0.245 / 0.242; each pilot seed alone: 5 and 8, 5 and 6),
fx_usd_1980 10⁶ / 10⁶ (0.362 / 0.361 against 0.307: out of ν's reach). Over the 24 runs (the bench seeds 42, 7 and
scenario seeds 101–103 on each network):

| arm | issue-17 cells (of 72) | corr / gap / λ_L (of 24 each) | ES cells (of 96) | single-asset (of 1,368) |
|---|---|---|---|---|
| main | 46 | 11 / 24 / 11 | 72 | 1,130 |
| this proxy (calibrations as stored) | 45 | 9 / 20 / 16 | 72 | not rerun |
| refit (`--copula-nu`) | 47 | 9 / 22 / 16 | 72 | 1,111 |

Reading: the generated λ_L reaches the training days' on crsp_daily (+2 λ_L cells, nothing lost) and moves eu_stocks'
to 0.41, but ν 3 costs eu_stocks two correlation and two to four crisis-gap cells (the gap error past −50 % on seeds
101/102) and, refitted, 37 single-asset targets (fair KS, kurtosis). Within noise: not built, default unchanged
(BENCHMARKS.md "Session 25 (joint25)").
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from joint_baselines import lower_tail, read  # noqa: E402
from joint_copula_nu_sweep import generate, rescore, with_nu  # noqa: E402

GRID = "3,4,5,6,8,10,12,15,20,30,1e6"


def training_tail(run):
    """λ_L of the training days (the first split_day rows of real.csv)."""
    split = json.loads((run / "model.json").read_text())["split_day"]
    return lower_tail(read(run / "real.csv")[1][:split, 2:])


def pilot_tail(tgfl, run, work, nu, seed, paths, horizon):
    """λ_L of `paths` × `horizon` unconditional pilot days of the run's model with ν (`stored`: the model's)."""
    work.mkdir(parents=True, exist_ok=True)
    model = work / f"nu{nu}.h5"
    shutil.copy(run / "model.h5", model)
    if nu != "stored":
        with_nu(model, nu)
    out = work / f"pilot_nu{nu}_s{seed}.csv"
    generate(tgfl, model, out, seed, paths, horizon)
    tail = lower_tail(read(out)[1][:, 3:])
    out.unlink()
    model.unlink()
    return tail


def choose(target, grid, tails):
    """The grid's ν whose pilot λ_L is nearest `target`; ties go to the larger ν (the lighter tail)."""
    return min(zip(grid, tails), key=lambda p: (abs(p[1] - target), -p[0]))[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tgfl", required=True, help="the tgfl executable")
    ap.add_argument("--out", required=True, help="output folder (created)")
    ap.add_argument("--grid", default=GRID, help="comma-separated ν grid")
    ap.add_argument("--pilot-seeds", default="900", help="comma-separated pilot seeds (the choice uses their mean)")
    ap.add_argument("--pilot-paths", type=int, default=1024)
    ap.add_argument("--pilot-horizon", type=int, default=20)
    ap.add_argument("--models", nargs="+", required=True, help="tgfl-bench joint folders named FILE_SEED")
    ap.add_argument("--score", nargs="*", default=[], help="bench runs to score with their network's chosen ν")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    grid = [float(v) for v in args.grid.split(",")]
    seeds = [int(s) for s in args.pilot_seeds.split(",")]
    chosen = {}
    with open(out / "pilot.txt", "a") as log:
        for run in map(Path, args.models):
            target = training_tail(run)
            stored = json.loads((run / "model.json").read_text())["copula_nu"]
            per_seed = np.array([[pilot_tail(args.tgfl, run, out / "work" / run.name, nu, s, args.pilot_paths,
                                             args.pilot_horizon) for nu in grid] for s in seeds])
            stored_tail = [pilot_tail(args.tgfl, run, out / "work" / run.name, "stored", s, args.pilot_paths,
                                      args.pilot_horizon) for s in seeds]
            mean = per_seed.mean(axis=0)
            nu = choose(target, grid, mean)
            chosen[run.name] = dict(nu=nu, training_lambda_l=target, stored_nu=stored,
                                    per_seed_choice=[choose(target, grid, t) for t in per_seed],
                                    pilot=dict(zip(map(str, grid), mean.tolist())), pilot_stored=float(np.mean(stored_tail)),
                                    pilot_per_seed={str(s): dict(zip(map(str, grid), t.tolist())) for s, t in zip(seeds, per_seed)})
            line = (f"{run.name}: training λ_L {target:.3f}; stored ν {stored:g} pilot {np.mean(stored_tail):.3f}; "
                    + " ".join(f"ν{g:g} {t:.3f}" for g, t in zip(grid, mean))
                    + f"; chosen ν {nu:g} (per pilot seed {', '.join(f'{c:g}' for c in chosen[run.name]['per_seed_choice'])})")
            print(line, flush=True)
            log.write(line + "\n")
    (out / "chosen.json").write_text(json.dumps(chosen, indent=1))
    if args.score:
        dirs = []
        for run in map(Path, args.score):
            net = re.sub(r"_s\d+$", "", run.name)   # FILE_NET_sSEED → FILE_NET
            if net not in chosen:
                sys.exit(f"{run}: no model {net} among --models")
            dirs.append(str(rescore(args.tgfl, run, out / "scored" / run.name, chosen[net]["nu"])))
        subprocess.run([sys.executable, str(HERE / "joint_cells.py"), *dirs], check=True)


if __name__ == "__main__":
    main()
