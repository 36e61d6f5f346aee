"""Walk-forward VaR / ES backtests (issue 16): ``tgfl.backtest`` over ``tgfl_backtest_ex`` in the C ABI.

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
from ctypes import POINTER, byref, c_double, c_int32, c_size_t, c_void_p
from typing import Optional, Sequence

import numpy as np

from . import _lib
from ._lib import TGFL_ERR_OUT_OF_RANGE
from .model import Model, ProgressOption, _array, _bad, _Callback, _float, _int32, _ptr, _uint64

# TGFL_API int32_t tgfl_backtest_ex(tgfl_model * model, const double * returns, size_t n_returns,
#                                   size_t span_start, size_t span_end,
#                                   const tgfl_backtest_params * params, char ** out_json);
# (out_json is declared as void ** so the pointer can be handed back to tgfl_string_free.)
_tgfl_backtest_ex = _lib._declare(
    "tgfl_backtest_ex",
    [_lib.tgfl_model_p, POINTER(c_double), c_size_t, c_size_t, c_size_t, POINTER(_lib.tgfl_backtest_params),
     POINTER(c_void_p)],
    c_int32)

_PROMPT_FILTERS = {"gjr": _lib.TGFL_PROMPT_FILTER_GJR, "beta-t": _lib.TGFL_PROMPT_FILTER_BETA_T}


_POSITIONS = {"linear": _lib.TGFL_QUANTILE_LINEAR, "weibull": _lib.TGFL_QUANTILE_WEIBULL}


def _recalibration(value, name: str):
    """``(n, λ)`` or ``(n, λ, position)`` as (int32 window, float weight, TGFL_QUANTILE_*); the
    library checks the ranges."""
    try:
        window, weight, *rest = value
        if len(rest) > 1:
            raise ValueError
    except (TypeError, ValueError) as error:
        raise _bad(f"{name} must be (n, λ) or (n, λ, position) such as (250, 0.75) or (250, 0.75, 'weibull'), "
                   f"got {value!r}") from error
    position = rest[0] if rest else "linear"
    if position not in _POSITIONS:
        raise _bad(f"{name} position must be one of {', '.join(_POSITIONS)}, got {position!r}", TGFL_ERR_OUT_OF_RANGE)
    return _int32(window, f"{name} window"), _float(weight, f"{name} weight"), _POSITIONS[position]


def backtest(returns, span_start: int, span_end: int, model: Optional[Model] = None,
             levels: Sequence[float] = (0.01, 0.025), horizons: Sequence[int] = (1, 10),
             n_paths: int = 1000, baselines: bool = True, seed: int = 42, n_threads: int = 0, *,
             prompt_days: int = 1000, refit_every: int = 20, refit_volatility: bool = True,
             compare_trained_filter: bool = False,
             z_recalibration: Optional[tuple] = (250, 0.75, "weibull"), compare_uncalibrated: bool = False,
             compare_z_recalibrations: Sequence[tuple] = (), prompt_filter: str = "gjr",
             compare_prompt_filter: bool = False, es_simulations: int = 2000,
             progress: ProgressOption = False) -> dict:
    """Walk-forward backtest of the days ``span_start .. span_end - 1`` of ``returns``.

    ``model`` (optional; None backtests the baselines only) must have been trained on
    ``returns[:span_start]`` only. Returns the WalkForwardBacktest as a dict: per model and
    horizon, per level the exceptions, Kupiec, Christoffersen, traffic-light zone, Basel
    assessment, Acerbi–Székely Z2 test, mean VaR/ES; Berkowitz's test; the daily VaR, ES and PIT.

    The keyword options are those of ``tgfl backtest`` (``tgfl_backtest_params`` in the C ABI):
    ``prompt_days`` (real days per prompt), ``refit_every`` (forecasts between refits of the
    baselines' GARCH fits and TGFL's filter), ``refit_volatility`` (False: TGFL keeps its trained
    filter, ``--no-volatility-refit``), ``compare_trained_filter``, ``z_recalibration`` ((n, λ) or
    (n, λ, position), position "linear" (the default of a pair) or "weibull" (the default setting
    is (250, 0.75, "weibull")) places the residuals' quantiles; None for off),
    ``compare_uncalibrated``, ``compare_z_recalibrations`` ([(n, λ[, position]), ...]: models
    "TGFL-z<n>-<λ>[-weibull]"), ``prompt_filter`` ("gjr" or "beta-t"), ``compare_prompt_filter``,
    ``es_simulations`` (draws of the ES test's p-value, ≥ 1000). The TGFL options apply to v2
    models. ``progress``: True (a bar in per mille), False, or a function of ``tgfl.Progress``
    (kind "backtest"; return False to cancel); Ctrl-C cancels.
    Raises TgflError on a bad argument (the message names it).
    """
    r = _array(returns, "returns", np.float64, ndim=(1,))
    a = _array(list(levels), "levels", np.float64, ndim=(1,))
    h = _array(list(horizons), "horizons", np.int32, ndim=(1,))
    for name, v in (("span_start", span_start), ("span_end", span_end)):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
    if prompt_filter not in _PROMPT_FILTERS:
        raise _bad(f"prompt_filter must be one of {', '.join(_PROMPT_FILTERS)}, got {prompt_filter!r}",
                   TGFL_ERR_OUT_OF_RANGE)
    extra = [_recalibration(z, f"compare_z_recalibrations[{i}]") for i, z in enumerate(compare_z_recalibrations)]
    windows = _array([z[0] for z in extra] or [0], "compare_z_recalibrations", np.int32, ndim=(1,))
    weights = _array([z[1] for z in extra] or [0.0], "compare_z_recalibrations", np.float64, ndim=(1,))
    positions = _array([z[2] for z in extra] or [0], "compare_z_recalibrations", np.int32, ndim=(1,))
    p = _lib.tgfl_backtest_default_params()
    p.levels, p.n_levels = _ptr(a, c_double), a.size
    p.horizons, p.n_horizons = _ptr(h, c_int32), h.size
    p.n_paths = _int32(n_paths, "n_paths")
    p.prompt_days = _int32(prompt_days, "prompt_days")
    p.baselines = bool(baselines)
    p.refit_every = _int32(refit_every, "refit_every")
    p.refit_volatility = bool(refit_volatility)
    p.compare_trained_filter = bool(compare_trained_filter)
    if z_recalibration is None:
        p.z_recalibration_window = 0
    else:
        (p.z_recalibration_window, p.z_recalibration_weight,
         p.z_recalibration_position) = _recalibration(z_recalibration, "z_recalibration")
    p.compare_uncalibrated = bool(compare_uncalibrated)
    p.compare_z_windows, p.compare_z_weights = _ptr(windows, c_int32), _ptr(weights, c_double)
    p.compare_z_positions = _ptr(positions, c_int32)
    p.n_compare_z = len(extra)
    p.prompt_filter = _PROMPT_FILTERS[prompt_filter]
    p.compare_prompt_filter = bool(compare_prompt_filter)
    p.es_simulations = _int32(es_simulations, "es_simulations")
    p.seed = _uint64(seed, "seed")
    p.n_threads = _int32(n_threads, "n_threads")
    callback = _Callback(progress, "backtest", 1000)
    p.progress = callback.c_function
    out = c_void_p()
    callback.run(lambda: _tgfl_backtest_ex(model._h() if model is not None else None, _ptr(r, c_double), r.size,
                                           int(span_start), int(span_end), byref(p), byref(out)))
    try:
        text = ctypes.string_at(out.value).decode("utf-8")
    finally:
        _lib.tgfl_string_free(out)
    return json.loads(text)
