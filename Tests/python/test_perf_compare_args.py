"""`make bench-compare`'s script refuses bad arguments with one argparse error naming the option, before
any benchmark runs (Benchmarks/perf_compare.py). Session 25's README walk found a --python that does not
exist ending in a FileNotFoundError traceback instead."""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "Benchmarks" / "perf_compare.py"


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


def test_missing_python_is_named():
    # --bench must be an executable for the script to reach the --python check: any will do.
    result = run("--python", "/nonexistent/python3", "--bench", sys.executable, "--rounds", "1")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "--python: /nonexistent/python3 cannot be run" in result.stderr


def test_unknown_row_is_named():
    result = run("--python", sys.executable, "--rows", "train-tiny")
    assert result.returncode == 2
    assert "--rows: unknown row 'train-tiny'" in result.stderr
