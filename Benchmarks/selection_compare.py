#!/usr/bin/env python3
"""Two model selections of the same training runs, side by side (issue 12, session 17).

`tgfl-bench realism --eval-at 0,5,10,15,20 --main-selection --json RUN.json --save DIR` trains each
series once and scores two networks of that run: "tgfl", the one model selection keeps when it
also evaluates at the --eval-at steps (0 = the starting network, the output prior), and
"tgfl_main", the one main keeps (evaluations every 25 steps only). This prints, per series, the
validation loss at step 0 and at the steps of the history (from DIR/<name>.h5's /training
history), the steps each selection keeps, the targets each passes, and every target whose verdict
differs (value with the new selection / with main's, and the reference); then the totals.

Run: /work/pyref/bin/python Benchmarks/selection_compare.py RUN.json DIR   (needs h5py)
"""
import json
import sys
from pathlib import Path

import h5py


def history(path):
    with h5py.File(path, "r") as f:
        return json.loads(f["training"].attrs["history"])


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    run, save = json.load(open(sys.argv[1])), Path(sys.argv[2])
    print("| series | val. loss step 0 / 5 / 10 / 15 / 20 / 25 / 50 / 300 | kept (new / main) | "
          "targets (new / main) | verdicts that differ: target new / main (reference) |")
    print("|---|---|---|---|---|")
    total = [0, 0, 0]
    for s in run["series"]:
        m = {x["key"]: x["card"]["targets"] for x in s["methods"]}
        a, b = m["tgfl"], m["tgfl_main"]
        pa = sum(bool(t["passed"]) for t in a if t["passed"] is not None)
        pb = sum(bool(t["passed"]) for t in b if t["passed"] is not None)
        n = sum(t["passed"] is not None for t in a)
        total = [total[0] + pa, total[1] + pb, total[2] + n]
        h = history(save / f"{s['name']}.h5")
        curve = {r["step"]: r["val_loss"] for r in h["records"] if r.get("val_loss") is not None}
        curve[0] = float(h["summary"]["initial_validation_loss"])
        kept = int(h["summary"]["best_step"])
        on_main = {k: v for k, v in curve.items() if k % 25 == 0 and k > 0}
        main_kept = min(on_main, key=lambda k: (on_main[k], k))
        losses = " / ".join(f"{curve[k]:.4f}" for k in (0, 5, 10, 15, 20, 25, 50, 300) if k in curve)
        diff = "; ".join(
            f"{x['key']} {'✓' if x['passed'] else '✗'} {x['value']:.4g} / {'✓' if y['passed'] else '✗'} "
            f"{y['value']:.4g} ({y['reference']:.4g})"
            for x, y in zip(a, b) if x["passed"] != y["passed"])
        print(f"| {s['name']} | {losses} | {kept} / {main_kept} | {pa} / {pb} of {n} | {diff or '—'} |")
    print(f"| **all** | | | **{total[0]} / {total[1]} of {total[2]}** | |")


if __name__ == "__main__":
    main()
