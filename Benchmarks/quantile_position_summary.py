#!/usr/bin/env python3
"""Issue 16, session 12: the one-day rows of `tgfl backtest --no-baselines --compare-z-recalibrations
"250,0.75,weibull"` per series (the default TGFL, linear positions, against the Weibull positions of
the same trained network), from the JSON files of one run (BENCHMARKS.md, "The residuals' quantile
position").

    /work/pyref/bin/python Benchmarks/quantile_position_summary.py DIR
"""
import json
import os
import sys

D = sys.argv[1]
ORDER = ["djia.close", "sp500.close", "nyse.close", "msci_switzerland.close", "eu_stocks.dax", "eu_stocks.smi",
         "eu_stocks.cac", "eu_stocks.ftse", "crsp_daily.ge", "crsp_daily.ibm", "crsp_daily.mobil", "crsp_daily.crsp",
         "fx_usd_1980.dem", "fx_usd_1980.gbp", "fx_usd_1980.cad", "fx_usd_1980.jpy", "fx_usd_1980.chf", "siemens.log_return"]
models = ["TGFL", "TGFL-z250-0.75-weibull"]
tot = {m: dict(all3=0, es975=0, es99=0, exc=0, exc975=0, n=0, bk=[], green=0) for m in models}
rows = []
for s in ORDER:
    p = os.path.join(D, s + ".json")
    if not os.path.exists(p):
        continue
    d = json.load(open(p))
    res = {b["model"]: b for b in d["results"] if b["horizon"] == 1}
    cells = []
    l1 = None
    for m in models:
        b = res[m]
        l1, l25 = b["levels"][0], b["levels"][1]
        k, cc, z = l1["kupiec"]["pValue"], l1["conditionalCoverage"]["pValue"], l1["zone"]
        es1, es25 = l1["expectedShortfallTest"]["pValue"], l25["expectedShortfallTest"]["pValue"]
        bk = b["berkowitz"]["statistic"]
        t = tot[m]
        t["all3"] += z == "green" and k >= 0.05 and cc >= 0.05
        t["green"] += z == "green"
        t["es975"] += es25 >= 0.05; t["es99"] += es1 >= 0.05
        t["exc"] += l1["exceptions"]; t["exc975"] += l25["exceptions"]; t["n"] += 1; t["bk"].append(bk)
        cells.append(f"{l1['exceptions']} ({k:.2f}, {cc:.2f}, {z}, {es1:.2f}), {l25['exceptions']} (ES p {es25:.2f}), {bk:.1f}")
    rows.append(f"| {s} | {l1['observations']} | " + " | ".join(cells) + " |")
print("| series | days | " + " | ".join(models) + " |")
print("|---|---|" + "---|" * len(models))
print("\n".join(rows))
print()
for m in models:
    t = tot[m]
    bk = sorted(t["bk"]); med = bk[len(bk) // 2] if len(bk) % 2 else 0.5 * (bk[len(bk) // 2 - 1] + bk[len(bk) // 2])
    print(f"{m}: series {t['n']}, 99% all three {t['all3']}, green {t['green']}, ES97.5 pass {t['es975']}, ES99 pass {t['es99']}, "
          f"exc99 {t['exc']}, exc97.5 {t['exc975']}, median Berkowitz {med:.1f}")
