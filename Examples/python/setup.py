"""Build step of the ``tgfl`` wheel: compiles libCTGFL with SwiftPM and bundles it.

``pip wheel Examples/python`` (or ``make wheel``) runs, from the repository root::

    swift build -c release --product CTGFL $TGFL_SWIFT_BUILD_FLAGS

then copies ``libCTGFL.so`` (without its debug sections) and the Swift runtime libraries it
links (every ``ldd`` dependency under the Swift toolchain's ``lib/swift``) into
``tgfl/_native/`` and sets their RUNPATH to ``$ORIGIN`` (patchelf), so the wheel needs no
Swift toolchain and no environment variable.
OpenBLAS and HDF5 stay system libraries (Debian: ``libopenblas0 libhdf5-103-1``, or the
``-dev`` packages), like the C library dependencies of any Linux package.

``TGFL_PREBUILT_LIB=/path/to/libCTGFL.so`` skips the Swift build and bundles that file.
The wheel is tagged ``py3-none-<platform>``: ctypes needs no CPython ABI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
LIB_NAME = "libCTGFL.dylib" if sys.platform == "darwin" else "libCTGFL.so"
NATIVE = "_native"


def _run(command: list, **kwargs) -> str:
    print("tgfl build:", " ".join(command), flush=True)
    return subprocess.run(command, check=True, text=True, stdout=subprocess.PIPE, **kwargs).stdout


def _build_library() -> Path:
    """The path of a freshly built (or the prebuilt) libCTGFL."""
    prebuilt = os.environ.get("TGFL_PREBUILT_LIB")
    if prebuilt:
        path = Path(prebuilt)
        if not path.is_file():
            sys.exit(f"tgfl build: TGFL_PREBUILT_LIB={prebuilt} is not a file")
        return path
    if not (REPO / "Package.swift").is_file():
        sys.exit(f"tgfl build: no Package.swift in {REPO}; build the wheel from a checkout of TGFL "
                 f"(pip wheel <repo>/Examples/python), or set TGFL_PREBUILT_LIB to a built {LIB_NAME}")
    if shutil.which("swift") is None:
        sys.exit("tgfl build: `swift` is not on PATH; install the Swift 6 toolchain (swift.org/install)")
    flags = os.environ.get("TGFL_SWIFT_BUILD_FLAGS", "").split()
    command = ["swift", "build", "-c", "release", "--product", "CTGFL", *flags]
    subprocess.run(command, check=True, cwd=REPO)
    folder = _run(["swift", "build", "-c", "release", "--show-bin-path", *flags], cwd=REPO).strip()
    return Path(folder) / LIB_NAME


def _swift_runtime(library: Path) -> list:
    """The Swift toolchain libraries that ``library`` loads (ldd), not the system ones."""
    if sys.platform != "linux":
        return []
    listing = _run(["ldd", str(library)])
    missing = re.findall(r"^\s*(\S+) => not found", listing, re.M)
    if missing:
        sys.exit(f"tgfl build: {library} needs {', '.join(missing)}, which ldd cannot find; "
                 "install the system packages (make deps)")
    paths = re.findall(r"=> (\S+/lib/swift/\S+) \(", listing)
    return [Path(p) for p in paths]


def _set_origin_runpath(path: Path) -> None:
    """RUNPATH = $ORIGIN: the bundled copies load each other, never the build machine's."""
    patchelf = shutil.which("patchelf")  # the build requirement `patchelf` puts it on PATH
    if patchelf is None:
        sys.exit("tgfl build: patchelf is needed (pip install patchelf, or apt-get install patchelf)")
    subprocess.run([patchelf, "--set-rpath", "$ORIGIN", str(path)], check=True)


class BuildWithLibrary(build_py):
    """build_py that also builds libCTGFL and copies it, with its Swift runtime, into the package."""

    def run(self):
        super().run()
        library = _build_library()
        target = Path(self.build_lib) / "tgfl" / NATIVE
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for source in [library, *_swift_runtime(library)]:
            copy = target / source.name
            shutil.copy2(source.resolve(), copy)
            os.chmod(copy, 0o755)
            if sys.platform == "linux":
                _set_origin_runpath(copy)
                if source == library and shutil.which("strip"):
                    # Debug sections are 60 % of the release build's libCTGFL.so (the symbols stay).
                    subprocess.run(["strip", "--strip-debug", str(copy)], check=True)
        print(f"tgfl build: bundled {len(list(target.iterdir()))} libraries in tgfl/{NATIVE}", flush=True)


class PlatformWheel(bdist_wheel):
    """A platform wheel (it carries a native library) that any Python 3 can load."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class BinaryDistribution(Distribution):
    """Marks the distribution as platform-specific."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": PlatformWheel}, distclass=BinaryDistribution)
