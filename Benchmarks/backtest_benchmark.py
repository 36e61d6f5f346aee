#!/usr/bin/env python3
"""Issue 16's benchmark: `tgfl backtest` on every bundled series, then the summary tables of
BENCHMARKS.md ("Conditional VaR/ES backtest").

For each series: train TGFL (config small v2, --steps) on the first 80 % of its days, backtest
the first --max-days days of the last 20 % (h = 1 on every day, h = 10 on every 10th day) with
TGFL and the baselines (HS 250/500, FHS-GARCH, FHS-GJR, GARCH-t). A series whose JSON exists
in --out is not rerun (the run can be resumed). TGFL's volatility filter is refitted on the prompt
every --refit-every forecasts, as the baselines' fits; --compare-trained-filter also backtests the
same network with its trained filter (model TGFL-trained-filter) in the same run.
--z-recalibration n,λ recalibrates TGFL's generated z on each prompt's last n standardized
residuals (`tgfl backtest --z-recalibration`); --compare-uncalibrated also backtests the same
network without it (model TGFL-uncalibrated), --compare-z-recalibrations 'n,λ;…' with other
settings (models TGFL-z<n>-<λ>). --prompt-filter beta-t carries TGFL's volatility through the
prompted path with a Beta-t-EGARCH (`tgfl backtest --prompt-filter`), --compare-prompt-filter
backtests both (model TGFL-beta-t); --es-simulations sets the ES test's simulations.

The summary ends with issue 16's targets (TGFL against FHS-GJR and GARCH-t) and, per series, how
often TGFL's volatility state σ_t sat at the filter's cap or floor on the h = 1 days.

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
               "--refit-every", str(args.refit_every), "--horizons", args.horizons] + (["--compare-trained-filter"] if args.compare_trained_filter else []) + (
               ["--z-recalibration", args.z_recalibration] if args.z_recalibration else []) + (
               ["--compare-uncalibrated"] if args.compare_uncalibrated else []) + (
               ["--compare-z-recalibrations", args.compare_z_recalibrations] if args.compare_z_recalibrations else []) + (
               ["--prompt-filter", args.prompt_filter] if args.prompt_filter else []) + (
               ["--compare-prompt-filter"] if args.compare_prompt_filter else []) + (
               ["--es-simulations", str(args.es_simulations)] if args.es_simulations else []) + [
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
    horizons = [int(h) for h in args.horizons.split(",")]
    for h, alpha in [(h, a) for h in horizons for a in (0.01, 0.025)]:
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
        out.append(f"| {s} | {days} | " + " | ".join(cells) + " |")
    out += targets(results, [m for m in models if m.startswith("TGFL")])
    out += bounds(results)
    print("\n".join(out))


def level_of(r, model, h, alpha):
    b = next((b for b in r["results"] if b["model"] == model and b["horizon"] == h), None)
    if b is None:
        return None, None
    return b, next(l for l in b["levels"] if abs(l["level"] - alpha) < 1e-12)


def targets(results, tgfl_models):
    """Issue 16's targets at h = 1: counts of series, each TGFL variant against FHS-GJR / GARCH-t."""
    def all_three(lv):
        return lv["zone"] == "green" and lv["kupiec"]["pValue"] >= 0.05 and lv["conditionalCoverage"]["pValue"] >= 0.05

    def count(model, test, alpha=0.01):
        n = k = 0
        for r in results.values():
            b, lv = level_of(r, model, 1, alpha)
            if b is not None:
                n += 1; k += test(b, lv)
        return k, n
    out = ["\n#### Issue 16's targets, h = 1 (series passing; pass = p ≥ 0.05)\n",
           "| target | " + " | ".join(tgfl_models) + " | FHS-GJR | FHS-GARCH | GARCH-t |",
           "|---|" + "---|" * (len(tgfl_models) + 3)]
    rows = [("99 %: green + Kupiec + CC", lambda b, lv: all_three(lv), 0.01),
            ("ES Z2 passes at 97.5 %", lambda b, lv: lv["expectedShortfallTest"]["pValue"] >= 0.05, 0.025),
            ("ES Z2 passes at 99 %", lambda b, lv: lv["expectedShortfallTest"]["pValue"] >= 0.05, 0.01)]
    for name, test, alpha in rows:
        cells = ["%d/%d" % count(m, test, alpha) for m in tgfl_models + ["FHS-GJR", "FHS-GARCH", "GARCH-t"]]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    cells = []
    for m in tgfl_models + ["FHS-GJR", "FHS-GARCH"]:
        k = n = 0
        for r in results.values():
            b, _ = level_of(r, m, 1, 0.01)
            g, _ = level_of(r, "GARCH-t", 1, 0.01)
            if b is not None and g is not None:
                n += 1; k += b["berkowitz"]["statistic"] < g["berkowitz"]["statistic"]
        cells.append(f"{k}/{n}")
    out.append("| Berkowitz LR < GARCH-t's | " + " | ".join(cells) + " | – |")
    return out


def bounds(results):
    """Per series: TGFL's h = 1 days whose σ_t sat at the cap / floor, per variant."""
    variants = []
    for r in results.values():
        for u in r.get("tgflVolatilityBounds") or []:
            if u["model"] not in variants:
                variants.append(u["model"])
    if not variants:
        return []
    out = ["\n#### TGFL's volatility state at its bounds, h = 1: days at cap / at floor (max σ_t/cap, min σ_t/floor; refits)\n",
           "| series | days | " + " | ".join(variants) + " |", "|---|---|" + "---|" * len(variants)]
    for s, r in results.items():
        uses = {u["model"]: u for u in r.get("tgflVolatilityBounds") or [] if u["horizon"] == 1}
        days = next((str(u["days"]) for u in uses.values()), "")
        cells = [f"{u['atCap']} / {u['atFloor']} ({u['largestCapRatio']:.2f}, {u['smallestFloorRatio']:.2f}; {u['refits']})"
                 if (u := uses.get(v)) else "–" for v in variants]
        out.append(f"| {s} | {days} | " + " | ".join(cells) + " |")
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--tgfl", default=".build/release/tgfl")
    p.add_argument("--out", default=".build/backtest")
    p.add_argument("--series")
    p.add_argument("--max-days", type=int, default=500)
    p.add_argument("--paths", type=int, default=1000)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--refit-every", type=int, default=20)
    p.add_argument("--horizons", default="1,10", help="comma-separated horizons (tgfl backtest --horizons)")
    p.add_argument("--compare-trained-filter", action="store_true")
    p.add_argument("--z-recalibration", help="n,λ or off (tgfl backtest --z-recalibration; default: tgfl's)")
    p.add_argument("--compare-uncalibrated", action="store_true")
    p.add_argument("--compare-z-recalibrations", help="'n,λ;n,λ' (tgfl backtest --compare-z-recalibrations)")
    p.add_argument("--prompt-filter", help="gjr or beta-t (tgfl backtest --prompt-filter; default: tgfl's)")
    p.add_argument("--compare-prompt-filter", action="store_true",
                   help="also backtest TGFL with the other prompt filter (model TGFL-beta-t)")
    p.add_argument("--es-simulations", type=int, help="ES test simulations (tgfl backtest --es-simulations)")
    p.add_argument("--summary-only", action="store_true")
    a = p.parse_args()
    if not a.summary_only:
        run(a)
    summary(a)
