#!/usr/bin/env python3
"""TGFL against PyTorch on this CPU, every row of BENCHMARKS.md's "Performance on the model that
ships" in one sitting: the procedure sessions 17–22 ran by hand, as one command (`make bench-compare`).

Rows (the issue-18 targets are TGFL over PyTorch's fused SDPA attention; the explicit module, the
committed reference's original form, is shown beside it):

    train small v1 / v2    tokens/s of training steps, 20 timed + 3 warm-up, batch 32    target 2×
    train large v1 / v2    6 timed + 2 warm-up (a large step is ~1 s)                     target 1.3×
    generate large v1 / v2 1,000 paths × 250 days, median of 3 runs (KV cache)            target 3×

Each round runs every training row as a triple in a fixed order (TGFL, PyTorch explicit, PyTorch
SDPA), back to back, so the sides of one triple share the machine's state; generation pairs TGFL with
PyTorch's generation reference (SDPA over a preallocated cache). A ratio is computed within each
triple or pair, and the table reports the median over rounds of the ratios and of each side's rate.
This host's rate moves by 20–35 % between phases, so read one round as noise and several as a figure
(BENCHMARKS.md pooled six sessions' medians before calling the targets met).

Nothing else should run: the load average before and after each row is printed, and the header names
the CPU (vendor, family, model, flags that choose kernels) and the date, as BENCHMARKS.md requires.

Run:  python3 Benchmarks/perf_compare.py --python /path/to/python-with-torch [--rounds 3]
          [--rows train-small,train-large,generate] [--versions 1,2] [--bench .build/release/tgfl-bench]
Needs only the standard library itself; --python must import torch (2.x).
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = {"train-small": 2.0, "train-large": 1.3, "generate": 3.0}


def cpu_line():
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if ":" not in line:
                    if info:
                        break
                    continue
                k, v = (s.strip() for s in line.split(":", 1))
                info.setdefault(k, v)
    except OSError:
        return platform.processor() or "unknown CPU"
    flags = set(info.get("flags", "").split())
    isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    return (f"{info.get('vendor_id', '?')} {info.get('model name', '?')}, family {info.get('cpu family', '?')} "
            f"model {info.get('model', '?')}, {os.cpu_count()} logical CPUs, {' '.join(isa) or 'no AVX2'}")


def load():
    try:
        return open("/proc/loadavg").read().split()[0]
    except OSError:
        return "?"


def rate(cmd):
    """Runs one benchmark command and returns its `tokens/s` figure; a failure names the command."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    m = re.search(r"tokens/s\s+([0-9.]+)", out)
    if proc.returncode != 0 or m is None:
        sys.exit(f"perf_compare: `{' '.join(cmd)}` failed (exit {proc.returncode}) or printed no tokens/s:\n{out[-2000:]}")
    return float(m.group(1))


def commands(row, version, args):
    v = str(version)
    py = [args.python]
    if row == "generate":
        gen = ["--config", "large", "--model-version", v, "--paths", "1000", "--horizon", "250", "--runs", "3",
               "--threads", str(args.threads)]
        return ([args.bench, "generate"] + gen,
                None,
                py + [os.path.join(HERE, "pytorch_generate_reference.py")] + gen)
    config = "small" if row == "train-small" else "large"
    steps = ["--steps", "20", "--warmup", "3"] if config == "small" else ["--steps", "6", "--warmup", "2"]
    common = ["--config", config, "--model-version", v, "--threads", str(args.threads)] + steps
    ref = py + [os.path.join(HERE, "pytorch_reference.py")] + common
    return [args.bench, "train"] + common, ref, ref + ["--attention", "sdpa"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", required=True, help="a Python that imports torch (runs the PyTorch side)")
    ap.add_argument("--bench", default=".build/release/tgfl-bench", help="the tgfl-bench executable")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of every row (ratios: median over rounds)")
    ap.add_argument("--rows", default="train-small,train-large,generate")
    ap.add_argument("--versions", default="1,2", help="model versions, comma-separated (1, 2)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    rows = [r for r in args.rows.split(",") if r]
    bad = [r for r in rows if r not in TARGETS]
    if bad:
        ap.error(f"--rows: unknown row {bad[0]!r}; choose from {', '.join(TARGETS)}")
    try:
        versions = [int(v) for v in args.versions.split(",") if v]
    except ValueError:
        ap.error(f"--versions: {args.versions!r} is not a comma-separated list of 1 and 2")
    if not versions or any(v not in (1, 2) for v in versions):
        ap.error(f"--versions: {args.versions!r}; model versions are 1 and 2")
    if args.rounds < 1:
        ap.error(f"--rounds: {args.rounds}; at least 1")
    if not os.access(args.bench, os.X_OK):
        ap.error(f"--bench: {args.bench} is not an executable; build it with "
                 "`swift build -c release --product tgfl-bench`")
    try:
        probe = subprocess.run([args.python, "-c", "import torch; print(torch.__version__)"],
                               capture_output=True, text=True)
    except OSError as e:
        ap.error(f"--python: {args.python} cannot be run ({e.strerror}); "
                 "pass a Python with torch, e.g. make bench-compare BENCH_PYTHON=/path/to/python")
    if probe.returncode != 0:
        ap.error(f"--python: {args.python} cannot import torch ({probe.stderr.strip()[-200:]}); "
                 "pass a Python with torch, e.g. make bench-compare BENCH_PYTHON=/path/to/python")

    print(f"perf_compare  {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC  {cpu_line()}")
    print(f"  torch {probe.stdout.strip()}, threads {args.threads}, rounds {args.rounds}, load average at start {load()}")
    results = {}
    for rnd in range(1, args.rounds + 1):
        for row in rows:
            for v in versions:
                tgfl_cmd, explicit_cmd, sdpa_cmd = commands(row, v, args)
                before = load()
                t = rate(tgfl_cmd)
                e = rate(explicit_cmd) if explicit_cmd else None
                s = rate(sdpa_cmd)
                results.setdefault((row, v), []).append((t, e, s))
                ratios = (f"{t / e:.2f}× explicit, " if e else "") + f"{t / s:.2f}× SDPA"
                print(f"  round {rnd}  {row} v{v}: TGFL {t:.0f}, PyTorch "
                      + (f"explicit {e:.0f}, " if e else "") + f"SDPA {s:.0f} tokens/s  ({ratios}; load {before} → {load()})",
                      flush=True)

    print()
    print("| row | TGFL tokens/s | PyTorch explicit | PyTorch SDPA | TGFL/explicit | TGFL/SDPA (target) | met |")
    print("|---|---|---|---|---|---|---|")
    for (row, v), triples in results.items():
        med = statistics.median
        t = med(x[0] for x in triples)
        s = med(x[2] for x in triples)
        ratio_s = med(x[0] / x[2] for x in triples)
        if triples[0][1] is not None:
            e = f"{med(x[1] for x in triples):.0f}"
            ratio_e = f"{med(x[0] / x[1] for x in triples):.2f}×"
        else:
            e, ratio_e = "–", "–"
        target = TARGETS[row]
        print(f"| {row} v{v} | {t:.0f} | {e} | {s:.0f} | {ratio_e} | {ratio_s:.2f}× ({target}×) | "
              f"{'yes' if ratio_s >= target else 'no'} |")
    print(f"\nmedians over {args.rounds} round(s); load average at the end {load()}. "
          "Record the table, the date and the CPU line in BENCHMARKS.md.")


if __name__ == "__main__":
    main()
