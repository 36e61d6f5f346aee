"""Issue 14: the Python API at the level of arch and llama-cpp-python — histories, pandas in
and out, the evaluation report object, progress bars, Ctrl-C, model selection and the output
prior through the versioned C structs, the "looks like prices" warning."""

import math
import os
import signal
import threading
import warnings

import numpy as np
import pandas as pd
import pytest

import tgfl


def _prices(returns, start=1300.0):
    return start * np.exp(np.cumsum(returns))


# -- training returns its history --------------------------------------------------------------

def test_train_returns_the_history_of_every_step(fresh, sp500):
    seen = []
    history = fresh.train(sp500[:1500], steps=6, batch_size=4, eval_every=3, progress=seen.append)
    assert isinstance(history, tgfl.TrainingHistory) and len(history) == 6 and not history.cancelled
    frame = history.to_frame()
    assert list(frame.index) == [1, 2, 3, 4, 5, 6]
    # The records are the progress reports, unchanged.
    assert frame["train_loss"].tolist() == [p.train_loss for p in seen]
    assert frame["val_loss"].notna().tolist() == [False, False, True, False, False, True]
    assert history.best_val_loss == min(p.val_loss for p in seen if not math.isnan(p.val_loss))
    assert history.best_step in (3, 6) and history.final_train_loss == seen[-1].train_loss
    assert "<table" in history._repr_html_() and "6 steps" in repr(history)


def test_keep_best_restores_the_parameters_of_the_best_evaluation(small_config, sp500):
    # The parameters at each evaluation, read from inside the progress callback (the C ABI
    # allows calls on the model from training callbacks), are the outside reference.
    with tgfl.Model.create(small_config, seed=3) as model:
        snapshots = {}

        def snapshot(p):
            if not math.isnan(p.val_loss):
                snapshots[p.step] = model.parameters()

        history = model.train(sp500[:1500], steps=12, batch_size=4, eval_every=2, learning_rate=3e-2,
                              warmup_steps=0, keep_best=True, progress=snapshot)
        assert sorted(snapshots) == [2, 4, 6, 8, 10, 12]
        best = history.best_step
        assert np.array_equal(model.parameters(), snapshots[best])
        if best != 12:
            assert not np.array_equal(model.parameters(), snapshots[12])


def test_output_prior_is_passed_to_the_library(small_config, sp500):
    # head.bias (the last V parameters) is the log token frequency with the prior, untouched without it.
    V = small_config.vocab_size
    biases = []
    for prior in (True, False):
        with tgfl.Model.create(small_config, seed=4) as model:
            before = model.parameters()[-V:]
            model.train(sp500[:1500], steps=1, batch_size=2, learning_rate=1e-30, min_learning_rate=1e-30,
                        output_prior=prior, progress=False)
            biases.append((before, model.parameters()[-V:]))
    (before_prior, with_prior), (before_plain, without_prior) = biases
    assert np.allclose(without_prior, before_plain, atol=1e-6)       # lr 1e-30: nothing moves
    assert np.max(np.abs(with_prior - before_prior)) > 1.0           # log frequencies: far from 0
    assert np.all(with_prior < 0)                                     # log p < 0


# -- pandas in and out ------------------------------------------------------------------------

def test_generate_as_dataframes_with_business_days_and_prices(trained):
    returns = trained.generate(n_paths=3, horizon=10, seed=5)
    frame = trained.generate(n_paths=3, horizon=10, seed=5, start="2025-01-03")   # a Friday
    assert list(frame.columns) == ["path_0", "path_1", "path_2"]
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert frame.index[0] == pd.Timestamp("2025-01-03") and frame.index[1] == pd.Timestamp("2025-01-06")
    assert (frame.index.day_of_week < 5).all() and len(frame) == 10
    np.testing.assert_array_equal(frame.to_numpy(), returns.T)
    prices = trained.generate(n_paths=3, horizon=10, seed=5, start="2025-01-03", start_price=100.0)
    np.testing.assert_allclose(prices.to_numpy(), 100.0 * np.exp(np.cumsum(returns.T, axis=0)), rtol=1e-14)
    days = trained.generate(n_paths=2, horizon=4, seed=5, start_price=50.0)
    assert list(days.index) == [0, 1, 2, 3] and days.index.name == "day"
    with pytest.raises(tgfl.TgflError, match="start_price must be a positive"):
        trained.generate(n_paths=1, horizon=4, start_price=-1.0)
    with pytest.raises(tgfl.TgflError, match="start must be a date"):
        trained.generate(n_paths=1, horizon=4, start="not a date")


def test_pandas_inputs(trained, sp500):
    series = pd.Series(sp500[:300], index=pd.bdate_range("2000-01-03", periods=300), name="spx")
    assert trained.log_likelihood(series) == trained.log_likelihood(sp500[:300])
    paths = trained.generate(n_paths=4, horizon=250, seed=6, start="2025-01-02")
    assert tgfl.evaluate(series, paths).raw == tgfl.evaluate(sp500[:300], paths.to_numpy().T).raw


# -- the evaluation report --------------------------------------------------------------------

