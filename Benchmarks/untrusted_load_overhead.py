"""Cost of the child-process check of untrusted HDF5 files (issue 13; HDF5File+Untrusted.swift).

Loads each checkpoint N times through the Python binding (ctypes → tgfl_model_load) with the
check (default) and without it (TGFL_TRUSTED_CHECKPOINTS=1), alternating, and prints the median
time per load. The check forks the caller, so its cost grows with the caller's memory: the run
is repeated after the process has touched --ballast-mb of extra memory.

    PYTHONPATH=Examples/python TGFL_LIB_DIR=.build/release python3 Benchmarks/untrusted_load_overhead.py \
        Tests/Fixtures/h5py_checkpoint.h5 Tests/Fixtures/reference_small.h5
"""

import argparse
import os
import statistics
import time

import numpy as np

import tgfl


def median_load_ms(path, trusted, n):
    os.environ["TGFL_TRUSTED_CHECKPOINTS"] = "1" if trusted else "0"
    times = []
    for _ in range(n):
        start = time.perf_counter()
        tgfl.Model.load(path).close()
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("-n", type=int, default=30, help="loads per mode and file")
    parser.add_argument("--ballast-mb", type=int, default=1024)
    args = parser.parse_args()
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
            c, t = statistics.median(checked), statistics.median(trusted)
            print(f"{phase:>18} {os.path.basename(path):28} {size:6.2f} MB  checked {c:7.2f} ms  "
                  f"trusted {t:7.2f} ms  overhead {c - t:+7.2f} ms ({c / t:4.2f}x)", flush=True)


if __name__ == "__main__":
    main()
