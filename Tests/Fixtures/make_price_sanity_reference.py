#!/usr/bin/env python3
"""Reference values for DataSanity.pricesWarning (Tests/TGFLCoreTests/PriceSanityTests.swift).

Reads the bundled corpus (Sources/TGFLCore/Resources/*.csv) with pandas, independently of TGFL,
and writes Tests/Fixtures/price_sanity_reference.json with, per column:

- the daily log returns r (numpy.diff(numpy.log(prices)), or the values of the return files)
  and the price levels L_t = exp(r_1 + ... + r_t) (the series up to its starting price);
- for r and for L: the lag-1 autocorrelation (statsmodels.tsa.stattools.acf, adjusted=False:
  sum (x_t - mean)(x_{t-1} - mean) / sum (x_t - mean)^2), the median of |x|, whether all
  values are positive, and the verdict of the rule of docs (all positive and (median |x| > 0.5
  or n >= 20 and acf1 > 0.9)).

Real daily log returns must never be flagged and real price levels always: the file also
records the rule's verdicts so the Swift test can fail on either side.

Run: /work/pyref/bin/python Tests/Fixtures/make_price_sanity_reference.py
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.tsa.stattools import acf

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "Sources" / "TGFLCore" / "Resources"
OUT = HERE / "price_sanity_reference.json"
RETURN_FILES = {"crsp_daily", "siemens"}
STEMS = ["djia", "sp500", "nyse", "msci_switzerland", "eu_stocks", "crsp_daily", "fx_usd_1980", "siemens"]


def describe(x: np.ndarray) -> dict:
    rho = float(acf(x, nlags=1, adjusted=False, fft=False)[1])
    median_abs = float(np.median(np.abs(x)))
    positive = bool(np.all(x > 0))
    flagged = positive and (median_abs > 0.5 or (x.size >= 20 and rho > 0.9))
    return {"acf1": rho, "median_abs": median_abs, "all_positive": positive, "flagged": flagged}


def main():
    columns = []
    for stem in STEMS:
        df = pd.read_csv(DATA / f"{stem}.csv")
        for c in [c for c in df.columns if c != "date"]:
            v = df[c].astype(float).to_numpy()
            r = v if stem in RETURN_FILES else np.diff(np.log(v))
            levels = np.exp(np.cumsum(r))
            columns.append({"series": f"{stem}.{c}", "n": int(r.size),
                            "returns": describe(r), "levels": describe(levels)})
    OUT.write_text(json.dumps({"columns": columns}, indent=1) + "\n")
    print(f"wrote {OUT}: {len(columns)} columns")


if __name__ == "__main__":
    main()
