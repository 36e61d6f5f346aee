"""Every kind of bad input raises TgflError with the right status and a message; nothing
crashes the process."""

import numpy as np
import pytest

import tgfl
from tgfl import TgflError

E = tgfl


def raises(status, match=None):
    return pytest.raises(TgflError, match=match) if status is None else _Raises(status, match)


class _Raises:
    def __init__(self, status, match):
        self.status, self.match = status, match

    def __enter__(self):
        self.ctx = pytest.raises(TgflError, match=self.match)
        self.info = self.ctx.__enter__()
        return self.info

    def __exit__(self, *exc):
        handled = self.ctx.__exit__(*exc)
        assert self.info.value.status == self.status, (self.info.value.status, str(self.info.value))
        assert self.info.value.message
        return handled


# -- None -----------------------------------------------------------------------------------

def test_none_inputs(fresh, trained):
    with raises(E.TGFL_ERR_INVALID_ARGUMENT, "returns is None"):
        fresh.train(None)
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        fresh.set_parameters(None)
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        tgfl.Model.load(None)
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        fresh.save(None)
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        trained.logits(None, None)
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        tgfl.evaluate(None, np.zeros((2, 2)))
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        fresh.train_federated(None)


# -- dtypes, shapes, contiguity ---------------------------------------------------------------

def test_safe_dtype_conversions_give_the_same_results(fresh, trained, sp500):
    # Issue 14: arrays of another dtype are converted when no value changes beyond rounding.
    window = sp500[:200]
    expected = trained.log_likelihood(window.astype(np.float32).astype(np.float64))
    assert trained.log_likelihood(window.astype(np.float32)) == expected          # float32 → float64
    big_endian = window.astype(">f8")
    assert trained.log_likelihood(big_endian) == trained.log_likelihood(window)
    params = fresh.parameters()
    fresh.set_parameters(params.astype(np.float64))                               # exact in float32
    assert np.array_equal(fresh.parameters(), params)
    tokens = np.arange(8, dtype=np.int64).reshape(1, 8) % 64
    regimes = np.ones((1, 8), dtype=np.int16)
    assert np.array_equal(trained.logits(tokens, regimes),
                          trained.logits(tokens.astype(np.int32), regimes.astype(np.int32)))


def test_unsafe_conversions_are_refused(fresh, trained, sp500):
    tokens = np.zeros((1, 4), dtype=np.int64)
    tokens[0, 2] = 2**40
    with raises(E.TGFL_ERR_INVALID_ARGUMENT, r"tokens\[2\] = 1099511627776 is outside the int32 range"):
        trained.logits(tokens, np.zeros((1, 4), dtype=np.int32))
    with raises(E.TGFL_ERR_INVALID_ARGUMENT, r"is not a whole number"):
        trained.logits(np.array([[1.5, 2.0]]), np.zeros((1, 2), dtype=np.int32))
    with raises(E.TGFL_ERR_INVALID_ARGUMENT, "beyond the float32 range"):
        fresh.set_parameters(np.full(fresh.n_params, 1e300))
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        trained.log_likelihood(np.array(["a", "b"]))
    with raises(E.TGFL_ERR_INVALID_ARGUMENT, "booleans"):
        trained.log_likelihood(np.ones(50, dtype=bool))


def test_wrong_shapes(fresh, trained, sp500):
    with raises(E.TGFL_ERR_SHAPE):
        fresh.set_parameters(fresh.parameters()[:-1])
    with raises(E.TGFL_ERR_SHAPE):
        fresh.set_parameters(fresh.parameters().reshape(1, -1))
    with raises(E.TGFL_ERR_SHAPE):
        fresh.train(np.stack([sp500, sp500]))
    t = np.zeros((2, 4), dtype=np.int32)
    with raises(E.TGFL_ERR_SHAPE):
        trained.logits(t, np.zeros((2, 5), dtype=np.int32))
    with raises(E.TGFL_ERR_OUT_OF_RANGE):           # T > context_length
        trained.logits(np.zeros((1, 33), dtype=np.int32), np.zeros((1, 33), dtype=np.int32))
    with raises(E.TGFL_ERR_SHAPE):
        trained.generate(n_paths=1, horizon=5, regime_path=[0, 1, 2])
    with raises(E.TGFL_ERR_SHAPE):
        tgfl.evaluate(sp500, sp500)                  # synthetic must be [n_paths, horizon]


