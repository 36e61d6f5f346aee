"""Where a federation's data models come from (issue 19), through the C ABI: public data
(`data_models_from`, the same run as `tgfl federate --data-models-from`) and noised summaries
(`dp_summaries_noise`), with the federation record's `privacy.epsilon_covers`."""

import json
import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import tgfl

TINY = dict(vocab_size=128, context_length=32, d_model=32, n_layers=1, n_heads=2, d_ff=64, n_regimes=4,
            model_version=2, n_volatility_levels=16)          # `tgfl federate --config tiny` (v2)
RUN = dict(n_clients=4, rounds=2, local_steps=1, batch_size=8, learning_rate=3e-3, val_fraction=0.2,
           partition="time", dp_noise_multiplier=1.0, dp_clip_norm=0.5, seed=7)
# dp-accounting's epsilon for these runs (Tests/Fixtures/pld_reference.json, written by make_pld_reference.py):
# 4 clients, q = 1, z = 1, 2 rounds; and the same plus the summaries' Gaussian release with z_s = 1.
FIXTURES = Path(__file__).resolve().parents[1] / "Fixtures"


def _reference():
    ref = json.loads((FIXTURES / "pld_reference.json").read_text())
    rounds = next(e for e in ref["mechanism"] if e["clients"] == 4 and e["expected_clients"] == 4 and e["rounds"] == 2)
    summaries = next(e for e in ref["summaries"] if e["clients"] == 4 and e["rounds"] == 2)
    return rounds["epsilon"], summaries["epsilon"]


@pytest.fixture(scope="module")
def days(sp500):
    return np.ascontiguousarray(sp500[:1500])


def _tgfl_binary():
    folder = os.environ.get("TGFL_BIN_DIR")
    if not folder or not (Path(folder) / "tgfl").exists():
        pytest.skip("TGFL_BIN_DIR does not hold the `tgfl` executable")
    return Path(folder) / "tgfl"


def _federate(days, **extra):
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=7) as model:
        history = model.train_federated([days], progress=False, **{**RUN, **extra})
        return model.parameters(), model.federation, history.epsilon


def _write_returns(path, values):
    path.write_text("r\n" + "\n".join(repr(float(x)) for x in values) + "\n")
    return path


def _cli_federate(tmp_path, days, data_models_from):
    binary = _tgfl_binary()
    csv = _write_returns(tmp_path / "returns.csv", days)
    out = tmp_path / "cli.h5"
    result = subprocess.run(
        [str(binary), "federate", "--data", str(csv), "--returns-column", "r", "--date-column", "none",
         "--config", "tiny", "--clients", "4", "--partition", "time", "--rounds", "2", "--local-steps", "1",
         "--batch-size", "8", "--lr", "0.003", "--val-fraction", "0.2", "--dp-noise", "1", "--clip", "0.5",
         "--seed", "7", "--data-models-from", data_models_from, "--out", str(out)],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with tgfl.Model.load(out) as cli:
        return cli.parameters(), cli.federation


def test_public_bundled_data_models_match_the_command(days, tmp_path):
    cli_parameters, cli_record = _cli_federate(tmp_path, days, "bundled:djia")
    parameters, record, epsilon = _federate(days, data_models_from="djia")
    np.testing.assert_array_equal(parameters, cli_parameters)     # same seed, same bits
    assert record["data_models"] == cli_record["data_models"]
    assert record["data_models"].startswith("public data: 'bundled:djia'")
    assert record["privacy"]["epsilon_covers"].startswith("the rounds and the data models")
    assert cli_record["privacy"]["epsilon_covers"] == record["privacy"]["epsilon_covers"]
    rounds_only, _ = _reference()
    assert epsilon == pytest.approx(rounds_only, rel=0.01)
    assert record["privacy"]["epsilon"] == cli_record["privacy"]["epsilon"]


def test_public_returns_array_matches_the_command_with_a_public_csv(days, sp500, tmp_path):
    public = np.ascontiguousarray(sp500[2500:])
    cli_parameters, cli_record = _cli_federate(tmp_path, days, str(_write_returns(tmp_path / "public.csv", public)))
    parameters, record, _ = _federate(days, data_models_from=public)
    np.testing.assert_array_equal(parameters, cli_parameters)
    assert record["data_models"].startswith("public data: 'public_returns' (2530 days)")
    assert cli_record["privacy"]["epsilon_covers"] == record["privacy"]["epsilon_covers"]


def test_public_returns_change_the_data_models_and_cover_epsilon(days, sp500):
    own, own_record, _ = _federate(days)
    public, record, _ = _federate(days, data_models_from=np.ascontiguousarray(sp500[2500:]))
    assert not np.array_equal(own, public)
    assert own_record["privacy"]["epsilon_covers"].startswith("the rounds only")
    assert record["privacy"]["epsilon_covers"].startswith("the rounds and the data models")


def test_noised_summaries_epsilon_is_dp_accountings_composed_value(days):
    _, record, epsilon = _federate(days, dp_summaries_noise=1.0)
    _, composed = _reference()
    assert epsilon == pytest.approx(composed, rel=0.01)
    assert record["privacy"]["epsilon"] == pytest.approx(composed, rel=0.01)
    assert record["privacy"]["summaries"]["noise_multiplier"] == 1.0
    assert record["privacy"]["epsilon_covers"].startswith("the rounds and the data models")
    assert record["data_models"].startswith("noised client summaries")


@pytest.mark.parametrize("extra, message", [
    (dict(data_models_from="nosuchseries"), "not a bundled series"),
    (dict(data_models_from="djia:nosuchcolumn"), "has no column"),
    (dict(data_models_from=[0.01, math.nan, 0.02]), "public_returns[1] is nan"),
    (dict(data_models_from=[0.01]), "at least 2"),
    (dict(data_models_from=""), "empty"),
    (dict(dp_summaries_noise=1.0, data_models_from="djia"), "public source"),
    (dict(dp_summaries_noise=1.0, dp_noise_multiplier=0.0), "dp_noise_multiplier"),
    (dict(dp_summaries_noise=-1.0), "dp_summaries_noise"),
    (dict(dp_summaries_noise=1.0, partition="iid"), "natural or time"),
])
def test_bad_data_model_sources_raise_naming_the_field(days, extra, message):
    with pytest.raises(tgfl.TgflError) as info:
        _federate(days, **extra)
    assert message in str(info.value)


def test_a_caller_built_against_abi_3_still_federates(days):
    # The public data-model fields were appended after ABI 3: a struct_size that ends before
    # them is read with their defaults (data models from the clients' summaries).
    from ctypes import POINTER, byref, c_double, c_size_t
    from tgfl import _lib
    c = _lib.tgfl_federated_default_params()
    c.struct_size = _lib.tgfl_federated_params.data_models_from.offset
    c.data_models_from = b"nosuchseries"          # beyond struct_size: must not be read
    for name, value in dict(n_clients=2, rounds=1, local_steps=1, batch_size=4, partition=4, seed=3).items():
        setattr(c, name, value)
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=1) as model:
        pointers = (POINTER(c_double) * 1)(days.ctypes.data_as(POINTER(c_double)))
        lengths = (c_size_t * 1)(days.size)
        epsilon = c_double()
        assert _lib.tgfl_model_train_federated(model._h(), pointers, lengths, 1, byref(c), byref(epsilon)) == 0
        assert model.federation["data_models"].startswith("per-series summaries")
