"""Joint scenarios of several assets and portfolio stress tests (issue 17).

ctypes over the "Joint scenarios" section of ``include/tgfl.h``; arrays are
``(paths, days, assets)`` float64::

    import numpy as np, tgfl.portfolio as pf
    model = pf.JointModel.train("eu.h5", returns, names=["dax", "smi", "cac", "ftse"], steps=300)
    scenarios, regimes = model.generate(n_paths=1000, horizon=10, regime="crisis")
    stress = pf.portfolio_stress(scenarios, weights=[0.4, 0, 0, 0.6], level=0.01)

A joint model is a checkpoint file (format_version 3); ``tgfl.Model.load`` refuses it.
"""

import json
from ctypes import POINTER, byref, c_char_p, c_double, c_int32, c_size_t, c_uint64, c_void_p
from dataclasses import dataclass
from typing import Optional, Sequence, Union

import numpy as np

from . import _lib
from ._lib import TGFL_ERR_OUT_OF_RANGE, TGFL_ERR_SHAPE
from .model import (ModelConfig, TrainParams, _array, _bad, _bool, _check, _float, _generate_params, _int32,
                    _params, _path, _ptr, _train_params, _uint64)

# TGFL_API int32_t tgfl_joint_train(const char * out_path, const double * returns, size_t n_days,
#                                   int32_t n_assets, const char * const * asset_names,
#                                   const tgfl_model_config * config, int32_t levels_per_asset,
#                                   uint64_t seed, const tgfl_train_params * params);
_joint_train = _lib._declare("tgfl_joint_train", [c_char_p, POINTER(c_double), c_size_t, c_int32,
                                                  POINTER(c_char_p), POINTER(_lib.tgfl_model_config), c_int32,
                                                  c_uint64, POINTER(_lib.tgfl_train_params)], c_int32)
# TGFL_API int32_t tgfl_joint_info(const char * model_path, int32_t * out_n_assets, char ** out_json);
_joint_info = _lib._declare("tgfl_joint_info", [c_char_p, POINTER(c_int32), POINTER(c_void_p)], c_int32)
# TGFL_API int32_t tgfl_joint_generate(const char * model_path, const tgfl_generate_params * params,
#                                      double * out, size_t out_len, int32_t * out_regimes);
_joint_generate = _lib._declare("tgfl_joint_generate", [c_char_p, POINTER(_lib.tgfl_generate_params),
                                                        POINTER(c_double), c_size_t, POINTER(c_int32)], c_int32)
# TGFL_API int32_t tgfl_joint_generate_copula(const char * model_path, const tgfl_generate_params * params,
#                                             int32_t use_copula, double * out, size_t out_len,
#                                             int32_t * out_regimes);
_joint_generate_copula = _lib._declare("tgfl_joint_generate_copula",
                                       [c_char_p, POINTER(_lib.tgfl_generate_params), c_int32, POINTER(c_double),
                                        c_size_t, POINTER(c_int32)], c_int32)
# TGFL_API int32_t tgfl_portfolio_stress(const double * scenarios, int32_t n_paths, int32_t horizon,
#                                        int32_t n_assets, const double * weights, double level,
#                                        double * out_var, double * out_es, double * out_component_es,
#                                        double * out_pnl, double * out_max_drawdowns,
#                                        int32_t n_worst, int32_t * out_worst);
_portfolio_stress = _lib._declare("tgfl_portfolio_stress", [POINTER(c_double), c_int32, c_int32, c_int32,
                                                            POINTER(c_double), c_double, POINTER(c_double),
                                                            POINTER(c_double), POINTER(c_double), POINTER(c_double),
                                                            POINTER(c_double), c_int32, POINTER(c_int32)], c_int32)
# TGFL_API void tgfl_string_free(char * s);
_string_free = _lib._declare("tgfl_string_free", [c_void_p], None)


#: The per-regime whitening rules of ``JointModel.train(whitening=...)``, by their value of the C
#: enum ``tgfl_joint_whitening`` (``tgfl train-joint --whitening`` takes the same names).
WHITENING_RULES = {"two-factor": 2, "return-correlation": 0, "covariance": 1}


def _whitening(rule) -> Optional[int]:
    """The ``tgfl_joint_whitening`` value of a rule name (``None``: the library's default)."""
    if rule is None:
        return None
    if not isinstance(rule, str) or rule.lower().replace("_", "-") not in WHITENING_RULES:
        raise _bad(f"whitening must be one of {', '.join(repr(r) for r in WHITENING_RULES)} or None, got {rule!r}",
                   TGFL_ERR_OUT_OF_RANGE)
    return WHITENING_RULES[rule.lower().replace("_", "-")]