def test_evaluation_result_table_frame_and_html(trained, sp500):
    paths = trained.generate(n_paths=4, horizon=250, seed=2)
    result = tgfl.evaluate(sp500, paths, seed=1)
    frame = result.to_frame()
    assert list(frame.columns) == ["name", "real", "synthetic", "criterion", "passed"]
    assert list(frame.index) == [f["key"] for f in result["facts"]]
    assert result.passed_count == int((frame["passed"] == True).sum())  # noqa: E712
    assert result.failed_count == int((frame["passed"] == False).sum())  # noqa: E712
    table = result.table()
    for key in frame.index:
        assert key in table
    checked = result.passed_count + result.failed_count
    assert table.splitlines()[-1].endswith(f": {result.passed_count} of {checked} checks pass")
    html = result._repr_html_()
    assert all(f"<th>{key}</th>" in html for key in frame.index)   # one row per fact
    assert str(result) == table and "EvaluationResult" in repr(result)


# -- prices passed as returns -----------------------------------------------------------------

def test_prices_warn_at_the_callers_line_and_allow_prices_silences(fresh, sp500):
    prices = pd.Series(_prices(sp500[:600]), name="close")
    with pytest.warns(tgfl.TgflDataWarning, match="series 'close' looks like prices") as caught:
        fresh.train(prices, steps=1, batch_size=2, progress=False)
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fresh.train(prices, steps=1, batch_size=2, progress=False, allow_prices=True)
        fresh.train(sp500[:600], steps=1, batch_size=2, progress=False)


def test_federated_prices_warn(small_config, sp500):
    with tgfl.Model.create(small_config, seed=1) as model:
        with pytest.warns(tgfl.TgflDataWarning, match=r"series\[1\]' looks like prices"):
            model.train_federated([sp500[:1200], _prices(sp500[1200:2400])], partition="natural", n_clients=2,
                                  rounds=1, local_steps=1, batch_size=2, progress=False)


def test_library_warnings_reach_python_warnings(fresh, sp500):
    # The C library's own log callback (what C callers get on stderr) becomes a TgflDataWarning.
    from ctypes import POINTER, byref, c_double
    from tgfl import _lib
    prices = np.ascontiguousarray(_prices(sp500[:600]))
    c = _lib.tgfl_train_default_params()
    c.steps, c.batch_size = 1, 2
    with pytest.warns(tgfl.TgflDataWarning, match="series 'returns' looks like prices"):
        status = _lib.tgfl_model_train(fresh._h(), prices.ctypes.data_as(POINTER(c_double)), prices.size, byref(c))
    assert status == tgfl.TGFL_OK


# -- progress bars and Ctrl-C -----------------------------------------------------------------

def test_tqdm_bar_by_default(fresh, sp500, capsys):
    fresh.train(sp500[:1500], steps=3, batch_size=4)
    err = capsys.readouterr().err
    assert "tgfl train" in err and "3/3" in err
    fresh.train(sp500[:1500], steps=2, batch_size=4, progress=False)
    assert "tgfl train" not in capsys.readouterr().err


def test_ctrl_c_stops_training_within_one_step(fresh, sp500):
    calls = []

    def interrupt_at_three(p):
        calls.append(p.step)
        if p.step == 3:
            os.kill(os.getpid(), signal.SIGINT)   # what Ctrl-C or "Interrupt kernel" sends
            threading.Event().wait(0.5)           # a slow step: the main thread sees the signal

    with pytest.raises(KeyboardInterrupt):
        fresh.train(sp500[:1500], steps=50, batch_size=4, progress=interrupt_at_three)
    # Step 4 was in flight when the signal arrived: its report cancelled the run (the progress
    # function is not called once the run is cancelled), so no step 5 started.
    assert calls == [1, 2, 3]
    assert np.isfinite(fresh.parameters()).all()
    fresh.generate(n_paths=1, horizon=5)          # the model stays usable