def test_non_contiguous_arrays_are_copied(fresh, trained, sp500):
    # Issue 14: strided views are copied (NumPy-consuming libraries do), with the same results.
    strided = sp500[:400][::2]
    assert not strided.flags["C_CONTIGUOUS"]
    assert trained.log_likelihood(strided) == trained.log_likelihood(np.ascontiguousarray(strided))
    params = np.repeat(fresh.parameters(), 2)[::2]
    assert not params.flags["C_CONTIGUOUS"]
    fresh.set_parameters(params)
    assert np.array_equal(fresh.parameters(), np.ascontiguousarray(params))
    tokens = (np.arange(12, dtype=np.int32).reshape(4, 3) % 64).T
    regimes = np.ones((3, 4), dtype=np.int32)
    assert np.array_equal(trained.logits(tokens, regimes), trained.logits(np.ascontiguousarray(tokens), regimes))
    paths = trained.generate(n_paths=4, horizon=250, seed=3)
    assert tgfl.evaluate(sp500, np.asfortranarray(paths)).raw == tgfl.evaluate(sp500, paths).raw


# -- NaN and infinity ------------------------------------------------------------------------

def test_nan_and_inf(fresh, trained, sp500):
    bad = sp500.copy()
    bad[17] = np.nan
    with raises(E.TGFL_ERR_INVALID_ARGUMENT, r"returns\[17\]"):
        fresh.train(bad)
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        trained.log_likelihood(bad[:100])
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        trained.generate(n_paths=1, horizon=5, prompt=bad[:20])
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        tgfl.evaluate(bad, np.zeros((2, 250)))
    params = fresh.parameters()
    before = params.copy()
    params[3] = np.inf
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        fresh.set_parameters(params)
    assert np.array_equal(fresh.parameters(), before)    # unchanged
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        fresh.train(sp500, learning_rate=float("nan"))
    with raises(E.TGFL_ERR_OUT_OF_RANGE):
        trained.generate(n_paths=1, horizon=5, temperature=0.0)
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        trained.generate(n_paths=1, horizon=5, temperature=float("nan"))


# -- a freed model -----------------------------------------------------------------------------

def test_freed_model(small_config):
    model = tgfl.Model.create(small_config)
    model.close()
    model.close()                                       # harmless
    assert model.closed
    for call in (lambda: model.parameters(), lambda: model.n_params, lambda: model.save("x.h5"),
                 lambda: model.generate(1, 5), lambda: model.train(np.zeros(100))):
        with raises(E.TGFL_ERR_INVALID_ARGUMENT, "closed"):
            call()


def test_stale_c_handle_is_rejected_by_the_library(small_config):
    model = tgfl.Model.create(small_config)
    handle = model._handle
    model.close()
    assert tgfl._lib.tgfl_model_n_params(handle) == E.TGFL_ERR_INVALID_ARGUMENT
    assert b"not a live" in tgfl._lib.tgfl_last_error()
    tgfl._lib.tgfl_model_free(handle)                   # double free: a no-op


# -- enums, ranges, configs, state -------------------------------------------------------------

def test_unknown_enum_values(fresh, trained, sp500):
    with raises(E.TGFL_ERR_OUT_OF_RANGE, "unknown strategy"):
        fresh.train_federated([sp500], strategy="fedmagic")
    with raises(E.TGFL_ERR_OUT_OF_RANGE):
        fresh.train_federated([sp500], strategy=12)
    with raises(E.TGFL_ERR_OUT_OF_RANGE):
        fresh.train_federated([sp500], partition=-1)
    with raises(E.TGFL_ERR_OUT_OF_RANGE, "unknown partition"):
        fresh.train_federated([sp500], partition="random")
    with raises(E.TGFL_ERR_OUT_OF_RANGE):
        trained.generate(n_paths=1, horizon=5, regime=4)
    with raises(E.TGFL_ERR_OUT_OF_RANGE):
        trained.generate(n_paths=1, horizon=5, regime="bubble")
    with raises(E.TGFL_ERR_OUT_OF_RANGE):
        trained.regime_name(9)
    with raises(E.TGFL_ERR_OUT_OF_RANGE):
        trained.logits(np.array([[64]], dtype=np.int32), np.array([[0]], dtype=np.int32))


