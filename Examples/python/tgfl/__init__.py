"""tgfl — Python binding of TGFL (market scenario simulation with federated learning).

ctypes over the C ABI in ``include/tgfl.h`` (libCTGFL), NumPy and pandas in and out::

    import tgfl
    returns = tgfl.load_sp500()
    with tgfl.Model.create(seed=1) as model:
        history = model.train(returns, steps=100)          # tqdm bar; Ctrl-C stops after a step
        paths = model.generate(n_paths=100, horizon=250, regime="crisis", seed=7)
        result = tgfl.evaluate(returns, paths)              # result.table(), result.to_frame()

The library is loaded from ``$TGFL_LIB_DIR`` when set, else from the copy bundled in the
wheel (``tgfl/_native``), else from ``<repo>/.build/release`` (a source checkout).
"""

from ._lib import (TGFL_ABI_VERSION, TGFL_ERR_CANCELLED, TGFL_ERR_CHECKPOINT, TGFL_ERR_DATA,
                   TGFL_ERR_INTERNAL, TGFL_ERR_INVALID_ARGUMENT, TGFL_ERR_INVALID_CONFIG,
                   TGFL_ERR_IO, TGFL_ERR_OUT_OF_RANGE, TGFL_ERR_SHAPE, TGFL_ERR_STATE, TGFL_OK,
                   PARTITIONS, STRATEGIES, library_path)
from ._lib import tgfl_abi_version as _abi_version
from ._lib import tgfl_version as _version
from .model import (FederatedConfig, GenerateParams, Model, ModelConfig, Progress, TgflError,
                    TrainParams, evaluate, load_sp500)
from ._run import TgflDataWarning
from .results import EvaluationResult, FederatedHistory, TrainingHistory
# --- HTML report (issue 15) ---
from .report import Report
from .backtest import backtest  # issue 16: walk-forward VaR/ES backtests
# --- HTML report: backtest and portfolio-stress pages (issue 15 for issues 16 and 17) ---
from .report_pages import BacktestReport, StressReport

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
    "Report",
]
# Issue 14: results and warnings.
__all__ += ["TrainingHistory", "FederatedHistory", "EvaluationResult", "TgflDataWarning"]
# HTML report pages of backtests and portfolio stress.
__all__ += ["BacktestReport", "StressReport"]
