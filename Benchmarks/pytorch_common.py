"""What the PyTorch reference benchmarks share: the reference module of
Tests/Fixtures/make_reference.py, the model configuration, the timed loop (wall and CPU time of
each run) and the closing lines (peak RSS, load average).

Imported by pytorch_reference.py, pytorch_generate_reference.py and
pytorch_conditional_reference.py; not run on its own.
"""
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures"))
import make_reference as ref  # noqa: E402,F401  (re-exported for the benchmarks)


def reference_config(name, threads, model_version=1):
    """Sets the torch thread count and seed 1, and returns the reference config `name`
    ("small" or "large"), as model v2 (16 volatility levels) when `model_version` is 2."""
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    cfg = dict(ref.CONFIGS[name])
    if model_version == 2:
        cfg.update(model_version=2, n_volatility_levels=16)
    return cfg


def timed_runs(count, run, prepare=lambda i: (i,)):
    """Calls `run(*prepare(i))` for i in 0 ..< count, timing `run` alone; returns the wall times,
    the CPU times (all threads) and the results, in order."""
    times, cpu_times, results = [], [], []
    for i in range(count):
        args = prepare(i)
        start, cpu_start = time.perf_counter(), time.process_time()
        results.append(run(*args))
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    return times, cpu_times, results


def print_footer(checksum=None):
    """The last lines of every report: peak RSS, the checksum (when given), the load average."""
    print(f"  peak RSS     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB")
    if checksum is not None:
        print(f"  checksum     {checksum:.6f}")
    print(f"  load avg     {' '.join(open('/proc/loadavg').read().split()[:3])}")
