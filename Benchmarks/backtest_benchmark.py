#!/usr/bin/env python3
"""Issue 16's benchmark: `tgfl backtest` on every bundled series, then the summary tables of
BENCHMARKS.md ("Conditional VaR/ES backtest").

For each series: train TGFL (config small v2, --steps) on the first 80 % of its days, backtest
the first --max-days days of the last 20 % (h = 1 on every day, h = 10 on every 10th day) with
TGFL and the baselines (HS 250/500, FHS-GARCH, FHS-GJR, GARCH-t). A series whose JSON exists
in --out is not rerun (the run can be resumed).

    /work/pyref/bin/python Benchmarks/backtest_benchmark.py --tgfl .build/release/tgfl --out .build/backtest
"""
import argparse
import json
import os
import subprocess
import sys
import time

SERIES = [("djia", "close"), ("sp500", "close"), ("nyse", "close"), ("msci_switzerland", "close"),
          ("eu_stocks", "dax"), ("eu_stocks", "smi"), ("eu_stocks", "cac"), ("eu_stocks", "ftse"),
          ("crsp_daily", "ge"), ("crsp_daily", "ibm"), ("crsp_daily", "mobil"), ("crsp_daily", "crsp"),
          ("fx_usd_1980", "dem"), ("fx_usd_1980", "gbp"), ("fx_usd_1980", "cad"), ("fx_usd_1980", "jpy"),
          ("fx_usd_1980", "chf"), ("siemens", "log_return")]


def run(args):
    os.makedirs(args.out, exist_ok=True)
    for name, column in SERIES:
        if args.series and f"{name}.{column}" not in args.series.split(","):
            continue
        path = os.path.join(args.out, f"{name}.{column}.json")
        if os.path.exists(path):
            continue
        cmd = [args.tgfl, "backtest", "--bundled", name, "--column", column, "--max-days", str(args.max_days),
               "--paths", str(args.paths), "--steps", str(args.steps), "--seed", str(args.seed),
               "--json", path + ".tmp", "--exceptions", os.path.join(args.out, f"{name}.{column}.exceptions.csv")]
        start = time.time()
        with open(os.path.join(args.out, f"{name}.{column}.txt"), "w") as log:
            subprocess.run(cmd, check=True, stdout=log)
        os.replace(path + ".tmp", path)
        print(f"{name}.{column}: {time.time() - start:.0f} s", file=sys.stderr, flush=True)


def summary(args):
    rows, results = [], {}
    for name, column in SERIES:
        path = os.path.join(args.out, f"{name}.{column}.json")
        if os.path.exists(path):
            with open(path) as f:
                results[f"{name}.{column}"] = json.load(f)
    models = []
    for r in results.values():
        for b in r["results"]:
            if b["model"] not in models:
                models.append(b["model"])
    out = []
    out.append(f"Series: {len(results)}. Pass = p ≥ 0.05.\n")
    for h, alpha in [(1, 0.01), (1, 0.025), (10, 0.01), (10, 0.025)]:
        out.append(f"\n#### h = {h}, α = {alpha} (VaR {100 * (1 - alpha):g} %)\n")
        out.append("| model | green zone | Kupiec pass | CC pass | all three | ES Z2 pass | exceptions / expected | mean VaR "
                   "| median Berkowitz LR | Berkowitz LR < GARCH-t |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for m in models:
            green = kup = cc = es = below = allthree = 0
            lrs = []
            exc = expd = var = 0.0
            n = 0
            for s, r in results.items():
                b = next((b for b in r["results"] if b["model"] == m and b["horizon"] == h), None)
                g = next((b for b in r["results"] if b["model"] == "GARCH-t" and b["horizon"] == h), None)
                if b is None:
                    continue
                lv = next(l for l in b["levels"] if abs(l["level"] - alpha) < 1e-12)
                n += 1
                green += lv["zone"] == "green"
                kup += lv["kupiec"]["pValue"] >= 0.05
                cc += lv["conditionalCoverage"]["pValue"] >= 0.05
                es += lv["expectedShortfallTest"]["pValue"] >= 0.05
                allthree += (lv["zone"] == "green" and lv["kupiec"]["pValue"] >= 0.05
                             and lv["conditionalCoverage"]["pValue"] >= 0.05)
                lrs.append(b["berkowitz"]["statistic"])
                exc += lv["exceptions"]; expd += alpha * lv["observations"]; var += lv["meanValueAtRisk"]
                if g is not None:
                    below += b["berkowitz"]["statistic"] < g["berkowitz"]["statistic"]
            med = sorted(lrs)[len(lrs) // 2] if lrs else float("nan")
            out.append(f"| {m} | {green}/{n} | {kup}/{n} | {cc}/{n} | {allthree}/{n} | {es}/{n} | {exc:.0f} / {expd:.1f} | "
                       f"{var / max(n, 1):.4f} | {med:.1f} | {below}/{n} |")
    out.append("\n#### Per series, h = 1, α = 0.01: exceptions (Kupiec p, CC p, zone, ES p), Berkowitz LR\n")
    out.append("| series | days | " + " | ".join(models) + " |")
    out.append("|---|---|" + "---|" * len(models))
    for s, r in results.items():
        cells = []
        days = ""
        for m in models:
            b = next((b for b in r["results"] if b["model"] == m and b["horizon"] == 1), None)
            if b is None:
                cells.append("–"); continue
            lv = b["levels"][0]
            days = str(lv["observations"])
            cells.append(f"{lv['exceptions']} ({lv['kupiec']['pValue']:.2f}, {lv['conditionalCoverage']['pValue']:.2f}, "
                         f"{lv['zone']}, {lv['expectedShortfallTest']['pValue']:.2f}), {b['berkowitz']['statistic']:.0f}")
        gen = r.get("generationSeconds", 0)
        out.append(f"| {s} | {days} | " + " | ".join(cells) + " |")
    print("\n".join(out))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--tgfl", default=".build/release/tgfl")
    p.add_argument("--out", default=".build/backtest")
    p.add_argument("--series")
    p.add_argument("--max-days", type=int, default=500)
    p.add_argument("--paths", type=int, default=1000)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--summary-only", action="store_true")
    a = p.parse_args()
    if not a.summary_only:
        run(a)
    summary(a)
