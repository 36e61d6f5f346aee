#!/usr/bin/env python3
"""Pass counts per target group and method over `tgfl-bench realism --json` runs (issue 12), e.g. the
oracle calibration's draws (Benchmarks/oracle_calibration.py):

  python3 Benchmarks/oracle_summary.py OUT/oracle42.json OUT7/oracle.json ...

Prints a markdown table: rows are target groups (a regime target counts once per regime), columns the
methods found (TGFL, the baselines, the oracle), cells passed/checked summed over the files; targets
that were not checked (e.g. the crisis-mean sign when the real mean is within two standard errors)
are left out."""
import json
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    methods, groups = [], {}
    for path in sys.argv[1:]:
        for series in json.load(open(path))["series"]:
            for m in series["methods"]:
                if m["key"] not in methods:
                    methods.append(m["key"])
                for t in m["card"]["targets"]:
                    if t.get("passed") is None:
                        continue
                    cell = groups.setdefault(t["key"].split(".")[0], {}).setdefault(m["key"], [0, 0])
                    cell[0] += bool(t["passed"])
                    cell[1] += 1
    print("| group | " + " | ".join(methods) + " |")
    print("|---|" + "---|" * len(methods))
    for key, row in groups.items():
        print(f"| {key} | " + " | ".join(f"{row[m][0]}/{row[m][1]}" if m in row else "—" for m in methods) + " |")
    totals = {m: [sum(r[m][i] for r in groups.values() if m in r) for i in (0, 1)] for m in methods}
    print("| total | " + " | ".join(f"{p}/{n} ({100 * p / max(n, 1):.0f} %)" for p, n in totals.values()) + " |")


if __name__ == "__main__":
    main()
