#!/usr/bin/env python3
"""Baseline scenarios for `tgfl-bench realism` (issue 12): GARCH(1,1)-t, GJR-GARCH(1,1,1) skew-t
and the i.i.d. bootstrap, fitted on the first 80 % of every bundled real series.

For each series (every column of every bundled file, read from Sources/TGFLCore/Resources/
exactly as TGFL reads it: log returns ln(P_t / P_{t-1}) of price columns, the returns of
crsp_daily and siemens as they are) this script

- takes the training span r[:k], k = floor(0.8 * n) (the split `tgfl-bench realism` uses);
- fits, with the `arch` package on the returns x 100 (arch's optimiser is tuned for percent
  returns), a constant-mean
    * GARCH(1,1) with Student-t innovations                      ("garch_t"),
    * GJR-GARCH(1,1,1) with Hansen's skewed-t innovations          ("gjr_skewt");
- simulates --paths unconditional paths of --horizon days from each fitted model with
  `arch_model.simulate(params, horizon, burn=--burn)` (the burn-in forgets the start value),
  and divides by 100 to return to log returns;
- draws the i.i.d. bootstrap: each day an independent uniform draw from the training returns
  ("bootstrap");
- writes each set as a scenario CSV in the format `tgfl generate` writes (header r_1,...,r_H,
  then one path of log returns per row): OUT/<series>.<method>.csv, e.g.
  OUT/eu_stocks.dax.garch_t.csv, and OUT/manifest.json with the fitted parameters and seeds.

Seeds: series i, method j draw from numpy.random.default_rng([seed, i, j]) (j = 0 garch_t,
1 gjr_skewt, 2 bootstrap), so each file is reproducible on its own.

References: Bollerslev (1986), J. Econometrics 31 (GARCH); Glosten, Jagannathan & Runkle (1993),
J. Finance 48 (GJR); Hansen (1994), Int. Economic Review 35 (skewed t); Kevin Sheppard's `arch`.

Run: /work/pyref/bin/python Benchmarks/realism_baselines.py [--out .build/realism-baselines]
     [--paths 1000] [--horizon 250] [--seed 42] [--burn 500] [--series djia.close,eu_stocks]
     [--csv OUTSIDE.csv ...]   (assets not in the package, e.g. from Benchmarks/external_series.py)
"""
import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

try:
    from arch import arch_model
    from arch.univariate import SkewStudent, StudentsT
except ImportError:  # pragma: no cover - reported to the user
    sys.exit("realism_baselines.py needs the `arch` package: pip install arch "
             "(or run with /work/pyref/bin/python)")

HERE = Path(__file__).resolve().parent
RESOURCES = HERE.parent / "Sources" / "TGFLCore" / "Resources"
TRAIN_FRACTION = 0.8

# file stem -> kind, in BundledSeries.allCases order; columns are every column but `date`.
FILES = [
    ("djia", "prices"), ("sp500", "prices"), ("nyse", "prices"), ("msci_switzerland", "prices"),
    ("eu_stocks", "prices"), ("crsp_daily", "log_returns"), ("fx_usd_1980", "prices"),
    ("siemens", "log_returns"),
]
METHODS = ["garch_t", "gjr_skewt", "bootstrap"]


def bundled_series():
    """Every column of every bundled file as (name, log returns), in TGFL's order."""
    out = []
    for stem, kind in FILES:
        df = pd.read_csv(RESOURCES / f"{stem}.csv")
        for col in [c for c in df.columns if c != "date"]:
            v = df[col].to_numpy(dtype=float)
            r = np.diff(np.log(v)) if kind == "prices" else v
            out.append((f"{stem}.{col}", r))
    return out


def outside_series(path):
    """Every price column of an outside prices CSV (`tgfl-bench realism --csv`) as
    (<file stem>.<column>, log returns), read as TGFL reads it: a `date` column, prices elsewhere."""
    path = Path(path)
    df = pd.read_csv(path)
    if "date" not in df.columns:
        sys.exit(f"--csv {path}: no 'date' column (found {', '.join(df.columns)})")
    out = []
    for col in [c for c in df.columns if c != "date"]:
        v = df[col].to_numpy(dtype=float)
        if not np.all(np.isfinite(v) & (v > 0)):
            sys.exit(f"--csv {path}: column {col} has a missing, non-finite or non-positive price")
        out.append((f"{path.stem}.{col}", np.diff(np.log(v))))
    return out


