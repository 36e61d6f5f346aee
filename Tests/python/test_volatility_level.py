"""The clients' volatility level released with noise (issue 19, `tgfl federate
--dp-volatility-noise`) through the C ABI: dated series, the same run as the command (same
bits, same epsilon), epsilon against dp-accounting, the calibration target against NumPy, and
the errors of a release that cannot run.

Golden file: Tests/Fixtures/volatility_level_reference.json (make_volatility_level_reference.py:
NumPy for the clients' log-σ ratios and the target variance, dp-accounting for epsilon)."""

import json
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
ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "Fixtures"
RESOURCES = ROOT / "Sources" / "TGFLCore" / "Resources"


def _reference():
    return json.loads((FIXTURES / "volatility_level_reference.json").read_text())


def _dated_log_returns(name):
    """(dates as datetime64[D], log returns) of a bundled `date,close` CSV, each return dated at its close."""
    rows = [line.split(",") for line in (RESOURCES / f"{name}.csv").read_text().splitlines()[1:] if line.strip()]
    dates = np.array([r[0] for r in rows], dtype="datetime64[D]")
    closes = np.array([float(r[1]) for r in rows])
    return dates[1:], np.diff(np.log(closes))


@pytest.fixture(scope="module")
def sp():
    return _dated_log_returns("sp500")


def _federate(series, dates, **extra):
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=7) as model:
        history = model.train_federated(series, progress=False, dates=dates, **{**RUN, **extra})
        return model.parameters(), model.federation, history.epsilon, model.generate(4, 60, regime=None, seed=3)


def _cli_federate(sp, tmp_path, *extra):
    """`tgfl federate` of the tests' run (first 1,500 dated S&P 500 returns, the level released at
    z_v 1) with `extra` arguments; returns the dates, the returns and the checkpoint's path."""
    folder = os.environ.get("TGFL_BIN_DIR")
    if not folder or not (Path(folder) / "tgfl").exists():
        pytest.skip("TGFL_BIN_DIR does not hold the `tgfl` executable")
    dates, values = sp[0][:1500], sp[1][:1500]
    csv = tmp_path / "returns.csv"
    csv.write_text("date,r\n" + "".join(f"{d},{float(x)!r}\n" for d, x in zip(dates, values)))
    out = tmp_path / "cli.h5"
    result = subprocess.run(
        [str(Path(folder) / "tgfl"), "federate", "--data", str(csv), "--returns-column", "r", "--date-column", "date",
         "--config", "tiny", "--clients", "4", "--partition", "time", "--rounds", "2", "--local-steps", "1",
         "--batch-size", "8", "--lr", "0.003", "--val-fraction", "0.2", "--dp-noise", "1", "--clip", "0.5",
         "--seed", "7", "--data-models-from", "bundled:djia", "--dp-volatility-noise", "1", *extra, "--out", str(out)],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return dates, values, out


def test_level_release_is_the_commands_run_and_epsilon_is_dp_accountings(sp, tmp_path):
    dates, values, out = _cli_federate(sp, tmp_path)
    parameters, record, epsilon, paths = _federate([values], [dates], data_models_from="djia", dp_volatility_noise=1.0)
    with tgfl.Model.load(out) as cli:
        np.testing.assert_array_equal(parameters, cli.parameters())          # same seed, same bits
        np.testing.assert_array_equal(paths, cli.generate(4, 60, regime=None, seed=3))   # same calibration
        cli_record = cli.federation
    assert record["privacy"] == cli_record["privacy"]
    assert record["privacy"]["volatility_level"]["noise_multiplier"] == 1.0
    assert "volatility level" in record["privacy"]["epsilon_covers"]
    entry = next(e for e in _reference()["epsilon"] if e["clients"] == 4 and e["rounds"] == 2)
    assert entry["summary_noise_multiplier"] == 1.0
    assert epsilon == pytest.approx(entry["epsilon"], rel=0.01)
    assert epsilon == pytest.approx(cli_record["privacy"]["epsilon"], rel=1e-12)
    # The same run without the release: the rounds' epsilon alone, and other generated paths.
    _, plain, rounds_only, plain_paths = _federate([values], [dates], data_models_from="djia")
    assert "volatility_level" not in plain["privacy"] and rounds_only < epsilon
    assert not np.array_equal(paths, plain_paths)


def test_calibration_targets_numpys_level_through_dated_public_returns(sp, tmp_path):
    h5py = pytest.importorskip("h5py")
    import pandas as pd
    owners = next(o for o in _reference()["owners"] if o["clients"] == 4)
    dj_dates, dj = _dated_log_returns("djia")
    keep = (dj_dates >= np.datetime64("1999-01-01")) & (dj_dates <= np.datetime64("2018-12-31"))
    public = pd.Series(dj[keep], index=pd.DatetimeIndex(dj_dates[keep]))     # dates from the index
    days = owners["days"]
    as_int = np.array([int(str(d).replace("-", "")) for d in sp[0][:days]], dtype=np.int32)   # yyyymmdd
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=7) as model:
        model.train_federated([sp[1][:days]], progress=False, dates=[as_int],
                              **{**RUN, "data_models_from": public, "dp_volatility_noise": 1e-12})
        model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        target = f["volatility"].attrs["generation_target_variance"]
    # A multiplier of 1e-12 leaves NumPy's noise-free level: Var(public) * exp(2 * mean clipped log-σ ratio).
    assert target == pytest.approx(owners["target_variance"], rel=1e-9)
    assert abs(target / owners["public_variance"] - 1) > 0.05     # not the public variance alone


