"""Distinct models used from several Python threads at once (ctypes releases the GIL)."""

import threading

import numpy as np

import tgfl
from conftest import SMALL


def _work(index, returns, results, errors):
    try:
        config = tgfl.ModelConfig(**SMALL)
        with tgfl.Model.create(config, seed=100 + index) as model:
            model.train(returns, steps=3, batch_size=4, seed=index)
            paths = model.generate(n_paths=4, horizon=30, regime="normal", seed=index)
            results[index] = (model.parameters(), paths)
    except BaseException as error:  # noqa: BLE001 — reported by the test
        errors.append(error)


def test_four_threads_train_and_generate_distinct_models(sp500):
    returns = sp500[:1200]
    results, errors = {}, []
    threads = [threading.Thread(target=_work, args=(i, returns, results, errors)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    # Each thread's result equals a run of the same work alone: no interference.
    alone = {}
    _work(2, returns, alone, errors)
    assert not errors
    assert np.array_equal(results[2][0], alone[2][0])
    assert np.array_equal(results[2][1], alone[2][1])
    assert not np.array_equal(results[0][0], results[1][0])


def test_one_model_shared_by_threads_is_serialised(trained):
    outputs, errors = [], []

    def generate():
        try:
            outputs.append(trained.generate(n_paths=3, horizon=15, seed=5))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=generate) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(outputs) == 4
    assert all(np.array_equal(outputs[0], o) for o in outputs)


def test_last_error_is_per_thread(fresh):
    seen = {}

    def fail_here():
        try:
            fresh.set_parameters(np.zeros(3, dtype=np.float32))
        except tgfl.TgflError as error:
            seen["worker"] = error.message
        seen["worker_after"] = tgfl._lib.tgfl_last_error()

    tgfl._lib.tgfl_model_n_params(None)               # fails on the main thread
    main_message = tgfl._lib.tgfl_last_error()
    t = threading.Thread(target=fail_here)
    t.start()
    t.join()
    assert b"model is NULL" in main_message
    assert "parameters" in seen["worker"]
    assert tgfl._lib.tgfl_last_error() == main_message   # untouched by the other thread


def test_training_callback_may_save_the_model_it_trains(fresh, sp500, tmp_path):
    saved = []

    def checkpoint(p):
        path = tmp_path / f"step{p.step}.h5"
        fresh.save(path)                                 # re-enters the same model
        saved.append(path)

    fresh.train(sp500[:1200], steps=2, batch_size=4, progress=checkpoint)
    assert len(saved) == 2
    with tgfl.Model.load(saved[-1]) as last:
        assert np.array_equal(last.parameters(), fresh.parameters())


def test_generation_callback_reentry_fails_cleanly_instead_of_deadlocking(trained):
    outcomes = []

    def reenter(p):
        try:
            outcomes.append(trained.n_params)
        except tgfl.TgflError as error:
            outcomes.append(error.status)
            raise

    try:
        trained.generate(n_paths=64, horizon=5, n_threads=2, progress=reenter)
    except tgfl.TgflError as error:
        assert error.status == tgfl.TGFL_ERR_STATE and "worker thread" in error.message
    # Callbacks on the calling thread may re-enter; on a worker thread they get STATE.
    assert outcomes and all(o == trained.n_params or o == tgfl.TGFL_ERR_STATE for o in outcomes)