#: The copula fit rules of ``JointModel.train(copula_fit=...)``, by their value of the C field
#: ``tgfl_train_params.joint_copula_fit`` (``tgfl train-joint --copula-fit`` takes the same names).
COPULA_FIT_RULES = {"likelihood": 0, "lower-tail": 1}

#: The day-0 volatility dependence rules of ``JointModel.train(start_dependence=...)``, by their value of
#: the C field ``tgfl_train_params.joint_start_dependence`` (``tgfl train-joint --start-dependence`` takes
#: the same names).
START_DEPENDENCE_RULES = {"comonotone": 0, "fitted": 1, "independent": 2}


def _train_params_to_c(p: TrainParams, whitening=None, regime_starts=None, band_map=None,
                       regime_z_tail=None, copula_fit=None, start_dependence=None) -> _lib.tgfl_train_params:
    """``model._train_params`` with the caller's ``allow_prices`` (the joint binding leaves the
    "looks like prices" warning to the C library), whitening rule, market-regime starts, z band
    map, regime z tail map, copula fit rule and start dependence rule (None: the defaults)."""
    c = _train_params(p)
    c.allow_prices = _bool(p.allow_prices, "allow_prices")
    rule = _whitening(whitening)
    if rule is not None:
        c.joint_whitening = rule
    if regime_starts is not None:
        if not isinstance(regime_starts, (bool, np.bool_)):
            raise _bad(f"regime_starts must be True, False or None, got {regime_starts!r}", TGFL_ERR_OUT_OF_RANGE)
        c.joint_regime_starts = int(regime_starts)
    if band_map is not None:
        if not isinstance(band_map, (bool, np.bool_)):
            raise _bad(f"band_map must be True, False or None, got {band_map!r}", TGFL_ERR_OUT_OF_RANGE)
        c.joint_band_map = int(band_map)
    if regime_z_tail is not None:
        if not isinstance(regime_z_tail, (bool, np.bool_)):
            raise _bad(f"regime_z_tail must be True, False or None, got {regime_z_tail!r}", TGFL_ERR_OUT_OF_RANGE)
        c.joint_regime_z_tail = int(regime_z_tail)
    if copula_fit is not None:
        rule = copula_fit.lower().replace("_", "-") if isinstance(copula_fit, str) else None
        if rule not in COPULA_FIT_RULES:
            raise _bad(f"copula_fit must be one of {', '.join(repr(r) for r in COPULA_FIT_RULES)} or None, "
                       f"got {copula_fit!r}", TGFL_ERR_OUT_OF_RANGE)
        c.joint_copula_fit = COPULA_FIT_RULES[rule]
    if start_dependence is not None:
        rule = start_dependence.lower() if isinstance(start_dependence, str) else None
        if rule not in START_DEPENDENCE_RULES:
            raise _bad(f"start_dependence must be one of {', '.join(repr(r) for r in START_DEPENDENCE_RULES)} "
                       f"or None, got {start_dependence!r}", TGFL_ERR_OUT_OF_RANGE)
        c.joint_start_dependence = START_DEPENDENCE_RULES[rule]
    return c


