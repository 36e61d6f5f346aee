"""The joint model's start dependence through the C ABI and Python (issue 17, session 24):
``tgfl_train_params.joint_start_dependence`` (appended under the struct_size rule),
``JointModel.train(start_dependence=...)`` and ``JointModel.start_dependence``. The fit itself (the normal
scores' correlation of each asset's training log σ, per market regime) is checked against NumPy/SciPy in
Tests/TGFLCoreTests/JointStartDependenceTests.swift; here: the default stores none, "fitted" stores what
`tgfl train-joint --start-dependence fitted` stores on the same days (another entry point: its own option
parsing and settings); "independent" stores the identity; an older caller's struct gets the default; bad values are refused
by name."""

import numpy as np
import pytest

import tgfl
from conftest import CLI_COMMON, CLI_TINY, RESOURCES, check_c_joint_choice, cli_train_joint
from tgfl import portfolio as pf



@pytest.fixture(scope="module")
def returns():
    """DAX, SMI and FTSE, every day of eu_stocks.csv."""
    prices = np.loadtxt(RESOURCES / "eu_stocks.csv", delimiter=",", skiprows=1)
    return np.ascontiguousarray(np.diff(np.log(prices), axis=0)[:, [0, 1, 3]])


def _train(path, returns, **kw):
    return pf.JointModel.train(path, returns, names=["dax", "smi", "ftse"], config=tgfl.ModelConfig(**CLI_TINY),
                               **CLI_COMMON, **kw)


def test_rules_match_the_command(tmp_path, returns):
    default = _train(tmp_path / "default.h5", returns)
    assert default.start_dependence is None
    fitted = _train(tmp_path / "fitted.h5", returns, start_dependence="FITTED")
    independent = _train(tmp_path / "independent.h5", returns, start_dependence="independent")
    P = fitted.start_dependence
    assert P.shape == (3, 3) and np.allclose(P, P.T) and np.allclose(np.diag(P), 1)
    # The training days' σ co-move: every pair well above 0 and below 1 (comonotone).
    off = P[~np.eye(3, dtype=bool)]
    assert np.all(off > 0.3) and np.all(off < 0.98), P
    np.testing.assert_array_equal(independent.start_dependence, np.eye(3))
    names = ["dax", "smi", "ftse"]
    np.testing.assert_array_equal(cli_train_joint(tmp_path, returns, names, "--start-dependence", "fitted").start_dependence, P)
    assert cli_train_joint(tmp_path, returns, names, "--start-dependence", "comonotone").start_dependence is None


def test_bad_start_dependence_is_refused_by_name(tmp_path, returns):
    for bad in (1, "yes", "Fitted ", True):
        with pytest.raises(tgfl.TgflError, match="start_dependence must be one of 'comonotone', 'fitted', 'independent'"):
            _train(tmp_path / "bad.h5", returns, start_dependence=bad)
    assert not (tmp_path / "bad.h5").exists()


def test_c_abi_refuses_a_bad_value_and_honours_struct_size(tmp_path, returns):
    pair = np.ascontiguousarray(returns[:, [0, 2]])     # DAX and FTSE: the names c_train_tiny_joint gives
    old, two = check_c_joint_choice(tmp_path, pair, "joint_start_dependence", (3, -1, 1 << 40),
                                    "joint_start_dependence must be 0 (comonotone), 1 (fitted) or 2 (independent), got {}", 2)
    assert pf.JointModel(old).start_dependence is None
    np.testing.assert_array_equal(pf.JointModel(two).start_dependence, np.eye(2))
