"""Regression tests of issue 13 (hardening) through the Python binding: each reproduces a
reported case and fails without its fix."""

import os
import stat

import numpy as np
import pytest

import tgfl
from tgfl import TgflError

E = tgfl


def test_freed_handles_never_reach_a_live_model(small_config):
    # The old table was keyed by address; freed addresses were reused in 1,996 of 2,000
    # cycles, so a call through a freed handle worked on the next model.
    reached = 0
    for _ in range(200):
        old = tgfl.Model.create(small_config)
        handle = old._handle
        old.close()
        with tgfl.Model.create(small_config) as new:
            status = tgfl._lib.tgfl_model_n_params(handle)
            if status >= 0:
                reached += 1
            tgfl._lib.tgfl_model_free(handle)        # must not free `new`
            assert new.n_params > 0
            assert new._handle != handle
    assert reached == 0, f"a freed handle reached a live model in {reached} of 200 cycles"


def test_lists_are_converted_exactly_or_refused(trained):
    tokens = [1, 2, 3, 2**32 + 5]
    with pytest.raises(TgflError, match=r"tokens\[3\] = 4294967301 is outside the int32 range"):
        trained.logits(tokens, [0, 0, 0, 0])
    with pytest.raises(TgflError, match=r"regime_path\[1\] = 2.9 is not a whole number"):
        trained.generate(n_paths=1, horizon=3, regime_path=[1, 2.9, 1])
    with pytest.raises(TgflError, match=r"values\[0\] = 1e\+39 is beyond the float32 range"):
        trained.set_parameters([1e39] + [0.0] * (trained.n_params - 1))
    # Exact conversions still work.
    got = trained.logits([1, 2, 3], [0, 1, 2])
    assert got.shape == (1, 3, trained.config.vocab_size)
    trained.generate(n_paths=1, horizon=3, regime_path=[1, 2.0, 1])


def test_big_endian_array_is_converted_to_native_order(trained, sp500):
    # Issue 14: a byte-order change loses nothing, so it is converted (it used to be refused).
    window = sp500[:300]
    assert trained.log_likelihood(window.astype(">f8")) == trained.log_likelihood(window)


def test_nul_byte_in_a_path_is_refused(fresh, tmp_path):
    path = str(tmp_path / "a\0b.h5")
    with pytest.raises(TgflError, match="NUL"):
        fresh.save(path)
    with pytest.raises(TgflError, match="NUL"):
        tgfl.Model.load(path)
    assert not (tmp_path / "a").exists()


def test_save_refuses_a_fifo_and_writes_through_a_symlink(fresh, trained, tmp_path):
    fifo = tmp_path / "n"
    os.mkfifo(fifo)
    with pytest.raises(TgflError, match="FIFO"):
        fresh.save(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    target = tmp_path / "real.h5"
    fresh.save(target)
    link = tmp_path / "link.h5"
    link.symlink_to("real.h5")
    trained.save(link)
    assert os.path.islink(link)
    with tgfl.Model.load(target) as back:
        assert np.array_equal(back.parameters(), trained.parameters())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.h5", "n", "real.h5"]


def test_exponential_partition_with_many_clients_is_an_error_not_a_trap(trained, sp500):
    # 900 clients: e^(i+1) overflowed and the size conversion trapped (SIGILL) the process.
    with pytest.raises(TgflError) as info:
        trained.train_federated([sp500], n_clients=900, partition="size_exponential", rounds=1, local_steps=1)
    assert "client" in str(info.value) and "TGFLFederated." not in str(info.value)


def test_prices_passed_as_returns_fail_loudly(fresh, sp500):
    # One absurd value (a price among returns) used to train "successfully" with every
    # return in one token bin.
    bad = sp500.copy()
    bad[700] = 1300.0
    with pytest.raises(TgflError, match=r"series 'returns': return \[700\] = 1300 is .* standard deviations"):
        fresh.train(bad, steps=1, batch_size=4)
    with pytest.raises(TgflError, match=r"series\[1\]"):
        fresh.train_federated([sp500, bad], n_clients=2, rounds=1, local_steps=1)