class JointModel:
    """A joint scenario model of several assets, stored in a checkpoint file."""

    def __init__(self, path):
        """Opens a joint checkpoint (written by ``JointModel.train`` or ``tgfl train-joint``)."""
        self.path = _path(path)
        n = c_int32()
        raw = c_void_p()
        _check(_joint_info(self.path, byref(n), byref(raw)))
        try:
            info = json.loads(c_char_p(raw.value).value.decode("utf-8"))
        finally:
            _string_free(raw)
        #: The asset names, in the order of the last axis of the scenarios.
        self.assets = list(info["assets"])
        #: The market regime names (index = regime id).
        self.regimes = list(info["regimes"])
        #: The t copula of a day's whitened shocks, ``{"degrees_of_freedom": nu (None: Gaussian),
        #: "correlation": R as a (assets, assets) array}``, or None (a model saved without one).
        self.copula = None
        #: Which second moment of each regime's standardised returns the whitening factors were
        #: fitted on: ``"two_factor"`` (the default since session 18: training days encoded with
        #: each regime's covariance factor, generation with the return-correlation one),
        #: ``"return_correlation"`` (session 17: each regime's z variances with the correlation that
        #: gives back its return correlation), ``"covariance"`` (sessions 13-16) or ``"correlation"`` (before).
        self.whitening = info["whitening"]
        #: Whether the model has market-regime starts (session 19): a run under a regime starts each
        #: asset's volatility where the training days of that market regime had it.
        self.regime_starts = bool(info.get("regime_starts", False))
        #: Whether the model has a z band map (session 20): unconditional runs scale each asset's
        #: standardised returns in its own volatility band to the spread of the training days of that band.
        self.band_map = bool(info.get("band_map", False))
        #: Whether the model has a regime z tail map (session 20, fitted only when asked): a run under
        #: a regime maps each asset's z onto the training z of that market regime's days.
        self.regime_z_tail = bool(info.get("regime_z_tail", False))
        #: How unconditional runs draw the assets' day-0 volatilities (session 24): None, one uniform for
        #: every asset (comonotone starts, the default), or the correlation of the normal scores of the
        #: start uniforms as an (assets, assets) array (``start_dependence="fitted"``: the training days'
        #: rank correlation of σ; ``"independent"``: the identity).
        self.start_dependence = None
        if info.get("start_dependence") is not None:
            k = len(self.assets)
            self.start_dependence = np.array(info["start_dependence"], dtype=np.float64).reshape(k, k)
        if info.get("copula") is not None:
            k = len(self.assets)
            self.copula = {"degrees_of_freedom": info["copula"]["degrees_of_freedom"],
                           "correlation": np.array(info["copula"]["correlation"], dtype=np.float64).reshape(k, k)}

    @classmethod
    def train(cls, path, returns, names: Sequence[str], config: Optional[ModelConfig] = None,
              levels_per_asset: int = 8, seed: int = 0, params: Optional[TrainParams] = None,
              whitening: Optional[str] = None, regime_starts: Optional[bool] = None,
              band_map: Optional[bool] = None, regime_z_tail: Optional[bool] = None,
              copula_fit: Optional[str] = None, start_dependence: Optional[str] = None,
              **overrides) -> "JointModel":
        """Trains on ``returns`` of shape ``(days, assets)`` (float64 log returns) and saves the
        model to ``path``. ``config`` is the architecture (its version and volatility levels are
        set for the joint model); ``overrides`` set TrainParams fields (``steps=300``).
        ``whitening``: the per-regime whitening rule, ``"two-factor"`` (the library's default
        since session 18), ``"return-correlation"`` (session 17) or ``"covariance"`` (sessions
        13-16) (``WHITENING_RULES``; None: the library's default; README "Joint scenarios");
        ``self.whitening`` of the result records it. ``regime_starts``: fit market-regime starts
        (True, the library's default since session 19; False: none, as before; None: the default);
        ``self.regime_starts`` of the result records it. ``band_map``: fit the z band map (True, the
        library's default since session 21; False: none, as before; None: the default);
        ``self.band_map`` of the result records it. ``regime_z_tail``: fit a regime z tail
        map (True; False or None: none, the library's default, BENCHMARKS.md session 20);
        ``self.regime_z_tail`` of the result records it. ``copula_fit``: how the copula's ν is
        fitted, ``"likelihood"`` (the library's default) or ``"lower-tail"`` (ν matched to the
        training u's lower-tail coefficient at 5 %, BENCHMARKS.md session 23; ``COPULA_FIT_RULES``;
        None: the default); the stored copula (``self.copula``) shows the ν it chose.
        ``start_dependence``: how unconditional paths draw the assets' day-0 volatilities,
        ``"comonotone"`` (one uniform for every asset, the library's default), ``"fitted"`` (the
        training days' rank correlation of σ) or ``"independent"`` (``START_DEPENDENCE_RULES``;
        BENCHMARKS.md session 24: both lose issue-17 cells, so they are opt-in; None: the default);
        ``self.start_dependence`` of the result records it."""
        r = _array(returns, "returns", np.float64, ndim=(2,))
        days, k = r.shape
        if len(names) != k:
            raise _bad(f"returns has {k} asset columns but {len(names)} names were given", TGFL_ERR_SHAPE)
        encoded = (c_char_p * k)(*[str(n).encode("utf-8") for n in names])
        c_config = (config or ModelConfig(vocab_size=256, context_length=64, d_model=64, n_layers=2, d_ff=256))._to_c()
        p = _train_params_to_c(_params(params or TrainParams(), overrides, TrainParams), whitening, regime_starts,
                               band_map, regime_z_tail, copula_fit, start_dependence)
        target = _path(path)
        _check(_joint_train(target, _ptr(r, c_double), days, _int32(k, "n_assets"), encoded, byref(c_config),
                            _int32(levels_per_asset, "levels_per_asset"), _uint64(seed, "seed"), byref(p)))
        return cls(path)

    def _regime(self, regime: Union[int, str]) -> int:
        if isinstance(regime, str):
            lowered = [r.lower() for r in self.regimes]
            if regime.lower() not in lowered:
                raise _bad(f"unknown regime {regime!r}; the regimes are {', '.join(self.regimes)}", TGFL_ERR_OUT_OF_RANGE)
            return lowered.index(regime.lower())
        return _int32(regime, "regime")

    def generate(self, n_paths: int = 1000, horizon: int = 10, regime: Union[int, str, None] = None,
                 regime_path=None, prompt=None, temperature: float = 1.0, seed: int = 42,
                 n_threads: int = 0, copula: bool = True):
        """Joint scenarios: returns ``(scenarios, regimes)`` with shapes
        ``(n_paths, horizon, assets)`` (log returns) and ``(n_paths, horizon)`` (market regime ids).

        ``regime`` (index or name) fixes the market regime of every day; None (default) is
        unconditional; ``regime_path`` gives one regime per day. ``prompt``: recent real
        returns of shape ``(days, assets)`` to continue from. ``copula``: draw a day's uniforms
        from the model's t copula (default; see ``self.copula``), or independently (False, as
        before the copula; a model without one always does).
        """
        if not isinstance(copula, (bool, np.bool_)):
            raise _bad(f"copula must be True or False, got {copula!r}")
        if prompt is not None:
            prompt = _array(prompt, "prompt", np.float64, ndim=(2,))
            if prompt.shape[1] != len(self.assets):
                raise _bad(f"prompt has {prompt.shape[1]} columns but the model has {len(self.assets)} assets",
                           TGFL_ERR_SHAPE)
        c, keep = _generate_params(n_paths, horizon, regime, regime_path, prompt, temperature, seed, n_threads,
                                   to_regime=self._regime, prompt_ndim=2)
        out = np.empty((c.n_paths, c.horizon, len(self.assets)), dtype=np.float64)
        regimes = np.empty((c.n_paths, c.horizon), dtype=np.int32)
        _check(_joint_generate_copula(self.path, byref(c), 1 if copula else 0, _ptr(out, c_double), out.size,
                                      _ptr(regimes, c_int32)))
        return out, regimes


