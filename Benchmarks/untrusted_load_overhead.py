"""Cost of the child-process check of untrusted HDF5 files (issue 13; HDF5File+Untrusted.swift).

Loads each checkpoint N times through the Python binding (ctypes → tgfl_model_load) with the
check (default) and without it (TGFL_TRUSTED_CHECKPOINTS=1), alternating, and prints the median
time per load. The check forks the caller, so its cost grows with the caller's memory: the run
is repeated after the process has touched --ballast-mb of extra memory.

    PYTHONPATH=Examples/python TGFL_LIB_DIR=.build/release python3 Benchmarks/untrusted_load_overhead.py

Without arguments it saves two untrained checkpoints first: 0.1 MB (V=64 T=32 C=32 L=2) and
4.4 MB (V=256 T=64 C=128 L=4).
"""

import argparse
import os
import resource
import statistics
import tempfile
import time

import numpy as np

import tgfl


def cpu_seconds():
    """CPU time (user + system) of this process and of its reaped children (the checks)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def median_load_ms(path, trusted, n):
    """(median wall time, mean CPU time) per load in ms."""
    os.environ["TGFL_TRUSTED_CHECKPOINTS"] = "1" if trusted else "0"
    times = []
    cpu = cpu_seconds()
    for _ in range(n):
        start = time.perf_counter()
        tgfl.Model.load(path).close()
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times), 1e3 * (cpu_seconds() - cpu) / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="*")
    parser.add_argument("-n", type=int, default=30, help="loads per mode and file")
    parser.add_argument("--ballast-mb", type=int, default=1024)
    args = parser.parse_args()
    if not args.checkpoints:
        folder = tempfile.mkdtemp(prefix="tgfl-overhead-")
        for name, config in (("tiny.h5", dict(vocab_size=64, context_length=32, d_model=32, n_layers=2, n_heads=2,
                                               d_ff=64, n_regimes=4)),
                             ("medium.h5", dict(vocab_size=256, context_length=64, d_model=128, n_layers=4,
                                                n_heads=4, d_ff=512, n_regimes=4))):
            with tgfl.Model.create(tgfl.ModelConfig(**config), seed=1) as model:
                model.save(os.path.join(folder, name))
            args.checkpoints.append(os.path.join(folder, name))
    ballast = None
    for phase in ("as started", f"+{args.ballast_mb} MB touched"):
        if ballast is None and phase.startswith("+"):
            ballast = np.ones(args.ballast_mb * (1 << 20) // 8)
        for path in args.checkpoints:
            size = os.path.getsize(path) / 1e6
            checked, trusted = [], []
            for _ in range(3):          # alternate, so that load changes hit both alike
                checked.append(median_load_ms(path, False, args.n))
                trusted.append(median_load_ms(path, True, args.n))
            c, t = statistics.median(m[0] for m in checked), statistics.median(m[0] for m in trusted)
            cc, tc = statistics.median(m[1] for m in checked), statistics.median(m[1] for m in trusted)
            print(f"{phase:>18} {os.path.basename(path):10} {size:5.2f} MB  wall: checked {c:7.2f} ms, "
                  f"trusted {t:7.2f} ms  CPU: checked {cc:6.2f} ms, trusted {tc:6.2f} ms, "
                  f"overhead {cc - tc:+6.2f} ms", flush=True)


if __name__ == "__main__":
    main()
