"""Model v2 through the C ABI: create, train, generate unconditionally, save and load.

The v2 layout is checked against an independent NumPy/h5py reading of the checkpoint: the
names and shapes docs/DESIGN.md documents (vol_emb [S, C] in place of regime_emb, level_bias [S, V]
after head.bias) and the /volatility section.
"""
import h5py
import numpy as np
import pytest

import tgfl
from conftest import SMALL

V2 = dict(SMALL, model_version=2, n_volatility_levels=8)


def parameter_count(c):
    C, V, T, F, L, S = c["d_model"], c["vocab_size"], c["context_length"], c["d_ff"], c["n_layers"], \
        c["n_volatility_levels"]
    block = 4 * C + 3 * C * C + 3 * C + C * C + C + F * C + F + C * F + C
    return V * C + T * C + S * C + L * block + 2 * C + V * C + V + S * V


@pytest.fixture(scope="module")
def trained_v2():
    returns = tgfl.load_sp500()[:1500]
    with tgfl.Model.create(tgfl.ModelConfig(**V2), seed=5) as model:
        model.train(returns, tgfl.TrainParams(steps=3, batch_size=4))
        yield model


def test_v2_parameter_count_and_layout(tmp_path, trained_v2):
    assert trained_v2.config.model_version == 2
    assert trained_v2.n_params == parameter_count(V2)
    path = tmp_path / "v2.h5"
    trained_v2.save(str(path))
    with h5py.File(path, "r") as f:
        assert f.attrs["format_version"] == 2
        w = f["weights"]
        assert w["vol_emb.weight"].shape == (8, V2["d_model"])
        assert w["level_bias.weight"].shape == (8, V2["vocab_size"])
        assert "regime_emb.weight" not in w
        v = f["volatility"]
        assert v.attrs["kind"] == "gjr_garch_levels"
        assert v.attrs["version"] == 1  # no key that readers before session 17 would ignore
        assert v["level_edges"].shape == (7,)
        assert 0 < v.attrs["beta"] < 1 and v.attrs["alpha"] + v.attrs["gamma"] / 2 + v.attrs["beta"] < 1
        assert f["regimes"].attrs["kind"] == "conditional_volatility_quantiles"


def test_v2_unconditional_generation_is_deterministic(trained_v2, tmp_path):
    a = trained_v2.generate(n_paths=40, horizon=30, regime=None, seed=7)
    b = trained_v2.generate(n_paths=40, horizon=30, regime=None, seed=7, n_threads=1)
    assert a.shape == (40, 30) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    path = tmp_path / "v2b.h5"
    trained_v2.save(str(path))
    with tgfl.Model.load(str(path)) as loaded:
        np.testing.assert_array_equal(loaded.generate(n_paths=40, horizon=30, regime=None, seed=7), a)


def test_v1_model_refuses_unconditional_generation(trained):
    with pytest.raises(tgfl.TgflError, match="needs a v2 model"):
        trained.generate(n_paths=2, horizon=5, regime=None)


def test_bad_model_version_is_refused():
    with pytest.raises(tgfl.TgflError, match="model_version must be 1 or 2"):
        tgfl.Model.create(tgfl.ModelConfig(**dict(V2, model_version=3)))
