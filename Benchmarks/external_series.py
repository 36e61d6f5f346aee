#!/usr/bin/env python3
"""Daily price series that are NOT in the package, for the realism and backtest protocols on
assets the library was never tuned on (issues 12 and 16: "the same targets will be checked on
assets that are not in the package").

Writes prices CSVs (`date`, one price column) that `tgfl-bench realism --csv`,
`Benchmarks/realism_baselines.py --csv` and `tgfl backtest --data` read:

- OUT/nasdaq.csv, column `close`: NASDAQ Composite, adjusted close, 1999-01-04 ... 2018-12-31
  (Yahoo Finance, shipped with the `arch` package as `arch.data.nasdaq`);
- OUT/wti.csv, column `wti`: West Texas Intermediate crude oil spot, USD per barrel,
  1986-01-02 ... 2019-01-03 (FRED DCOILWTICO, shipped with `arch` as `arch.data.wti`);
  the days FRED leaves empty (holidays) are dropped;
- OUT/msft.csv, column `close`: Microsoft, split-adjusted close, 1986-03-13 ... 2017-11-10
  (shipped with `pmdarima` as `pmdarima.datasets.load_msft`; skipped with a message when
  pmdarima is not installed: `pip install pmdarima`).

Nothing is fitted or chosen here: each file is the source's series as it is, minus empty days.

Run: /work/pyref/bin/python Benchmarks/external_series.py --out .build/outside
"""
import argparse
import sys
from pathlib import Path

import pandas as pd


def write(df, column, path):
    """Writes `date,<column>` atomically after dropping empty days; refuses bad prices."""
    s = df[column].astype(float)
    s = s[s.notna()]
    if not (s > 0).all():
        bad = s[s <= 0].index[0]
        sys.exit(f"{path.name}: non-positive price on {bad:%Y-%m-%d}")
    out = pd.DataFrame({"date": s.index.strftime("%Y-%m-%d"), column.lower(): s.to_numpy()})
    tmp = path.with_suffix(".csv.tmp")
    out.to_csv(tmp, index=False, float_format="%.10g")
    tmp.replace(path)
    print(f"external_series: {path} ({len(out)} days, {out.date.iloc[0]} … {out.date.iloc[-1]})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=".build/outside", help="output folder (created)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import arch.data.nasdaq
    import arch.data.wti
    nasdaq = arch.data.nasdaq.load().rename(columns={"Adj Close": "close"})
    write(nasdaq, "close", out / "nasdaq.csv")
    wti = arch.data.wti.load().rename(columns={"DCOILWTICO": "wti"})
    write(wti, "wti", out / "wti.csv")
    try:
        from pmdarima.datasets import load_msft
    except ImportError:
        print("external_series: msft.csv skipped (pip install pmdarima)", file=sys.stderr)
        return
    msft = load_msft()
    msft = msft.set_index(pd.to_datetime(msft["Date"])).rename(columns={"Close": "close"})
    write(msft, "close", out / "msft.csv")


if __name__ == "__main__":
    main()
