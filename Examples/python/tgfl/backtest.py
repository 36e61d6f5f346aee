"""Walk-forward VaR / ES backtests (issue 16): ``tgfl.backtest`` over ``tgfl_backtest`` in the C ABI.

    import tgfl
    returns = tgfl.load_sp500()
    start = int(0.8 * len(returns))
    with tgfl.Model.create(config=tgfl.ModelConfig(model_version=2), seed=1) as model:
        model.train(returns[:start], steps=300)
        result = tgfl.backtest(returns, start, start + 250, model=model, n_paths=1000)
    for b in result["results"]:
        print(b["model"], b["horizon"], [(l["level"], l["exceptions"]) for l in b["levels"]])
"""
import ctypes
import json
from ctypes import POINTER, byref, c_bool, c_double, c_int32, c_size_t, c_uint64, c_void_p
from typing import Optional, Sequence

import numpy as np

from . import _lib
from .model import Model, _array, _check, _int32, _ptr, _uint64

# TGFL_API int32_t tgfl_backtest(tgfl_model * model, const double * returns, size_t n_returns,
#                                size_t span_start, size_t span_end,
#                                const double * levels, size_t n_levels,
#                                const int32_t * horizons, size_t n_horizons,
#                                int32_t n_paths, bool baselines, uint64_t seed, int32_t n_threads,
#                                char ** out_json);
# (out_json is declared as void ** so the pointer can be handed back to tgfl_string_free.)
_tgfl_backtest = _lib._declare(
    "tgfl_backtest",
    [_lib.tgfl_model_p, POINTER(c_double), c_size_t, c_size_t, c_size_t, POINTER(c_double), c_size_t,
     POINTER(c_int32), c_size_t, c_int32, c_bool, c_uint64, c_int32, POINTER(c_void_p)],
    c_int32)


def backtest(returns, span_start: int, span_end: int, model: Optional[Model] = None,
             levels: Sequence[float] = (0.01, 0.025), horizons: Sequence[int] = (1, 10),
             n_paths: int = 1000, baselines: bool = True, seed: int = 42, n_threads: int = 0) -> dict:
    """Walk-forward backtest of the days ``span_start .. span_end - 1`` of ``returns``.

    ``model`` (optional; None backtests the baselines only) must have been trained on
    ``returns[:span_start]`` only. Returns the WalkForwardBacktest as a dict: per model and
    horizon, per level the exceptions, Kupiec, Christoffersen, traffic-light zone, Basel
    assessment, Acerbi–Székely Z2 test, mean VaR/ES; Berkowitz's test; the daily VaR, ES and PIT.
    Raises TgflError on a bad argument (the message names it).
    """
    r = _array(returns, "returns", np.float64, ndim=(1,))
    a = _array(list(levels), "levels", np.float64, ndim=(1,))
    h = _array(list(horizons), "horizons", np.int32, ndim=(1,))
    for name, v in (("span_start", span_start), ("span_end", span_end)):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
    out = c_void_p()
    _check(_tgfl_backtest(model._h() if model is not None else None, _ptr(r, c_double), r.size, int(span_start),
                          int(span_end), _ptr(a, c_double), a.size, _ptr(h, c_int32), h.size,
                          _int32(n_paths, "n_paths"), bool(baselines), _uint64(seed, "seed"),
                          _int32(n_threads, "n_threads"), byref(out)))
    try:
        text = ctypes.string_at(out.value).decode("utf-8")
    finally:
        _lib.tgfl_string_free(out)
    return json.loads(text)