@dataclass
class StressResult:
    """A buy-and-hold portfolio on joint scenarios (losses positive)."""
    value_at_risk: float
    expected_shortfall: float
    #: Each asset's share of the ES (sums to ``expected_shortfall``).
    component_es: np.ndarray
    #: P&L of every path over the horizon.
    pnl: np.ndarray
    #: Maximum drawdown of every path (fraction of the running peak).
    max_drawdowns: np.ndarray
    #: Path indices from the worst P&L up.
    worst: np.ndarray


def portfolio_stress(scenarios, weights, level: float = 0.01, n_worst: int = 10) -> StressResult:
    """VaR, ES, component ES, drawdowns and worst paths of a buy-and-hold portfolio.

    ``scenarios``: ``(paths, days, assets)`` log returns; ``weights``: money per asset (or
    fractions), one per asset; ``level``: the tail probability."""
    s = _array(scenarios, "scenarios", np.float64, ndim=(3,))
    w = _array(weights, "weights", np.float64, ndim=(1,))
    paths, days, k = s.shape
    if w.size != k:
        raise _bad(f"weights has {w.size} values but the scenarios have {k} assets", TGFL_ERR_SHAPE)
    var, es = c_double(), c_double()
    component = np.empty(k, dtype=np.float64)
    pnl, drawdowns = np.empty(paths, dtype=np.float64), np.empty(paths, dtype=np.float64)
    n = max(0, min(_int32(n_worst, "n_worst"), paths))
    worst = np.empty(max(n, 1), dtype=np.int32)
    _check(_portfolio_stress(_ptr(s, c_double), _int32(paths, "n_paths"), _int32(days, "horizon"), _int32(k, "n_assets"),
                             _ptr(w, c_double), _float(level, "level"), byref(var), byref(es), _ptr(component, c_double),
                             _ptr(pnl, c_double), _ptr(drawdowns, c_double), n, _ptr(worst, c_int32)))
    return StressResult(var.value, es.value, component, pnl, drawdowns, worst[:n])


__all__ = ["JointModel", "StressResult", "portfolio_stress"]
