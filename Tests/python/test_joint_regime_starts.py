"""The joint model's market-regime starts through the C ABI and Python (issue 17, session 19):
``tgfl_train_params.joint_regime_starts`` (appended under the struct_size rule) and
``JointModel.train(regime_starts=...)``. The starts themselves are checked against NumPy in
Tests/TGFLCoreTests/JointRegimeStartsTests.swift; here: the default fits them (/joint version 9, the
dataset ``regime_starts.log_sigma_quantiles``), False fits none (version 8, as before), the
unconditional scenarios of both models are the same bits, and bad values are refused by name."""

import numpy as np
import pytest

from conftest import check_joint_c_flag, check_joint_train_flag, joint_section, train_tiny_joint

KEY = "regime_starts.log_sigma_quantiles"


@pytest.fixture(scope="module")
def returns(dax_ftse_returns):
    return dax_ftse_returns


_train = train_tiny_joint


def test_default_fits_the_starts_and_false_fits_none(tmp_path, returns):
    # (without the z band map, the default since session 21, whose version is 12 either way)
    on = _train(tmp_path / "on.h5", returns, band_map=False)
    off = _train(tmp_path / "off.h5", returns, regime_starts=False, band_map=False)
    assert on.regime_starts and not off.regime_starts
    version, (starts,) = joint_section(on.path, KEY)
    assert version == 9 and starts.shape == (4 * 2 * 101,)
    q = starts.reshape(4, 2, 101)
    assert np.all(np.diff(q, axis=2) >= 0) and np.all(np.isfinite(q))
    assert joint_section(off.path, KEY) == (8, (None,))
    # Unconditional runs do not use the starts: the same bits; a run under a regime starts elsewhere.
    a, _ = on.generate(n_paths=16, horizon=5, seed=3, n_threads=1)
    b, _ = off.generate(n_paths=16, horizon=5, seed=3, n_threads=1)
    np.testing.assert_array_equal(a, b)
    a, _ = on.generate(n_paths=64, horizon=1, regime="calm", seed=3, n_threads=1)
    b, _ = off.generate(n_paths=64, horizon=1, regime="calm", seed=3, n_threads=1)
    assert not np.array_equal(a, b)


def test_bad_regime_starts_are_refused_by_name(tmp_path, returns):
    check_joint_train_flag(tmp_path, returns, "regime_starts")


def test_c_abi_refuses_a_bad_value_and_honours_struct_size(tmp_path, returns):
    assert check_joint_c_flag(tmp_path, returns, "joint_regime_starts", "0 (none) or 1 (market-regime starts)",
                              "regime_starts") == 1
