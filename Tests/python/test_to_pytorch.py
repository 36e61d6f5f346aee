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
