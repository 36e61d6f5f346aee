#!/usr/bin/env python3
"""Issue 17's cells of TGFL and the single-asset target count, per `tgfl-bench joint` output
directory (after `Benchmarks/joint_baselines.py DIR` wrote DIR/joint_scores.json):
corr max abs err <= 0.05; crisis gap error within 50 % (and crisis > calm); lambda_L closer to the
real one than the CCC and DCC baselines (n and t); ES1% per regime within 20 % (count); the single-asset realism
targets passed (the `tgfl-bench` stdout's per-asset lines, DIR/stdout.txt).

--against file (default) scores against every real day of the file, as issue 17 states its targets;
--against training scores the same cells against the training days alone (the first 80 %, which the
models were fitted on: their correlation matrix, crisis - calm gap, lambda_L and regime ES), the
reference a model fitted on them can be faithful to (joint_baselines.py's `real_train`, session 25).
Run: python Benchmarks/joint_cells.py [--against file|training] DIR [DIR ...]
"""
import argparse
import json
import re
import sys
from pathlib import Path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--against", choices=("file", "training"), default="file",
                    help="the real reference: every day of the file (the issue's) or the training days")
    ap.add_argument("dirs", nargs="+", help="tgfl-bench joint output folders with joint_scores.json")
    args = ap.parse_args()
    total_cells = total_single = total_checked = total_es = total_regimes = 0
    print("| dir | corr max abs err | gap err | lambda_L (best of CCC/DCC) | ES1% within 20 % | issue-17 cells | single-asset |")
    print("|---|---|---|---|---|---|---|")
    for d in map(Path, args.dirs):
        real, m, err_key = scores(d, args.against)
        t = m["TGFL"]
        real_gap = real["crisis"] - real["calm"]
        gap_err = (t["gap"] - real_gap) / abs(real_gap)
        best = min((m[n]["lambda_l"] for n in ("CCC-GARCH-n", "CCC-GARCH-t", "DCC-GARCH-n", "DCC-GARCH-t")),
                   key=lambda v: abs(v - real["lambda_l"]))
        cells = [t[err_key] <= 0.05, abs(gap_err) <= 0.5 and t["gap"] > 0,
                 abs(t["lambda_l"] - real["lambda_l"]) < abs(best - real["lambda_l"])]
        scored = [g for g in t["es1"] if g in real["es1"]]     # a regime with < 30 real days has no reference
        es = sum(abs(t["es1"][g] / real["es1"][g] - 1) <= 0.2 for g in scored)
        passed = checked = 0
        for line in (d / "stdout.txt").read_text().splitlines():
            hit = re.match(r"^\S+: (\d+)/(\d+) single-asset", line)
            if hit:
                passed += int(hit.group(1)); checked += int(hit.group(2))
        total_cells += sum(cells); total_single += passed; total_checked += checked
        total_es += es; total_regimes += len(scored)
        print(f"| {d.parent.name}/{d.name} | {t[err_key]:.4f} | {100 * gap_err:+.1f} % | {t['lambda_l']:.3f} "
              f"({best:.3f}; real {real['lambda_l']:.3f}) | "
              f"{es} of {len(scored)} | {sum(cells)} of 3 | {passed} of {checked} |")
    print(f"total (against the {'whole file' if args.against == 'file' else 'training days'}): issue-17 cells {total_cells} "
          f"of {3 * len(args.dirs)}, ES cells {total_es} of {total_regimes}, single-asset {total_single} of {total_checked}")
    print()
    print("every method, the same references (lambda_L: mean |error|, the cell compares TGFL with CCC/DCC):")
    print("| method | corr ≤ 0.05 | gap within 50 % | ES1% within 20 % | mean abs lambda_L error |")
    print("|---|---|---|---|---|")
    for name, row in method_rows(args).items():
        print(f"| {name} | {row['corr']} of {row['runs']} | {row['gap']} of {row['runs']} | {row['es']} of {row['regimes']} | "
              f"{row['tail'] / row['runs']:.3f} |")


def scores(d, against):
    """DIR's real reference (the whole file or the training days), its methods' scores, and the key of
    their correlation error against that reference."""
    s = json.loads((d / "joint_scores.json").read_text())
    if against == "training" and "real_train" not in s:
        sys.exit(f"{d}/joint_scores.json has no real_train: rerun Benchmarks/joint_baselines.py {d}")
    if against == "file":
        return s["real"], s["methods"], "corr_max_abs_err"
    return s["real_train"], s["methods"], "corr_max_abs_err_train"


def method_rows(args):
    """Per method, over every DIR: the correlation, gap and ES cells and the summed |lambda_L error|."""
    rows = {}
    for d in map(Path, args.dirs):
        real, methods, err_key = scores(d, args.against)
        real_gap = real["crisis"] - real["calm"]
        for name, m in methods.items():
            row = rows.setdefault(name, dict(runs=0, corr=0, gap=0, es=0, regimes=0, tail=0.0))
            row["runs"] += 1
            row["corr"] += m[err_key] <= 0.05
            row["gap"] += m["gap"] > 0 and abs(m["gap"] - real_gap) <= 0.5 * abs(real_gap)
            scored = [g for g in m["es1"] if g in real["es1"]]
            row["es"] += sum(abs(m["es1"][g] / real["es1"][g] - 1) <= 0.2 for g in scored)
            row["regimes"] += len(scored)
            row["tail"] += abs(m["lambda_l"] - real["lambda_l"])
    return rows


if __name__ == "__main__":
    main()
