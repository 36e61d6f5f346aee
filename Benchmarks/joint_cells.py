#!/usr/bin/env python3
"""Issue 17's cells of TGFL and the single-asset target count, per `tgfl-bench joint` output
directory (after `Benchmarks/joint_baselines.py DIR` wrote DIR/joint_scores.json):
corr max abs err <= 0.05; crisis gap error within 50 % (and crisis > calm); lambda_L closer to the
real one than the CCC and DCC baselines (n and t); ES1% per regime within 20 % (count); the single-asset realism
targets passed (the `tgfl-bench` stdout's per-asset lines, DIR/stdout.txt).
Run: python Benchmarks/joint_cells.py DIR [DIR ...]
"""
import json
import re
import sys
from pathlib import Path


def main():
    total_cells = total_single = total_checked = 0
    print("| dir | corr max abs err | gap err | lambda_L (best of CCC/DCC) | ES1% within 20 % | issue-17 cells | single-asset |")
    print("|---|---|---|---|---|---|---|")
    for d in map(Path, sys.argv[1:]):
        s = json.loads((d / "joint_scores.json").read_text())
        real, m = s["real"], s["methods"]
        t = m["TGFL"]
        real_gap = real["crisis"] - real["calm"]
        gap_err = (t["gap"] - real_gap) / abs(real_gap)
        ccc = [abs(m[n]["lambda_l"] - real["lambda_l"]) for n in ("CCC-GARCH-n", "CCC-GARCH-t", "DCC-GARCH-n", "DCC-GARCH-t")]
        names = ("CCC-GARCH-n", "CCC-GARCH-t", "DCC-GARCH-n", "DCC-GARCH-t")
        best = min((m[n]["lambda_l"] for n in names), key=lambda v: abs(v - real["lambda_l"]))
        cells = [t["corr_max_abs_err"] <= 0.05, abs(gap_err) <= 0.5 and t["gap"] > 0,
                 abs(t["lambda_l"] - real["lambda_l"]) < min(ccc)]
        es = sum(abs(v / real["es1"][g] - 1) <= 0.2 for g, v in t["es1"].items())
        passed = checked = 0
        for line in (d / "stdout.txt").read_text().splitlines():
            hit = re.match(r"^\S+: (\d+)/(\d+) single-asset", line)
            if hit:
                passed += int(hit.group(1)); checked += int(hit.group(2))
        total_cells += sum(cells); total_single += passed; total_checked += checked
        print(f"| {d.parent.name}/{d.name} | {t['corr_max_abs_err']:.4f} | {100 * gap_err:+.1f} % | {t['lambda_l']:.3f} "
              f"({best:.3f}; real {real['lambda_l']:.3f}) | "
              f"{es} of {len(t['es1'])} | {sum(cells)} of 3 | {passed} of {checked} |")
    print(f"total: issue-17 cells {total_cells} of {3 * (len(sys.argv) - 1)}, single-asset {total_single} of {total_checked}")


if __name__ == "__main__":
    main()