def test_ctrl_c_without_a_progress_function(fresh, sp500):
    timer = threading.Timer(1.0, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            fresh.train(sp500[:1500], steps=1_000_000, batch_size=4, progress=False)
    finally:
        timer.cancel()
    fresh.train(sp500[:1500], steps=1, batch_size=4, progress=False)


def test_ctrl_c_stops_generation(trained):
    def interrupt(p):
        os.kill(os.getpid(), signal.SIGINT)
        threading.Event().wait(0.3)

    with pytest.raises(KeyboardInterrupt):
        trained.generate(n_paths=20_000, horizon=250, n_threads=1, progress=interrupt)
    assert trained.generate(n_paths=2, horizon=5).shape == (2, 5)


# -- the federation record --------------------------------------------------------------------

def test_federation_record_round_trips_through_the_checkpoint(fresh, tmp_path):
    assert fresh.federation is None
    fresh.federation = {"engine": "flower", "strategy": "FedAvg", "rounds": 3, "nodes": 2}
    path = tmp_path / "m.h5"
    fresh.save(path)
    with tgfl.Model.load(path) as loaded:
        assert loaded.federation == {"engine": "flower", "strategy": "FedAvg", "rounds": 3, "nodes": 2}
    fresh.federation = None
    assert fresh.federation is None
    from tgfl import _lib
    assert _lib.tgfl_model_set_federation(fresh._h(), b"[1, 2]") == tgfl.TGFL_ERR_INVALID_ARGUMENT
    assert b"not a JSON object" in _lib.tgfl_last_error()
    with pytest.raises(tgfl.TgflError, match="must be a dict"):
        fresh.federation = [1, 2]


# -- the ABI 3 federated options reach the library ----------------------------------------------

def test_federated_abi3_options_take_effect(small_config, sp500, tmp_path):
    series = [np.ascontiguousarray(p) for p in np.array_split(sp500[:2400], 2)]
    quick = dict(partition="natural", n_clients=2, rounds=2, local_steps=2, batch_size=4, progress=False)
    with tgfl.Model.create(small_config, seed=1) as model:
        evaluated = model.train_federated(series, **quick)
    with tgfl.Model.create(small_config, seed=1) as model:
        half = model.train_federated(series, fraction_evaluate=0.5, min_evaluate_nodes=1, **quick)
    # Same training (evaluation does not touch the weights), one of the two clients evaluating.
    assert half.to_frame()["train_loss"].tolist() == evaluated.to_frame()["train_loss"].tolist()
    assert half.to_frame()["val_loss"].tolist() != evaluated.to_frame()["val_loss"].tolist()
    with tgfl.Model.create(small_config, seed=1) as model:
        with pytest.raises(tgfl.TgflError, match=r"fraction_evaluate must be in \(0, 1\]"):
            model.train_federated(series, fraction_evaluate=0.0, **quick)
    checkpoint = tmp_path / "resume.h5"
    with tgfl.Model.create(small_config, seed=1) as model:
        model.train_federated(series, checkpoint_every=1, checkpoint_path=checkpoint, **quick)
    assert checkpoint.exists() and checkpoint.stat().st_size > 0
    with tgfl.Model.create(small_config, seed=1) as model:
        with pytest.raises(tgfl.TgflError, match="dropout_probability must be in"):
            model.train_federated(series, dropout_probability=1.0, **quick)
        with pytest.raises(tgfl.TgflError, match="checkpoint_path"):
            model.train_federated(series, checkpoint_every=1, **quick)


def test_federated_resume_from_a_checkpoint_equals_the_uninterrupted_run(small_config, sp500, tmp_path):
    series = [np.ascontiguousarray(p) for p in np.array_split(sp500[:2400], 2)]
    quick = dict(partition="natural", n_clients=2, rounds=4, local_steps=2, batch_size=4, strategy="fedavgm",
                 server_momentum=0.9)
    with tgfl.Model.create(small_config, seed=1) as model:
        model.train_federated(series, progress=False, **quick)
        straight = model.parameters()
    path = tmp_path / "fed.h5"
    with tgfl.Model.create(small_config, seed=1) as model:
        with pytest.raises(tgfl.TgflError) as info:
            model.train_federated(series, checkpoint_every=2, checkpoint_path=path,
                                  progress=lambda p: p.step < 2, **quick)
        assert info.value.status == tgfl.TGFL_ERR_CANCELLED
    with tgfl.Model.load(path) as resumed:
        history = resumed.train_federated(series, checkpoint_every=2, checkpoint_path=path, resume_from=path,
                                          progress=False, **quick)
        assert np.array_equal(resumed.parameters(), straight)
        assert history.rounds_run == 2          # rounds 3 and 4
    with tgfl.Model.create(small_config, seed=1) as model:
        with pytest.raises(tgfl.TgflError, match="resume_from checkpoint .* does not exist"):
            model.train_federated(series, resume_from=tmp_path / "missing.h5", progress=False, **quick)


def test_byzantine_clients_change_the_result_and_median_resists(small_config, sp500):
    series = [np.ascontiguousarray(p) for p in np.array_split(sp500[:3600], 3)]
    quick = dict(partition="natural", n_clients=3, rounds=2, local_steps=2, batch_size=4, progress=False)
    final = {}
    for name, extra in [("honest", {}), ("attacked", dict(n_byzantine=1, byzantine_attack="scaled",
                                                           byzantine_param=50.0))]:
        for strategy in ("fedavg", "fedmedian"):
            with tgfl.Model.create(small_config, seed=1) as model:
                model.train_federated(series, strategy=strategy, **quick, **extra)
                final[name, strategy] = model.parameters().astype(np.float64)
    moved = {s: np.linalg.norm(final["attacked", s] - final["honest", s]) for s in ("fedavg", "fedmedian")}
    # One client's 50x update drags FedAvg's mean far away; the coordinate-wise median barely moves.
    assert moved["fedavg"] > 10 * moved["fedmedian"] > 0, moved
    with tgfl.Model.create(small_config, seed=1) as model:
        with pytest.raises(tgfl.TgflError, match="unknown byzantine_attack"):
            model.train_federated(series, n_byzantine=1, byzantine_attack="bitflip", **quick)
        with pytest.raises(tgfl.TgflError, match="n_byzantine"):
            model.train_federated(series, n_byzantine=4, **quick)