def test_bad_configs():
    with raises(E.TGFL_ERR_INVALID_CONFIG, "divisible"):
        tgfl.Model.create(tgfl.ModelConfig(d_model=30, n_heads=4))
    with raises(E.TGFL_ERR_INVALID_CONFIG):
        tgfl.Model.create(tgfl.ModelConfig(n_layers=0))
    with raises(E.TGFL_ERR_INVALID_CONFIG):
        tgfl.Model.create(tgfl.ModelConfig(vocab_size=2**31 - 1, d_model=2**31 - 1))
    with raises(E.TGFL_ERR_OUT_OF_RANGE):
        tgfl.Model.create(tgfl.ModelConfig(vocab_size=2**40))
    with raises(E.TGFL_ERR_INVALID_ARGUMENT):
        tgfl.Model.create(tgfl.ModelConfig(vocab_size=1.5))


def test_bad_training_params(fresh, sp500):
    with raises(E.TGFL_ERR_OUT_OF_RANGE, "batch_size"):
        fresh.train(sp500, batch_size=0)
    with raises(E.TGFL_ERR_OUT_OF_RANGE, "seq_len"):
        fresh.train(sp500, seq_len=999)
    with raises(E.TGFL_ERR_OUT_OF_RANGE, "val_fraction"):
        fresh.train(sp500, val_fraction=1.5)
    with raises(E.TGFL_ERR_OUT_OF_RANGE, "n_threads"):
        fresh.train(sp500, n_threads=-2)
    with raises(E.TGFL_ERR_DATA):
        fresh.train(sp500[:30])
    with raises(E.TGFL_ERR_INVALID_ARGUMENT, "unknown TrainParams"):
        fresh.train(sp500, step=3)


def test_state_errors(fresh, sp500):
    with raises(E.TGFL_ERR_STATE, "train"):
        fresh.generate(n_paths=1, horizon=5)
    with raises(E.TGFL_ERR_STATE):
        fresh.log_likelihood(sp500[:100])
    with raises(E.TGFL_ERR_STATE):
        fresh.regime_name(0)
    with raises(E.TGFL_ERR_STATE):
        fresh.regime_index("crisis")


def test_checkpoint_errors(tmp_path):
    with raises(E.TGFL_ERR_IO, "does not exist"):
        tgfl.Model.load(tmp_path / "missing.h5")
    junk = tmp_path / "junk.h5"
    junk.write_text("not hdf5")
    with raises(E.TGFL_ERR_CHECKPOINT):
        tgfl.Model.load(junk)
    with raises(E.TGFL_ERR_IO):
        tgfl.Model.load(tmp_path)


def test_truncated_and_tampered_checkpoints(trained_checkpoint, tmp_path):
    import h5py
    data = trained_checkpoint.read_bytes()
    cut = tmp_path / "cut.h5"
    cut.write_bytes(data[: len(data) // 2])
    with raises(E.TGFL_ERR_CHECKPOINT):
        tgfl.Model.load(cut)
    tampered = tmp_path / "tampered.h5"
    tampered.write_bytes(data)
    with h5py.File(tampered, "a") as f:
        del f["weights/blocks.1.mlp.fc.bias"]
    with raises(E.TGFL_ERR_CHECKPOINT, "blocks.1.mlp.fc.bias"):
        tgfl.Model.load(tampered)


def test_save_into_a_missing_directory(fresh, tmp_path):
    with pytest.raises(TgflError) as info:
        fresh.save(tmp_path / "no" / "such" / "dir" / "m.h5")
    assert info.value.status in (E.TGFL_ERR_IO, E.TGFL_ERR_CHECKPOINT)
