#!/usr/bin/env python3
"""Summary of `tgfl-bench realism` runs on the misspecified stand-ins (issue 12, session 16;
Benchmarks/misspecified_standins.py).

For each run (LABEL=RUN.json:SAVEDIR, e.g. "TGFL 300=tgfl300.json:save300": the JSON of
`tgfl-bench realism --json` and its --save folder holding <series>.tgfl.csv) and each stand-in it
prints one markdown row per method: targets passed/checked, the benchmark's fair ACF|r| error and
fair leverage error (against the realised stand-in, as the targets), the generated excess
kurtosis (realised and oracle in the header), the crisis band's std and mean, the step the Trainer kept (restoreBest: the best
validation loss) with its validation loss, and the distance
to the TRUE process: the L2 distance of the method's ACF|r| curve (lags 1-50) and leverage curve
(lags 1-20), both the mean over its 250-day paths, from the oracle's (the --standins folder's
baselines/<series>.oracle.csv, the process's own 1,000 paths). The floor of that distance is
printed as "oracle half vs half" (the first 500 oracle paths against the last 500, x 1/sqrt(2)
to scale to 1,000 vs the mean). Baselines (GARCH-t, GJR skew-t, bootstrap, oracle) are read from
the first run's JSON and the --standins folder's baselines/.

Run: /work/pyref/bin/python Benchmarks/misspecified_summary.py --standins OUT \
        "TGFL 300=tgfl300.json:save300" "TGFL 1=tgfl1.json:save1"
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from misspecified_standins import acf_abs, kurt, leverage  # noqa: E402


def best_step(h5):
    """(best step, its validation loss, steps run) from a checkpoint's /training history."""
    import h5py
    with h5py.File(h5, "r") as f:
        summary = json.loads(f["training"].attrs["history"])["summary"]
    return int(summary["best_step"]), float(summary["best_validation_loss"]), int(summary["total_steps"])


def read_paths(path):
    return np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


def curves(paths):
    return acf_abs(paths).mean(0), leverage(paths).mean(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--standins", required=True, help="the folder of misspecified_standins.py (with baselines/)")
    ap.add_argument("runs", nargs="+", help="LABEL=RUN.json:SAVEDIR")
    args = ap.parse_args()
    base = Path(args.standins) / "baselines"
    runs = []
    for spec in args.runs:
        label, _, rest = spec.partition("=")
        js, _, save = rest.rpartition(":")
        if not label or not js or not save:
            sys.exit(f"run '{spec}': expected LABEL=RUN.json:SAVEDIR")
        runs.append((label, {s["name"]: s for s in json.load(open(js))["series"]}, Path(save)))
    names = list(runs[0][1])
    for name in names:
        oracle = read_paths(base / f"{name}.oracle.csv")
        Ao, Lo = curves(oracle)
        h = len(oracle) // 2
        a1, l1 = curves(oracle[:h])
        a2, l2 = curves(oracle[h:])
        floor_a = np.linalg.norm(a1 - a2) / 2   # each half vs the mean of both ≈ |a1 - a2| / 2
        floor_l = np.linalg.norm(l1 - l2) / 2
        first = runs[0][1][name]
        tg = first["methods"][0]["card"]["metrics"]
        print(f"\n#### {name} ({first['days']} days; realised excess kurtosis {tg['real_excess_kurtosis']:.1f}, "
              f"oracle's {kurt(oracle):.1f}; distance floor ACF {floor_a:.3f}, leverage {floor_l:.3f})\n")
        print("| method | kept step (val. loss) | targets | fair ACF\\|r\\| error | fair leverage error | excess kurtosis | crisis std (real) "
              "| crisis mean (real) | ACF\\|r\\| L2 to oracle | leverage L2 to oracle |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        rows = [(label, r[name]["methods"][0], save / f"{name}.tgfl.csv", save / f"{name}.h5")
                for label, r, save in runs if name in r]
        rows += [(m["title"], m, base / f"{name}.{m['key']}.csv", None) for m in first["methods"][1:]]
        for label, m, path, h5 in rows:
            kept = "—"
            if h5 is not None and h5.exists():
                b, loss, total = best_step(h5)
                kept = f"{b} of {total} ({loss:.3f})"
            c = m["card"]
            mt = c["metrics"]
            crisis = next((g for g in mt["regimes"] if g["name"] == "crisis"), None)
            paths = read_paths(path) if path.exists() else None
            dist = ("—", "—")
            if paths is not None:
                A, L = curves(paths)
                dist = (f"{np.linalg.norm(A - Ao):.3f}", f"{np.linalg.norm(L - Lo):.3f}")
            passed = sum(t["passed"] is True for t in c["targets"])
            checked = sum(t["passed"] is not None for t in c["targets"])
            cs = f"{crisis['synthetic_std']:.4f} ({crisis['real_std']:.4f})" if crisis else "—"
            cm = f"{crisis['synthetic_mean']:+.4f} ({crisis['real_mean']:+.4f})" if crisis else "—"
            print(f"| {label} | {kept} | {passed}/{checked} | {mt['acf_abs_error']:.3f} | {mt['leverage_error']:.3f} | "
                  f"{mt['synthetic_excess_kurtosis']:.1f} | {cs} | {cm} | {dist[0]} | {dist[1]} |")


if __name__ == "__main__":
    main()
