#!/usr/bin/env python3
"""Reference values for the bundled real corpus (Tests/TGFLCoreTests/BundledCorpusTests.swift).

Reads the eight source files in /work/shared/data (the copies the package bundles in
Sources/TGFLCore/Resources/ must be byte-identical) with pandas, independently of TGFL,
and writes Tests/Fixtures/corpus_reference.json:

- per file: the number of data rows, the first and last date (files with a `date` column),
  and per column the first and last value as read;
- per column, the daily log returns
      prices:       r_t = ln(P_t / P_{t-1})     (numpy.diff(numpy.log(p)))
      log returns:  r_t = value_t               (crsp_daily, siemens)
  with their count, mean, std (ddof = 0, numpy's default), min and max, and the first three.

Run: /work/pyref/bin/python Tests/Fixtures/make_corpus_reference.py [DATA_DIR]
"""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data")
OUT = HERE / "corpus_reference.json"

# file stem -> (kind, has dates); the columns are every column but `date`.
FILES = {
    "djia": ("prices", True),
    "sp500": ("prices", True),
    "nyse": ("prices", True),
    "msci_switzerland": ("prices", True),
    "eu_stocks": ("prices", False),
    "crsp_daily": ("log_returns", True),
    "fx_usd_1980": ("prices", True),
    "siemens": ("log_returns", False),
}


def main():
    out = {"files": []}
    for stem, (kind, dated) in FILES.items():
        df = pd.read_csv(DATA / f"{stem}.csv", dtype=str)
        columns = [c for c in df.columns if c != "date"]
        assert ("date" in df.columns) == dated, stem
        entry = {"name": stem, "kind": kind, "rows": int(len(df)), "columns": []}
        if dated:
            entry["first_date"] = df["date"].iloc[0]
            entry["last_date"] = df["date"].iloc[-1]
            assert pd.to_datetime(df["date"]).is_monotonic_increasing
        for c in columns:
            v = df[c].astype(float).to_numpy()
            r = np.diff(np.log(v)) if kind == "prices" else v
            entry["columns"].append({
                "column": c,
                "series": f"{stem}.{c}",
                "first_value": float(v[0]),
                "last_value": float(v[-1]),
                "returns": int(r.size),
                "returns_head": [float(x) for x in r[:3]],
                "mean": float(np.mean(r)),
                "std": float(np.std(r)),
                "min": float(np.min(r)),
                "max": float(np.max(r)),
            })
        out["files"].append(entry)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