@pytest.mark.parametrize("change, message", [
    (dict(dates=None), "give dates"),
    (dict(dp_noise_multiplier=0.0), "dp_noise_multiplier"),
    (dict(data_models_from=None), "give data_models_from"),
    (dict(data_models_from=np.full(100, 0.01) * np.sin(np.arange(100))), "give public_dates"),
    (dict(partition="iid"), "natural or time"),
    (dict(dp_volatility_noise=-1.0), "dp_volatility_noise"),
    (dict(dates="one"), "wrap it"),
    (dict(dates="short"), "dates[0] has 1499 dates but series[0] has 1500 returns"),
    (dict(dates="swapped"), "not strictly increasing"),
    (dict(dates="nat"), "NaT"),
    (dict(dates="floats"), "float64"),
    (dict(dates="old"), "client 0"),
    (dict(dp_volatility_bound=0.0), "dp_volatility_bound must be positive and finite"),
    (dict(dp_volatility_bound=-0.1), "dp_volatility_bound must be positive and finite"),
    (dict(dp_volatility_bound=float("nan")), "dp_volatility_bound must be positive and finite"),
    (dict(dp_volatility_bound=float("inf")), "dp_volatility_bound must be positive and finite"),
    (dict(dp_volatility_bound="wide"), "dp_volatility_bound must be a number"),
    (dict(dp_volatility_noise=0.0, dp_volatility_bound=0.175), "dp_volatility_bound is the box of the noised"),
])
def test_a_release_that_cannot_run_raises_naming_what_to_fix(sp, change, message):
    dates, values = sp[0][:1500], sp[1][:1500]
    variants = {"one": dates, "short": [dates[:-1]], "swapped": [np.concatenate([dates[:5], dates[6:7], dates[5:6],
                                                                                  dates[7:]])],
                "nat": [np.where(np.arange(dates.size) == 3, np.datetime64("NaT"), dates)],
                "floats": [np.arange(dates.size, dtype=float)],
                "old": [dates - np.timedelta64(150 * 365, "D")]}        # before the Dow Jones' first day
    settings = dict(dates=[dates], data_models_from="djia", dp_volatility_noise=1.0)
    settings.update(change)
    if isinstance(settings["dates"], str):
        settings["dates"] = variants[settings["dates"]]
    with tgfl.Model.create(tgfl.ModelConfig(**TINY), seed=7) as model:
        with pytest.raises(tgfl.TgflError) as info:
            model.train_federated([values], progress=False, **{**RUN, **settings})
    assert message in str(info.value)


def test_dates_without_the_release_change_nothing(sp):
    dates, values = sp[0][:1500], sp[1][:1500]
    dated, record, epsilon, _ = _federate([values], [dates], data_models_from="djia")
    undated, undated_record, undated_epsilon, _ = _federate([values], None, data_models_from="djia")
    np.testing.assert_array_equal(dated, undated)
    assert record["privacy"] == undated_record["privacy"] and epsilon == undated_epsilon
    assert record["data_models"] == undated_record["data_models"]


def test_a_narrower_bound_is_the_commands_run_with_the_same_epsilon(sp, tmp_path):
    """`dp_volatility_bound` (session 18) is `tgfl federate --dp-volatility-bound`: same bits, the
    record's privacy.volatility_level.sensitivity is h, epsilon is the default box's (it depends on
    z_v only), and the calibration differs from the default box's (less noise, another level)."""
    dates, values, out = _cli_federate(sp, tmp_path, "--dp-volatility-bound", "0.175")
    parameters, record, epsilon, paths = _federate([values], [dates], data_models_from="djia",
                                                   dp_volatility_noise=1.0, dp_volatility_bound=0.175)
    with tgfl.Model.load(out) as cli:
        np.testing.assert_array_equal(parameters, cli.parameters())
        np.testing.assert_array_equal(paths, cli.generate(4, 60, regime=None, seed=3))
        assert record["privacy"] == cli.federation["privacy"]
    assert record["privacy"]["volatility_level"]["sensitivity"] == 0.175
    _, default, default_epsilon, default_paths = _federate([values], [dates], data_models_from="djia",
                                                           dp_volatility_noise=1.0)
    assert default["privacy"]["volatility_level"]["sensitivity"] == 0.25
    assert epsilon == default_epsilon
    assert not np.array_equal(paths, default_paths)


def test_c_bound_values_and_older_callers(sp, tmp_path):
    """The C field `dp_volatility_bound`: 0 = the default; negative or NaN, or set without the
    release, is refused by name; a caller whose struct_size ends before it is not read."""
    from public_source_runs import raw_federate
    from tgfl import _lib
    days = np.ascontiguousarray(sp[1][:800])
    c = _lib.tgfl_federated_default_params()
    assert c.dp_volatility_bound == 0.0
    for value, message in ((-1.0, "dp_volatility_bound must be > 0 (0 = the default 0.25), got -1.0"),
                           (float("nan"), "dp_volatility_bound must be finite"),
                           (0.175, "dp_volatility_bound is the box of the noised volatility level: set "
                                   "dp_volatility_noise > 0 too")):
        c = _lib.tgfl_federated_default_params()
        c.dp_volatility_bound = value
        status, error, _ = raw_federate(days, c)
        assert status != 0 and message in error, error
    c = _lib.tgfl_federated_default_params()
    c.struct_size = _lib.tgfl_federated_params.dp_volatility_bound.offset
    c.dp_volatility_bound = -1.0                                      # beyond struct_size: must not be read
    status, error, _ = raw_federate(days, c)
    assert status == 0, error
