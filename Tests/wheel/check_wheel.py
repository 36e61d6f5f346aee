#!/usr/bin/env python3
"""Runs the README's Python snippet with an installed tgfl wheel and checks where it came from.

Usage (make wheel-test does this from a fresh venv, outside the checkout, with no TGFL_LIB_DIR
or PYTHONPATH):  <venv>/bin/python Tests/wheel/check_wheel.py README.md

1. extracts the ```python block between `<!-- wheel-snippet:start` and `<!-- wheel-snippet:end`;
2. runs it (progress bars off: the bar goes to stderr, which stays quiet in CI logs);
3. checks that tgfl was imported from site-packages, that libCTGFL.so and every Swift runtime
   library in /proc/self/maps were loaded from the wheel's tgfl/_native folder (none from a Swift
   toolchain), and that the snippet's results have the promised types and shapes.
"""
import os
import re
import sys
from pathlib import Path


def snippet(readme: Path) -> str:
    text = readme.read_text()
    match = re.search(r"<!-- wheel-snippet:start.*?```python\n(.*?)```.*?<!-- wheel-snippet:end", text, re.S)
    if not match:
        sys.exit(f"{readme}: no ```python block between wheel-snippet:start and wheel-snippet:end")
    return match.group(1)


def main() -> None:
    readme = Path(sys.argv[1]).resolve()
    for variable in ("TGFL_LIB_DIR", "PYTHONPATH"):
        if os.environ.get(variable):
            sys.exit(f"{variable} is set; the wheel must work without it")
    code = snippet(readme)
    namespace: dict = {"__name__": "__readme__"}
    exec(compile(code, f"{readme}:wheel-snippet", "exec"), namespace)

    import pandas as pd
    import tgfl
    package = Path(tgfl.__file__).resolve().parent
    problems = []
    if "site-packages" not in str(package):
        problems.append(f"tgfl imported from {package}, not from the installed wheel")
    native = package / "_native"
    if tgfl.library_path().resolve() != (native / "libCTGFL.so").resolve():
        problems.append(f"library_path() is {tgfl.library_path()}, not the bundled {native}/libCTGFL.so")
    maps = Path("/proc/self/maps").read_text()
    loaded = sorted({line.split()[-1] for line in maps.splitlines()
                     if re.search(r"/(libCTGFL|libswift\w*|libFoundation\w*|lib_Foundation\w*|libdispatch|"
                                  r"libBlocksRuntime)\.so", line)})
    outside = [p for p in loaded if not p.startswith(str(native.resolve()))]
    if outside:
        problems.append(f"loaded from outside the wheel: {outside}")
    if not any(p.endswith("/libswiftCore.so") for p in loaded):
        problems.append(f"libswiftCore.so not loaded at all: {loaded}")
    history, paths, prices, result = (namespace.get(k) for k in ("history", "paths", "prices", "result"))
    if not isinstance(history, tgfl.TrainingHistory) or len(history) != 40:
        problems.append(f"history: {history!r}")
    if not (isinstance(paths, pd.DataFrame) and paths.shape == (250, 200)
            and isinstance(paths.index, pd.DatetimeIndex) and paths.index[0] == pd.Timestamp("2025-01-02")
            and (paths.index.day_of_week < 5).all()):
        problems.append(f"paths: {type(paths)} {getattr(paths, 'shape', None)}")
    if not (isinstance(prices, pd.DataFrame) and (prices.to_numpy() > 0).all()):
        problems.append("prices are not positive")
    if not (isinstance(result, tgfl.EvaluationResult) and len(result.to_frame()) > 5 and "<table" in result._repr_html_()):
        problems.append(f"result: {result!r}")
    if problems:
        sys.exit("wheel check FAILED:\n  " + "\n  ".join(problems))
    print(f"wheel check: README snippet ran; tgfl {tgfl.version()} from {package}; "
          f"{len(loaded)} native libraries, all from tgfl/_native")


if __name__ == "__main__":
    main()