def simulate_garch(train, method, paths, horizon, burn, rng):
    """Fits the arch model on 100 x train and simulates `paths` independent paths / 100."""
    if method == "garch_t":
        model = arch_model(train * 100, mean="Constant", vol="GARCH", p=1, q=1, dist="t")
        model.distribution = StudentsT(seed=rng)
    else:
        model = arch_model(train * 100, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="skewt")
        model.distribution = SkewStudent(seed=rng)
    res = model.fit(disp="off", show_warning=False)
    params = res.params
    sims = np.empty((paths, horizon))
    for p in range(paths):
        sims[p] = model.simulate(params, horizon, burn=burn)["data"].to_numpy()
    return sims / 100.0, {k: float(v) for k, v in params.items()}, int(res.convergence_flag)


def write_paths(path, sims):
    header = ",".join(f"r_{t + 1}" for t in range(sims.shape[1]))
    tmp = path.with_suffix(".csv.tmp")
    np.savetxt(tmp, sims, delimiter=",", fmt="%.17g", header=header, comments="")
    tmp.replace(path)   # atomic


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=".build/realism-baselines", help="output folder (created)")
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--horizon", type=int, default=250)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--burn", type=int, default=500, help="burn-in days of each GARCH path")
    ap.add_argument("--series", default=None,
                    help="comma-separated series (djia.close) or files (eu_stocks); default all")
    ap.add_argument("--csv", action="append", default=[],
                    help="an outside prices CSV (date + price columns), as tgfl-bench realism --csv; "
                         "repeatable; with --csv and no --series only the CSVs are fitted")
    args = ap.parse_args()
    if args.paths < 1 or args.horizon < 1 or args.burn < 0:
        sys.exit("--paths and --horizon must be at least 1, --burn at least 0")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # Outside series come after the 18 bundled ones, so every series keeps its seed index i.
    everything = bundled_series() + [s for path in args.csv for s in outside_series(path)]
    if args.csv and not args.series:
        args.series = ",".join(name for path in args.csv for name, _ in outside_series(path))
    if args.series:
        wanted = [s.strip() for s in args.series.split(",") if s.strip()]
        names = [n for n, _ in everything]
        for w in wanted:
            if not any(n == w or n.startswith(w + ".") for n in names):
                sys.exit(f"--series: no bundled series '{w}'; use one of {', '.join(names)}")
    manifest = {"paths": args.paths, "horizon": args.horizon, "seed": args.seed, "burn": args.burn,
                "train_fraction": TRAIN_FRACTION, "arch_version": __import__("arch").__version__,
                "series": {}}
    clock = time.time()
    for i, (name, r) in enumerate(everything):
        if args.series and not any(name == w or name.startswith(w + ".") for w in wanted):
            continue
        k = int(math.floor(len(r) * TRAIN_FRACTION))
        train = r[:k]
        entry = {"days": int(len(r)), "train_days": k}
        for j, method in enumerate(METHODS):
            rng = np.random.default_rng([args.seed, i, j])
            if method == "bootstrap":
                sims = train[rng.integers(0, k, size=(args.paths, args.horizon))]
                entry[method] = {"seed": [args.seed, i, j]}
            else:
                sims, params, flag = simulate_garch(train, method, args.paths, args.horizon, args.burn, rng)
                entry[method] = {"seed": [args.seed, i, j], "params_percent": params, "convergence_flag": flag}
            if not np.all(np.isfinite(sims)):
                sys.exit(f"{name} {method}: non-finite simulated returns")
            write_paths(out / f"{name}.{method}.csv", sims)
        manifest["series"][name] = entry
        print(f"realism_baselines: {name}: {len(r)} days, trained on {k}; "
              f"{time.time() - clock:.0f}s elapsed", file=sys.stderr)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(manifest['series'])} series x {len(METHODS)} methods to {out}/")


if __name__ == "__main__":
    main()
