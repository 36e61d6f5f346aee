#!/usr/bin/env python3
"""What does a perfect model score on the realism benchmark? (issue 12)

The realism targets compare generated paths with ONE realised history. Even the process that
generated that history would miss some of them by chance: the history's kurtosis, VaR and
per-regime figures are estimates, the fair KS assumes independent days, and "error at most
GARCH-t's / GJR's" is a comparison between two noisy errors. This script measures that ceiling.

For each chosen bundled series it
- fits a GJR-GARCH(1,1,1) with Hansen's skewed t (arch, returns x 100, constant mean) on the
  WHOLE real series: the "true process" of this experiment;
- simulates ONE path of the real series' length from it (burn-in 500 days), the stand-in for
  the real history, and writes it as an outside prices CSV (date, price) that
  `tgfl-bench realism --csv` and `realism_baselines.py --csv` read: OUT/sim_<series>.csv, one
  column `price`, business days from 1900-01-02 (the dates only label the days);
- simulates --paths x --horizon paths from the same process (the "oracle"), written where
  `tgfl-bench realism` looks for the oracle column: BASELINES/sim_<series>.price.oracle.csv.

Then (commands below) `realism_baselines.py` fits GARCH-t, GJR skew-t and the bootstrap on the
stand-in's first 80 %, and `tgfl-bench realism` trains TGFL on the same 80 % and scores all five
methods against the whole stand-in with the benchmark's own targets. The oracle's pass count is
what a perfect model gets; TGFL's shows whether the network learns a known process.

Seeds: series i draws from numpy.random.default_rng([seed, 1000 + i, j]), j = 0 for the
stand-in and 1 for the oracle paths.

Run:
  /work/pyref/bin/python Benchmarks/oracle_calibration.py --out OUT --series djia.close,eu_stocks.dax
  /work/pyref/bin/python Benchmarks/realism_baselines.py --out OUT/baselines --csv OUT/sim_djia_close.csv ...
  .build/release/tgfl-bench realism --csv OUT/sim_djia_close.csv ... --baselines OUT/baselines --seed 42 --steps 300
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realism_baselines import bundled_series, write_paths  # noqa: E402

try:
    from arch import arch_model
    from arch.univariate import SkewStudent
except ImportError:  # pragma: no cover - reported to the user
    sys.exit("oracle_calibration.py needs the `arch` package: pip install arch (or /work/pyref/bin/python)")


def fitted_process(r):
    """GJR(1,1,1) skew-t fitted on 100·r (the whole series): the model and its parameters."""
    model = arch_model(r * 100, mean="Constant", vol="GARCH", p=1, o=1, q=1, dist="skewt")
    res = model.fit(disp="off", show_warning=False)
    return model, res.params


def simulate(model, params, paths, days, burn, rng):
    model.distribution = SkewStudent(seed=rng)
    out = np.empty((paths, days))
    for p in range(paths):
        out[p] = model.simulate(params, days, burn=burn)["data"].to_numpy()
    return out / 100.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="folder for the stand-in CSVs (created)")
    ap.add_argument("--baselines", default=None, help="folder of the baseline CSVs (default OUT/baselines)")
    ap.add_argument("--series", required=True, help="comma-separated bundled series, e.g. djia.close,eu_stocks.dax")
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--horizon", type=int, default=250)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--burn", type=int, default=500)
    args = ap.parse_args()
    out = Path(args.out)
    base = Path(args.baselines) if args.baselines else out / "baselines"
    out.mkdir(parents=True, exist_ok=True)
    base.mkdir(parents=True, exist_ok=True)
    everything = bundled_series()
    names = [n for n, _ in everything]
    wanted = [s.strip() for s in args.series.split(",") if s.strip()]
    for w in wanted:
        if w not in names:
            sys.exit(f"--series: no bundled series '{w}'; use one of {', '.join(names)}")
    manifest = {}
    for i, (name, r) in enumerate(everything):
        if name not in wanted:
            continue
        model, params = fitted_process(r)
        stem = "sim_" + name.replace(".", "_")
        real = simulate(model, params, 1, len(r), args.burn, np.random.default_rng([args.seed, 1000 + i, 0]))[0]
        prices = 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(real)]))
        dates = pd.bdate_range("1900-01-02", periods=len(prices)).strftime("%Y-%m-%d")
        csv = out / f"{stem}.csv"
        tmp = csv.with_suffix(".csv.tmp")
        pd.DataFrame({"date": dates, "price": prices}).to_csv(tmp, index=False, float_format="%.12g")
        tmp.replace(csv)
        # The bench reads the prices back and takes log differences: the oracle is the same process.
        oracle = simulate(model, params, args.paths, args.horizon, args.burn,
                          np.random.default_rng([args.seed, 1000 + i, 1]))
        if not (np.all(np.isfinite(real)) and np.all(np.isfinite(oracle))):
            sys.exit(f"{name}: non-finite simulated returns")
        write_paths(base / f"{stem}.price.oracle.csv", oracle)
        manifest[name] = {"stand_in": str(csv), "days": int(len(r)),
                          "params_percent": {k: float(v) for k, v in params.items()}}
        print(f"oracle_calibration: {name} -> {csv.name} ({len(r)} days); "
              + ", ".join(f"{k} {v:.4g}" for k, v in params.items()), file=sys.stderr)
    (out / "oracle_manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
