"""The joint model's copula fit rule through the C ABI and Python (issue 17, session 23):
``tgfl_train_params.joint_copula_fit`` (appended under the struct_size rule) and
``JointModel.train(copula_fit=...)``. The rule itself (ν matched to the training u's lower-tail
coefficient at 5 %) is checked against scipy/NumPy in Tests/TGFLStatsTests/StudentTCopulaLowerTailTests.swift;
here: the default is the likelihood's ν, 1 / "lower-tail" gives the ν that `tgfl train-joint
--copula-fit lower-tail` fits on the same days (another entry point: its own option parsing and
settings), an older caller's struct gets the default, and bad values are refused by name."""

import ctypes
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import tgfl
from conftest import RESOURCES, c_train_tiny_joint
from tgfl import _lib
from tgfl import portfolio as pf

# The CLI's `--config tiny` (Sources/tgfl/ModelPresets.swift), so that both entry points fit the same data models.
CLI_TINY = dict(vocab_size=128, context_length=32, d_model=32, n_layers=1, n_heads=2, d_ff=64)
COMMON = dict(levels_per_asset=4, seed=1, steps=2, batch_size=8, n_threads=1, val_fraction=0.1)


@pytest.fixture(scope="module")
def returns():
    """DAX and FTSE, every day of eu_stocks.csv: on the first 600 days (the other joint tests' data) both
    rules give the Gaussian copula; on all 1,858 the likelihood picks ν = 20 and the lower tail ν = 4."""
    prices = np.loadtxt(RESOURCES / "eu_stocks.csv", delimiter=",", skiprows=1)
    return np.ascontiguousarray(np.diff(np.log(prices), axis=0)[:, [0, 3]])


def _train(path, returns, **kw):
    return pf.JointModel.train(path, returns, names=["dax", "ftse"], config=tgfl.ModelConfig(**CLI_TINY),
                               **COMMON, **kw)


def _cli_nu(tmp_path, returns, rule):
    folder = os.environ.get("TGFL_BIN_DIR")
    if not folder or not (Path(folder) / "tgfl").exists():
        pytest.skip("TGFL_BIN_DIR does not hold the `tgfl` executable")
    data = tmp_path / "dax_ftse.csv"
    np.savetxt(data, returns, delimiter=",", header="dax,ftse", comments="", fmt="%.17g")
    out = tmp_path / f"cli_{rule}.h5"
    run = subprocess.run([str(Path(folder) / "tgfl"), "train-joint", "--data", str(data), "--columns", "dax,ftse",
                          "--returns",
                          "--date-column", "none", "--config", "tiny", "--levels", "4", "--steps", "2",
                          "--batch-size", "8", "--seed", "1", "--threads", "1", "--val-fraction", "0.1",
                          "--copula-fit", rule, "--out", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return pf.JointModel(out).copula["degrees_of_freedom"]


def test_lower_tail_rule_matches_the_command(tmp_path, returns):
    # None: the library's default, the likelihood; "LOWER_TAIL" is read as "lower-tail".
    nu = {"likelihood": _train(tmp_path / "default.h5", returns).copula["degrees_of_freedom"],
          "lower": _train(tmp_path / "lower.h5", returns, copula_fit="LOWER_TAIL").copula["degrees_of_freedom"]}
    # Both entry points fit the same data models (the likelihood's ν agrees), and the lower-tail rule
    # picks another ν on these days, the command's.
    assert _cli_nu(tmp_path, returns, "likelihood") == nu["likelihood"]
    assert nu["lower"] != nu["likelihood"], nu
    assert _cli_nu(tmp_path, returns, "lower-tail") == nu["lower"]


def test_bad_copula_fit_is_refused_by_name(tmp_path, returns):
    for bad in (1, "yes", "lowertail", True):
        with pytest.raises(tgfl.TgflError, match="copula_fit must be one of 'likelihood', 'lower-tail' or None"):
            _train(tmp_path / "bad.h5", returns, copula_fit=bad)
    assert not (tmp_path / "bad.h5").exists()


def test_c_abi_refuses_a_bad_value_and_honours_struct_size(tmp_path, returns):
    params = _lib.tgfl_train_default_params()
    assert params.joint_copula_fit == 0
    params.steps, params.batch_size, params.n_threads = 1, 8, 1
    for bad in (2, -1, 1 << 40):
        params.joint_copula_fit = bad
        assert c_train_tiny_joint(tmp_path / "c.h5", returns, params) == tgfl.TGFL_ERR_OUT_OF_RANGE
        assert f"joint_copula_fit must be 0 (likelihood) or 1 (lower tail), got {bad}".encode() in _lib.tgfl_last_error()
    assert not (tmp_path / "c.h5").exists()
    params.joint_copula_fit = 0
    assert c_train_tiny_joint(tmp_path / "zero.h5", returns, params) == tgfl.TGFL_OK
    params.joint_copula_fit = 1
    params.struct_size = _lib.tgfl_train_params.joint_copula_fit.offset   # built against the older header
    assert c_train_tiny_joint(tmp_path / "old.h5", returns, params) == tgfl.TGFL_OK
    params.struct_size = ctypes.sizeof(_lib.tgfl_train_params)
    assert c_train_tiny_joint(tmp_path / "one.h5", returns, params) == tgfl.TGFL_OK
    nu = {name: pf.JointModel(tmp_path / f"{name}.h5").copula["degrees_of_freedom"] for name in ("zero", "old", "one")}
    assert nu["old"] == nu["zero"] and nu["one"] != nu["zero"], nu
