"""The joint model's z band map through the C ABI and Python (issue 17, sessions 20–21):
``tgfl_train_params.joint_band_map`` (appended under the struct_size rule) and
``JointModel.train(band_map=...)``. The map itself is checked against NumPy in
Tests/TGFLCoreTests/JointBandMapTests.swift; here: the default (since session 21) fits and calibrates it
(/joint version 12, the attribute ``band_map.rule = "own_z"`` and the datasets ``band_map.targets`` /
``band_map.sources`` / ``band_map.target_log_se``), False fits none (version 9, as before), a run under a
regime is the same bits for both models while an unconditional run differs, and bad values are refused by
name; a caller whose struct_size ends before the field gets the default (the map)."""

import numpy as np
import pytest

from conftest import check_joint_c_flag, check_joint_train_flag, joint_section, train_tiny_joint

LEVELS = 11


@pytest.fixture(scope="module")
def returns(dax_ftse_returns):
    return dax_ftse_returns


_train = train_tiny_joint


def test_the_default_fits_the_band_map_and_false_none(tmp_path, returns):
    import h5py
    on = _train(tmp_path / "on.h5", returns)
    off = _train(tmp_path / "off.h5", returns, band_map=False)
    assert on.band_map and not off.band_map
    version, (targets, sources, se) = joint_section(on.path, "band_map.targets", "band_map.sources",
                                                    "band_map.target_log_se")
    assert version == 12
    for q in (targets, sources):
        q = q.reshape(2, 4, LEVELS)
        assert np.all(np.diff(q, axis=2) >= 0) and np.all(np.isfinite(q))
    assert se.shape == (2 * 4,) and np.all(se >= 0) and np.all(np.isfinite(se))
    with h5py.File(on.path, "r") as f:
        rule = f["joint"].attrs["band_map.rule"]
    assert (rule.decode() if isinstance(rule, bytes) else rule) == "own_z"
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
    assert check_joint_c_flag(tmp_path, returns, "joint_band_map", "0 (none) or 1 (the z band map)", "band_map") == 1
