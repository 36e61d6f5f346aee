"""The public z marginal map (issue 19, session 16) through the C ABI, Python and the command:
on by default with a public source (the checkpoint's /volatility carries the map; the run equals
`tgfl federate`'s), off with `public_z_marginal=False` / `--no-public-z-marginal` (no map; the
network and epsilon unchanged), a clear error for a bad switch, and a caller built before the
field gets the default.

The checkpoint is read with h5py, not through TGFL: the map has one value per bin edge (V + 1),
nondecreasing, and reaches past ±3 at its ends (the public residuals' tails). That the ends equal
the public residuals' extremes is checked in Swift (PublicZMarginalTests); the map's values against
NumPy in ZMarginalMapTests (make_z_marginal_reference.py)."""

import subprocess

import h5py
import numpy as np

import tgfl
from public_source_runs import (RUN, TINY, assert_switch_refused_without_public_data, bad_switch_message,
                                federate_command, raw_federate)


def _federate(days, path, **extra):
    """Federates on `days` with the bundled Dow Jones as public data; saves to `path`."""
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=7) as model:
        history = model.train_federated([days], progress=False, **{**RUN, "data_models_from": "djia", **extra})
        model.save(path)
        return model.parameters(), history.epsilon, model.generate(8, 60, regime=None, seed=3)


def _map(path):
    """The checkpoint's map (its targets), or None; read with h5py."""
    with h5py.File(path, "r") as f:
        volatility = f["volatility"]
        # The section's version is 2 exactly when it holds a key that readers before session 17
        # would ignore (the map, the mean term, an upper-tail nu), so those readers refuse it.
        newer = {"generation_z_marginal_version", "generation_mean_term_kind", "generation_z_tail_nu_upper"}
        assert int(volatility.attrs["version"]) == (2 if newer & set(volatility.attrs) else 1)
        if "generation_z_marginal_version" not in volatility.attrs:
            assert "generation_z_marginal_targets" not in volatility
            return None
        assert int(volatility.attrs["generation_z_marginal_version"]) == 1
        return np.asarray(volatility["generation_z_marginal_targets"])


def test_on_by_default_off_by_switch_network_and_epsilon_unchanged(sp500, tmp_path):
    days = np.ascontiguousarray(sp500[:1500])
    on, epsilon, paths = _federate(days, tmp_path / "on.h5")
    off, off_epsilon, off_paths = _federate(days, tmp_path / "off.h5", public_z_marginal=False)
    targets = _map(tmp_path / "on.h5")
    assert targets is not None and targets.size == TINY["vocab_size"] + 1
    assert np.all(np.diff(targets) >= 0) and targets[0] < -3 and targets[-1] > 3   # the public z's tails
    assert _map(tmp_path / "off.h5") is None
    np.testing.assert_array_equal(on, off)                      # the rounds do not see it
    assert epsilon == off_epsilon
    assert not np.array_equal(paths, off_paths)


def test_the_command_runs_the_same_map(sp500, tmp_path):
    days = np.ascontiguousarray(sp500[:1500])
    base = federate_command(days, tmp_path)
    out = tmp_path / "cli.h5"
    result = subprocess.run(base + ["--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    parameters, _, paths = _federate(days, tmp_path / "py.h5")
    np.testing.assert_array_equal(_map(out), _map(tmp_path / "py.h5"))
    with tgfl.Model.load(out) as cli:
        np.testing.assert_array_equal(parameters, cli.parameters())
        np.testing.assert_array_equal(paths, cli.generate(8, 60, regime=None, seed=3))   # same map, same bits
    assert_switch_refused_without_public_data(base, "--no-public-z-marginal", tmp_path)


def test_a_bad_switch_raises_naming_the_field(sp500):
    assert "public_z_marginal must be True or False" in bad_switch_message(np.ascontiguousarray(sp500[:1500]), "public_z_marginal")




def test_c_switch_values_and_older_callers(sp500, tmp_path):
    from tgfl import _lib
    days = np.ascontiguousarray(sp500[:800])
    c = _lib.tgfl_federated_default_params()
    assert c.public_z_marginal == 1                                   # on by default
    c.public_z_marginal = 2
    status, message, _ = raw_federate(days, c, lambda model: model.save(tmp_path / "bad.h5"))
    assert status != 0 and "public_z_marginal (1 = on, 0 = off) must be in 0...1, got 2" in message
    c = _lib.tgfl_federated_default_params()
    c.public_z_marginal = 0
    status, message, _ = raw_federate(days, c, lambda model: model.save(tmp_path / "off.h5"))
    assert status == 0, message
    assert _map(tmp_path / "off.h5") is None
    # A caller built before the field (struct_size ends before it) gets the default: on.
    c = _lib.tgfl_federated_default_params()
    c.struct_size = _lib.tgfl_federated_params.public_z_marginal.offset
    c.public_z_marginal = 0                                           # beyond struct_size: must not be read
    status, message, _ = raw_federate(days, c, lambda model: model.save(tmp_path / "old.h5"))
    assert status == 0, message
    assert _map(tmp_path / "old.h5") is not None
