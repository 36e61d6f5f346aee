"""Crafted checkpoints on which libhdf5 1.10 crashes or hangs raise TgflError in the calling
process (issue 13): the file is read in a child process first (HDF5File+Untrusted.swift). The
reproducers are the checkpoint fuzz harness's findings, Fuzz/crashes/checkpoint/libhdf5-*.h5;
without the check, loading them kills this Python process."""

import pathlib

import pytest

import tgfl
from tgfl import TgflError

CRASHES = pathlib.Path(__file__).resolve().parents[2] / "Fuzz" / "crashes" / "checkpoint"
REPRODUCERS = sorted(CRASHES.glob("libhdf5-*.h5"))


def test_the_reproducers_are_there():
    assert len(REPRODUCERS) >= 16, CRASHES


@pytest.mark.parametrize("path", REPRODUCERS, ids=lambda p: p.name)
def test_crafted_checkpoint_raises_instead_of_killing_python(path, monkeypatch):
    monkeypatch.setenv("TGFL_HDF5_CHECK_TIMEOUT", "1")
    with pytest.raises(TgflError) as info:
        tgfl.Model.load(path)
    assert info.value.status == tgfl.TGFL_ERR_CHECKPOINT, str(info.value)
    assert path.name in info.value.message
    if path.name.startswith("libhdf5-hang-"):
        assert "did not finish" in info.value.message


def test_a_good_checkpoint_still_loads_after_the_crafted_ones(trained_checkpoint, monkeypatch):
    monkeypatch.setenv("TGFL_HDF5_CHECK_TIMEOUT", "1")
    for path in REPRODUCERS:
        with pytest.raises(TgflError):
            tgfl.Model.load(path)
    with tgfl.Model.load(trained_checkpoint) as model:
        assert model.n_params > 0
