"""Examples/python/to_pytorch.py: a checkpoint in an equivalent torch.nn.Module gives the
logits of Model.logits (runs only where torch is installed)."""

import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Examples" / "python"))
from to_pytorch import load_tgfl  # noqa: E402


def test_pytorch_module_matches_model_logits(trained_checkpoint, trained):
    module = load_tgfl(str(trained_checkpoint))
    rng = np.random.default_rng(4)
    tokens = rng.integers(0, 64, size=(3, 32), dtype=np.int32)
    regimes = rng.integers(0, 4, size=(3, 32), dtype=np.int32)
    with torch.no_grad():
        expected = module(torch.from_numpy(tokens.astype(np.int64)), torch.from_numpy(regimes.astype(np.int64)))
    np.testing.assert_allclose(trained.logits(tokens, regimes), expected.numpy(), rtol=1e-4, atol=1e-4)


def test_model_v2_is_refused_by_name(tmp_path):
    # The module is v1's; a v2 checkpoint (the default model) used to fail in load_state_dict on key names.
    import h5py
    path = tmp_path / "v2.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = '{"model_version": 2, "vocab_size": 8, "context_length": 4, "d_model": 4, ' \
                                  '"n_layers": 1, "n_heads": 1, "d_ff": 8, "n_regimes": 4, "n_volatility_levels": 4}'
        f.create_group("weights")
    with pytest.raises(ValueError, match="model v2 .*export a model trained with model_version=1"):
        load_tgfl(str(path))
