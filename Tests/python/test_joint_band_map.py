"""The joint model's z band map through the C ABI and Python (issue 17, session 20):
``tgfl_train_params.joint_band_map`` (appended under the struct_size rule) and
``JointModel.train(band_map=...)``. The map itself is checked against NumPy in
Tests/TGFLCoreTests/JointBandMapTests.swift; here: True fits and calibrates it (/joint version 10, the
datasets ``band_map.targets`` / ``band_map.sources``), the default fits none (version 9, as before), a
run under a regime is the same bits for both models while an unconditional run differs, and bad values
are refused by name."""

import numpy as np
import pytest

from conftest import check_joint_c_flag, check_joint_train_flag, joint_section, train_tiny_joint

LEVELS = 11


@pytest.fixture(scope="module")
def returns(dax_ftse_returns):
    return dax_ftse_returns


_train = train_tiny_joint


def test_true_fits_the_band_map_and_the_default_none(tmp_path, returns):
    on = _train(tmp_path / "on.h5", returns, band_map=True)
    off = _train(tmp_path / "off.h5", returns)
    assert on.band_map and not off.band_map
    version, data = joint_section(on.path, "band_map.targets", "band_map.sources")
    assert version == 10
    for q in data:
        q = q.reshape(2, 4, LEVELS)
        assert np.all(np.diff(q, axis=2) >= 0) and np.all(np.isfinite(q))
    assert joint_section(off.path, "band_map.targets", "band_map.sources") == (9, (None, None))
    # Runs under a regime do not use the map: the same bits; an unconditional run is mapped.
    a, _ = on.generate(n_paths=64, horizon=1, regime="crisis", seed=3, n_threads=1)
    b, _ = off.generate(n_paths=64, horizon=1, regime="crisis", seed=3, n_threads=1)
    np.testing.assert_array_equal(a, b)
    a, _ = on.generate(n_paths=16, horizon=20, seed=3, n_threads=1)
    b, _ = off.generate(n_paths=16, horizon=20, seed=3, n_threads=1)
    assert not np.array_equal(a, b)


def test_bad_band_map_values_are_refused_by_name(tmp_path, returns):
    check_joint_train_flag(tmp_path, returns, "band_map")


def test_c_abi_refuses_a_bad_value_and_honours_struct_size(tmp_path, returns):
    assert check_joint_c_flag(tmp_path, returns, "joint_band_map", "0 (none) or 1 (the z band map)", "band_map") == 0
