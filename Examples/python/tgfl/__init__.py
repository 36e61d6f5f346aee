"""tgfl — Python binding of TGFL (market scenario simulation with federated learning).

ctypes over the C ABI in ``include/tgfl.h`` (libCTGFL), NumPy arrays in and out::

    import tgfl
    returns = tgfl.load_sp500()
    with tgfl.Model.create(seed=1) as model:
        model.train(returns, steps=100)
        paths = model.generate(n_paths=100, horizon=250, regime="crisis", seed=7)
        report = tgfl.evaluate(returns, paths)

The library is found through ``$TGFL_LIB_DIR`` (the folder holding libCTGFL.so), else
``<repo>/.build/release``.
"""

from ._lib import (TGFL_ABI_VERSION, TGFL_ERR_CANCELLED, TGFL_ERR_CHECKPOINT, TGFL_ERR_DATA,
                   TGFL_ERR_INTERNAL, TGFL_ERR_INVALID_ARGUMENT, TGFL_ERR_INVALID_CONFIG,
                   TGFL_ERR_IO, TGFL_ERR_OUT_OF_RANGE, TGFL_ERR_SHAPE, TGFL_ERR_STATE, TGFL_OK,
                   PARTITIONS, STRATEGIES, library_path)
from ._lib import tgfl_abi_version as _abi_version
from ._lib import tgfl_version as _version
from .model import (FederatedConfig, GenerateParams, Model, ModelConfig, Progress, TgflError,
                    TrainParams, evaluate, load_sp500)
from .backtest import backtest  # issue 16: walk-forward VaR/ES backtests

__version__ = _version().decode("utf-8")

if _abi_version() != TGFL_ABI_VERSION:
    raise ImportError(f"tgfl: {library_path()} implements ABI {_abi_version()}, "
                      f"this binding needs ABI {TGFL_ABI_VERSION}; rebuild the library")


def version() -> str:
    """The library version string."""
    return __version__


__all__ = [
    "Model", "ModelConfig", "TrainParams", "FederatedConfig", "GenerateParams", "Progress",
    "TgflError", "evaluate", "backtest", "load_sp500", "version", "library_path", "STRATEGIES", "PARTITIONS",
    "TGFL_OK", "TGFL_ERR_INVALID_ARGUMENT", "TGFL_ERR_INVALID_CONFIG", "TGFL_ERR_SHAPE",
    "TGFL_ERR_OUT_OF_RANGE", "TGFL_ERR_IO", "TGFL_ERR_CHECKPOINT", "TGFL_ERR_DATA",
    "TGFL_ERR_CANCELLED", "TGFL_ERR_STATE", "TGFL_ERR_INTERNAL",
]
