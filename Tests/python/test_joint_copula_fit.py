"""The joint model's copula fit rule through the C ABI and Python (issue 17, session 23):
``tgfl_train_params.joint_copula_fit`` (appended under the struct_size rule) and
``JointModel.train(copula_fit=...)``. The rule itself (ν matched to the training u's lower-tail
coefficient at 5 %) is checked against scipy/NumPy in Tests/TGFLStatsTests/StudentTCopulaLowerTailTests.swift;
here: the default is the likelihood's ν, 1 / "lower-tail" gives the ν that `tgfl train-joint
--copula-fit lower-tail` fits on the same days (another entry point: its own option parsing and
settings), an older caller's struct gets the default, and bad values are refused by name."""


import numpy as np
import pytest

import tgfl
from conftest import CLI_COMMON, CLI_TINY, RESOURCES, c_train_tiny_joint, check_c_joint_choice, cli_train_joint
from tgfl import _lib
from tgfl import portfolio as pf



@pytest.fixture(scope="module")
def returns():
    """DAX and FTSE, every day of eu_stocks.csv: on the first 600 days (the other joint tests' data) both
    rules give the Gaussian copula; on all 1,858 the likelihood picks ν = 20 and the lower tail ν = 4."""
    prices = np.loadtxt(RESOURCES / "eu_stocks.csv", delimiter=",", skiprows=1)
    return np.ascontiguousarray(np.diff(np.log(prices), axis=0)[:, [0, 3]])


def _train(path, returns, **kw):
    return pf.JointModel.train(path, returns, names=["dax", "ftse"], config=tgfl.ModelConfig(**CLI_TINY),
                               **CLI_COMMON, **kw)


def test_lower_tail_rule_matches_the_command(tmp_path, returns):
    # None: the library's default, the likelihood; "LOWER_TAIL" is read as "lower-tail".
    nu = {"likelihood": _train(tmp_path / "default.h5", returns).copula["degrees_of_freedom"],
          "lower": _train(tmp_path / "lower.h5", returns, copula_fit="LOWER_TAIL").copula["degrees_of_freedom"]}
    # Both entry points fit the same data models (the likelihood's ν agrees), and the lower-tail rule
    # picks another ν on these days, the command's.
    cli_nu = {rule: cli_train_joint(tmp_path, returns, ["dax", "ftse"], "--copula-fit", rule).copula["degrees_of_freedom"]
              for rule in ("likelihood", "lower-tail")}
    assert cli_nu["likelihood"] == nu["likelihood"]
    assert nu["lower"] != nu["likelihood"], nu
    assert cli_nu["lower-tail"] == nu["lower"]


def test_bad_copula_fit_is_refused_by_name(tmp_path, returns):
    for bad in (1, "yes", "lowertail", True):
        with pytest.raises(tgfl.TgflError, match="copula_fit must be one of 'likelihood', 'lower-tail' or None"):
            _train(tmp_path / "bad.h5", returns, copula_fit=bad)
    assert not (tmp_path / "bad.h5").exists()


def test_c_abi_refuses_a_bad_value_and_honours_struct_size(tmp_path, returns):
    old, one = check_c_joint_choice(tmp_path, returns, "joint_copula_fit", (2, -1, 1 << 40),
                                    "joint_copula_fit must be 0 (likelihood) or 1 (lower tail), got {}", 1)
    params = _lib.tgfl_train_default_params()
    params.steps, params.batch_size, params.n_threads = 1, 8, 1
    assert c_train_tiny_joint(tmp_path / "zero.h5", returns, params) == tgfl.TGFL_OK
    nu = {name: pf.JointModel(path).copula["degrees_of_freedom"] for name, path in
          (("zero", tmp_path / "zero.h5"), ("old", old), ("one", one))}
    assert nu["old"] == nu["zero"] and nu["one"] != nu["zero"], nu
