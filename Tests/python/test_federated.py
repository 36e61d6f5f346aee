"""Federated training through the binding: strategies by name, DP accounting, progress."""

import math

import numpy as np
import pytest

import tgfl
from conftest import SMALL

QUICK = dict(n_clients=2, rounds=2, local_steps=2, batch_size=4, min_train_nodes=2, seed=3)


@pytest.fixture
def series(sp500):
    return [np.ascontiguousarray(part) for part in np.array_split(sp500[:2400], 2)]


def test_fedavg_natural_partition(series):
    seen = []
    with tgfl.Model.create(tgfl.ModelConfig(**SMALL), seed=1) as model:
        before = model.parameters()
        history = model.train_federated(series, tgfl.FederatedConfig(partition="natural", **QUICK),
                                        progress=seen.append)
        epsilon = history.epsilon
        assert isinstance(history, tgfl.FederatedHistory) and history.rounds_run == 2
        assert list(history.to_frame().index) == [1, 2]
        assert math.isinf(epsilon)                 # no DP noise: no privacy guarantee
        assert not np.array_equal(before, model.parameters())
        assert [p.step for p in seen] == [1, 2] and all(p.kind == "federated" and p.total == 2 for p in seen)
        assert model.regime_name(3) == "crisis"    # data models fitted from the clients' summaries
        model.generate(n_paths=2, horizon=10)


def test_same_seed_same_federated_model(series):
    results = []
    for threads in (1, 2):
        with tgfl.Model.create(tgfl.ModelConfig(**SMALL), seed=1) as model:
            model.train_federated(series, strategy="fedprox", proximal_mu=0.01, partition="iid",
                                  n_threads=threads, **QUICK)
            results.append(model.parameters())
    assert np.array_equal(results[0], results[1])


def test_dp_reports_a_finite_epsilon(series):
    with tgfl.Model.create(tgfl.ModelConfig(**SMALL), seed=1) as model:
        epsilon = model.train_federated(series, partition="time", dp_noise_multiplier=1.0, dp_clip_norm=0.5,
                                        **QUICK).epsilon
    assert 0 < epsilon < math.inf


def test_dp_is_refused_for_strategies_without_a_proof(series, fresh):
    # Issue #19: no epsilon for Krum/median/trimmed mean/Bulyan/q-FedAvg.
    for strategy in ("krum", "fedmedian", "fedtrimmedavg", "bulyan", "multikrum", "qfedavg"):
        with pytest.raises(tgfl.TgflError) as info:
            fresh.train_federated(series, strategy=strategy, dp_noise_multiplier=1.0, **QUICK)
        assert "proven only for mean-based" in str(info.value), strategy


def test_secure_aggregation_refuses_a_single_participant(series, fresh):
    # Issue #13 item 8: with one participant the "sum" is that client's update in the clear.
    with pytest.raises(tgfl.TgflError) as info:
        fresh.train_federated(series, partition="time", secure_aggregation=True,
                              **{**QUICK, "n_clients": 1, "min_train_nodes": 1})
    assert "at least 2 participants" in str(info.value)


def test_dp_fixed_size_sampling_and_bad_sampling_name(series):
    with tgfl.Model.create(tgfl.ModelConfig(**SMALL), seed=1) as model:
        poisson = model.train_federated(series, partition="time", dp_noise_multiplier=1.0, **QUICK).epsilon
    with tgfl.Model.create(tgfl.ModelConfig(**SMALL), seed=1) as model:
        fixed = model.train_federated(series, partition="time", dp_noise_multiplier=1.0, dp_sampling="fixed",
                                      **QUICK).epsilon
    # q = 1: add/remove with z = 1 vs replace-one, where the same noise counts as z/2: a larger epsilon.
    assert poisson < fixed
    with tgfl.Model.create(tgfl.ModelConfig(**SMALL), seed=1) as model:
        with pytest.raises(tgfl.TgflError) as info:
            model.train_federated(series, dp_noise_multiplier=1.0, dp_sampling="shuffle", **QUICK)
        assert "dp_sampling" in str(info.value)


def test_cancel_from_the_round_callback(series):
    with tgfl.Model.create(tgfl.ModelConfig(**SMALL), seed=1) as model:
        with pytest.raises(tgfl.TgflError) as info:
            model.train_federated(series, partition="natural", progress=lambda p: False, **QUICK)
        assert info.value.status == tgfl.TGFL_ERR_CANCELLED
        assert np.isfinite(model.parameters()).all()


def test_bad_federated_settings(series, fresh):
    with pytest.raises(tgfl.TgflError) as info:
        fresh.train_federated(series, n_clients=0)
    assert info.value.status == tgfl.TGFL_ERR_OUT_OF_RANGE
    with pytest.raises(tgfl.TgflError) as info:
        fresh.train_federated(series, partition="dirichlet", partition_param=-1.0)
    assert info.value.status == tgfl.TGFL_ERR_OUT_OF_RANGE
    with pytest.raises(tgfl.TgflError) as info:
        fresh.train_federated(series, dp_delta=2.0)
    assert info.value.status == tgfl.TGFL_ERR_OUT_OF_RANGE
    bad = [series[0], series[1].copy()]
    bad[1][5] = np.inf
    with pytest.raises(tgfl.TgflError, match=r"series\[1\]\[5\]") as info:
        fresh.train_federated(bad)
    assert info.value.status == tgfl.TGFL_ERR_INVALID_ARGUMENT
    with pytest.raises(tgfl.TgflError) as info:
        fresh.train_federated(series[0])           # one array, not a list of arrays
    assert info.value.status == tgfl.TGFL_ERR_SHAPE
