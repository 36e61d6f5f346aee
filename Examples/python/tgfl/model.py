"""Pythonic wrappers over the C ABI: ``Model``, the parameter dataclasses, ``evaluate``.

Every failed C call raises ``TgflError(status, message)`` with the library's message.
Arrays go in as anything NumPy reads (ndarrays of any layout, lists, pandas Series): a
C-contiguous array of the right dtype is handed to the library without a copy; any other is
copied and converted when no value changes beyond the target type's rounding (float32 → float64,
int64 → int32 within range, big-endian → native, strided → contiguous) and rejected with a
``TgflError`` naming the first bad element otherwise (an integer out of range, a fraction where
integers are expected, text). Long calls show a tqdm progress bar and stop on Ctrl-C.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import threading
import warnings
from ctypes import POINTER, byref, c_double, c_float, c_int32, c_size_t, c_void_p
from dataclasses import dataclass, field, fields
from typing import Callable, Optional, Sequence, Union

import numpy as np

from . import _lib
from ._lib import (STATUS_NAMES, TGFL_ERR_CANCELLED, TGFL_ERR_INVALID_ARGUMENT,
                   TGFL_ERR_OUT_OF_RANGE, TGFL_ERR_SHAPE, TGFL_OK)
from ._run import ProgressBar, TgflDataWarning, run_cancellable
from .results import EvaluationResult, FederatedHistory, TrainingHistory


class TgflError(Exception):
    """A failed TGFL call: ``status`` is the negative TGFL_ERR_* code, ``message`` says why."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{STATUS_NAMES.get(status, status)}: {message}")
        self.status = status
        self.message = message


def _check(status: int, message: Optional[str] = None) -> None:
    """Raises TgflError for a non-OK status, with ``message`` or tgfl_last_error() of this thread."""
    if status != TGFL_OK:
        if message is None:
            raw = _lib.tgfl_last_error()
            message = raw.decode("utf-8", "replace") if raw else ""
        raise TgflError(status, message)


def _bad(message: str, status: int = TGFL_ERR_INVALID_ARGUMENT) -> TgflError:
    return TgflError(status, message)


# ---------------------------------------------------------------------------------------
# Arrays
# ---------------------------------------------------------------------------------------

def _array(value, name: str, dtype, ndim: Optional[Sequence[int]] = None) -> np.ndarray:
    """``value`` as a C-contiguous array of ``dtype``, copied only when it must be.

    A C-contiguous ndarray of ``dtype`` (native byte order) is returned as it is. Anything else
    (another layout, dtype or byte order, a list, a pandas Series) is converted by
    ``_convert_exactly``, which refuses conversions that would change a value beyond the target
    type's rounding. A wrong number of dimensions raises TgflError (TGFL_ERR_SHAPE).
    """
    if value is None:
        raise _bad(f"{name} is None")
    target = np.dtype(dtype)
    if isinstance(value, np.ndarray) and value.dtype == target and value.flags["C_CONTIGUOUS"]:
        array = value
    else:
        array = _convert_exactly(value, name, target)
    if ndim is not None and array.ndim not in ndim:
        raise _bad(f"{name} must have {' or '.join(map(str, ndim))} dimension(s), got shape {array.shape}",
                   TGFL_ERR_SHAPE)
    return array


def _convert_exactly(value, name: str, target: np.dtype) -> np.ndarray:
    """``value`` as a new C-contiguous array of ``target``, refusing lossy conversions.

    Refused (TgflError naming the first bad element): text or objects, booleans, an integer
    outside the target's range, a fractional or non-finite number where integers are expected,
    a float beyond float32's range. Floats narrowed to float32 are rounded to nearest.
    """
    try:
        raw = np.asarray(value)
        if raw.dtype.kind == "O":      # e.g. Python ints beyond 64 bits
            raw = np.asarray(value, dtype=np.float64 if target.kind == "f" else np.int64)
    except (TypeError, ValueError, OverflowError) as error:
        raise _bad(f"{name} cannot be read as {target.name} values: {error}") from error
    if raw.dtype.kind not in "biuf":
        raise _bad(f"{name} cannot be read as {target.name} values: it holds {raw.dtype.name} data")
    if raw.dtype.kind == "b" and target.kind != "b":
        raise _bad(f"{name} holds booleans; pass numbers")
    flat = raw.reshape(-1)
    if target.kind in "iu":
        info = np.iinfo(target)
        if raw.dtype.kind == "f":
            bad = ~np.isfinite(flat) | (flat != np.floor(flat))
            if bad.any():
                i = int(np.argmax(bad))
                raise _bad(f"{name}[{i}] = {flat[i].item()!r} is not a whole number; {name} must hold integers")
        bad = (flat < info.min) | (flat > info.max)
        if bad.any():
            i = int(np.argmax(bad))
            raise _bad(f"{name}[{i}] = {flat[i].item()!r} is outside the {target.name} range "
                       f"{info.min} ... {info.max}")
    elif target.kind == "f" and target.itemsize < 8:
        wide = flat.astype(np.float64)
        bad = np.isfinite(wide) & (np.abs(wide) > np.finfo(target).max)
        if bad.any():
            i = int(np.argmax(bad))
            raise _bad(f"{name}[{i}] = {wide[i].item()!r} is beyond the {target.name} range (±{np.finfo(target).max:.4g})")
    return np.ascontiguousarray(raw, dtype=target)


def _ptr(array: np.ndarray, ctype):
    return array.ctypes.data_as(POINTER(ctype))


# ---------------------------------------------------------------------------------------
# Configs and parameters (defaults equal the C *_default_params())
# ---------------------------------------------------------------------------------------

@dataclass
class ModelConfig:
    """Mirrors ``tgfl_model_config`` (the "small" config by default)."""
    vocab_size: int = 512
    context_length: int = 128
    d_model: int = 64
    n_layers: int = 4
    n_heads: int = 4
    d_ff: int = 256
    n_regimes: int = 4
    #: 1: standardized-return tokens, regimes given or replayed; 2: volatility-scaled tokens with a
    #: GJR-GARCH volatility state (clustering, leverage, its own regime dynamics; README "Model v2").
    model_version: int = 1
    #: S, the volatility levels of a v2 model (ignored by v1).
    n_volatility_levels: int = 16

    def _to_c(self) -> _lib.tgfl_model_config:
        c = _lib.tgfl_model_config()
        for f in fields(self):
            setattr(c, f.name, _int32(getattr(self, f.name), f.name))
        return c

    @classmethod
    def _from_c(cls, c: _lib.tgfl_model_config) -> "ModelConfig":
        return cls(**{f.name: getattr(c, f.name) for f in fields(cls)})


@dataclass
class Progress:
    """One progress report (``tgfl_progress``); ``kind`` is "train", "federated", "generate" or "backtest"."""
    kind: str
    step: int
    total: int
    epoch: int
    train_loss: float
    val_loss: float
    tokens_per_second: float
    elapsed_seconds: float
    eta_seconds: float


@dataclass
class TrainParams:
    """Mirrors ``tgfl_train_params`` (defaults of ``tgfl_train_default_params()``).

    ``keep_best`` (default True): end with the parameters of the evaluation with the lowest
    validation loss (model selection, as Keras' ``restore_best_weights``; on by default because a
    network trained on one series overfits within a few dozen steps). ``output_prior``: a fresh model
    starts from the data's token frequencies. ``allow_prices``: no warning for a series that
    looks like prices. ``precision``: ``"fp32"`` (default) or ``"bf16"``, the training products'
    arithmetic (bfloat16 operands with float32 sums, as PyTorch's CPU autocast; native on CPUs with
    AVX512_BF16, emulated elsewhere); parameters and optimizer state stay float32.
    ``rematch_dependence`` (default False; ``tgfl train --rematch-dependence``): model v2 only,
    after training choose the recursion of unconditional generation again on pilot paths of the
    trained model (keeping the current one unless the gain exceeds the pilots' noise, and refusing
    candidates that fatten the pilots' tails); needs a training span of at least 250 days.
    """
    steps: int = 300
    batch_size: int = 32
    seq_len: int = 0
    learning_rate: float = 1e-3
    min_learning_rate: float = 1e-4
    warmup_steps: int = 20
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    val_fraction: float = 0.2
    eval_every: int = 25
    patience: int = 0
    seed: int = 42
    n_threads: int = 0
    output_prior: bool = True
    keep_best: bool = True
    allow_prices: bool = False
    precision: str = "fp32"
    rematch_dependence: bool = False


@dataclass
class FederatedConfig:
    """Mirrors ``tgfl_federated_params``; ``strategy``/``partition`` take names or enum values.

    Strategy hyperparameters left as None take the strategy's (Flower's) default
    (FedProx ``proximal_mu`` = 0.0). With ``dp_noise_multiplier`` > 0 the strategy must be
    mean-based (fedavg, fedprox, fedavgm, fedadagrad, fedadam, fedyogi); ``dp_sampling`` is
    ``"poisson"`` (default; add/remove neighbours) or ``"fixed"`` (m without replacement;
    replace-one neighbours).

    ``keep_best`` ends with the global weights of the round with the lowest validation loss;
    ``dropout_probability`` and ``straggler_*`` simulate failing clients; ``checkpoint_every``
    rounds a resumable checkpoint goes to ``checkpoint_path``, and ``resume_from`` continues
    such a run. ``n_byzantine`` clients (ids 0, 1, ...) send attacked updates
    (``byzantine_attack``: "sign_flip", "scaled" or "gaussian_noise", with ``byzantine_param``).

    Where a fresh model's data models (volatility filter, levels, regimes, tokenizer, output
    prior) come from: by default the clients' summaries, shared in the clear (epsilon covers the
    rounds only). ``data_models_from`` fits them on PUBLIC data instead: a bundled series name
    (``"djia"`` or ``"bundled:djia[:COLUMN]"``, as ``tgfl federate --data-models-from``) or an
    array of public log returns; ``dp_summaries_noise`` > 0 releases the clients' summaries
    through a Gaussian mechanism with that noise multiplier, composed into epsilon (needs
    ``dp_noise_multiplier`` and partition "time" or "natural"). Either way the federation
    record's ``privacy.epsilon_covers`` says the data models are covered.

    ``dp_volatility_noise`` > 0 (``tgfl federate --dp-volatility-noise``) calibrates the volatility
    level of generation to the public series' variance times the clients' own log-σ ratio to it
    on the same dates, released through a Gaussian mechanism with that multiplier and composed
    into epsilon (the record's ``privacy.volatility_level``). It needs ``dp_noise_multiplier``, a
    dated public source (a bundled name; or public returns with ``public_dates``, or a pandas
    Series with a DatetimeIndex), dated series (``train_federated(..., dates=...)`` or pandas
    DatetimeIndexes) and partition "time" or "natural". ``dp_volatility_bound`` (``tgfl federate
    --dp-volatility-bound``; None = the default 0.25) is the box h of that release: each client's
    log-σ ratio and the released level are clamped to ±h and the noise std on the sum is
    ``dp_volatility_noise`` · h, so epsilon does not depend on h; a narrower box is less noise and
    more clamping. Choose it from PUBLIC data only (``Benchmarks/privacy_level_bound.py``; the
    README's recommended setting uses 0.175). It must be positive and finite, and needs
    ``dp_volatility_noise`` > 0.

    ``public_mean_term`` (default True; ``tgfl federate --[no-]public-mean-term``): with a public
    ``data_models_from`` and a v2 model, an MA(1) mean term fitted on the public returns alone
    is applied to the generated returns (the lag-1 mean reversion DP networks do not learn);
    public data only, so epsilon is unchanged (the record's ``mean_term``). False: returns as
    the network draws them. Ignored without public data.

    ``public_z_marginal`` (default True; ``tgfl federate --[no-]public-z-marginal``): with a
    public ``data_models_from`` and a v2 model, the pooled z of unconditional generation is
    mapped monotonically onto the public series' z marginal after the rounds, and the
    volatility level is calibrated again (the DP network's one-day z marginal moves with the
    noise); public data only, so epsilon is unchanged (the training history's ``z_marginal``).
    False: z as drawn. Ignored without public data.

    ``rematch_dependence`` (default False; ``tgfl federate --rematch-dependence``): model v2 only,
    the trained global model's recursion of unconditional generation is chosen again on its own
    pilot paths against the clients' 250-day chunks (as ``TrainParams.rematch_dependence``). It
    needs a run without DP (``dp_noise_multiplier`` 0): the chunk curves are not covered by epsilon.
    """
    strategy: Union[str, int] = "fedavg"
    partition: Union[str, int] = "time"
    partition_param: Optional[float] = None
    n_clients: int = 8
    rounds: int = 30
    local_steps: int = 10
    batch_size: int = 32
    seq_len: int = 0
    learning_rate: float = 1e-3
    val_fraction: float = 0.2
    fraction_train: float = 1.0
    min_train_nodes: int = 2
    proximal_mu: Optional[float] = None
    server_learning_rate: Optional[float] = None
    server_momentum: Optional[float] = None
    eta: Optional[float] = None
    eta_l: Optional[float] = None
    beta_1: Optional[float] = None
    beta_2: Optional[float] = None
    tau: Optional[float] = None
    trim_beta: Optional[float] = None
    q: Optional[float] = None
    num_malicious_nodes: Optional[int] = None
    num_nodes_to_select: Optional[int] = None
    dp_noise_multiplier: float = 0.0
    dp_clip_norm: float = 1.0
    dp_delta: float = 1e-5
    secure_aggregation: bool = False
    seed: int = 42
    n_threads: int = 0
    dp_sampling: Union[str, int] = "poisson"
    output_prior: bool = True
    keep_best: bool = False
    allow_prices: bool = False
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    fraction_evaluate: float = 1.0
    min_evaluate_nodes: Optional[int] = None
    min_partition_windows: int = 1
    max_validation_windows: int = 64
    report_local_validation: bool = True
    dropout_probability: float = 0.0
    straggler_deadline: Optional[float] = None
    straggler_base_time: float = 1.0
    straggler_spread: float = 0.5
    checkpoint_every: int = 0
    checkpoint_path: Optional[Union[str, os.PathLike]] = None
    resume_from: Optional[Union[str, os.PathLike]] = None
    min_available_nodes: Optional[int] = None
    n_byzantine: int = 0
    byzantine_attack: Union[str, int] = "sign_flip"
    byzantine_param: float = 1.0
    data_models_from: Union[str, Sequence[float], np.ndarray, None] = None
    dp_summaries_noise: float = 0.0
    public_dates: Optional[Sequence] = None
    dp_volatility_noise: float = 0.0
    dp_volatility_bound: Optional[float] = None
    public_mean_term: bool = True
    public_z_marginal: bool = True
    rematch_dependence: bool = False


def _train_params(p: "TrainParams"):
    """The C ``tgfl_train_params`` of checked ``TrainParams`` (no progress callback yet)."""
    c = _lib.tgfl_train_default_params()
    for name in ("steps", "batch_size", "seq_len", "warmup_steps", "eval_every", "patience", "n_threads"):
        setattr(c, name, _int32(getattr(p, name), name))
    for name in ("learning_rate", "min_learning_rate", "weight_decay", "grad_clip", "val_fraction"):
        setattr(c, name, _float(getattr(p, name), name))
    c.seed = _uint64(p.seed, "seed")
    c.output_prior = _bool(p.output_prior, "output_prior")
    c.keep_best = _bool(p.keep_best, "keep_best")
    c.allow_prices = True  # the binding warns itself, at the caller's line
    precisions = {"fp32": 0, "bf16": 1}  # tgfl_precision
    if p.precision not in precisions:
        raise ValueError(f"precision must be 'fp32' or 'bf16', got {p.precision!r}")
    c.precision = precisions[p.precision]
    c.rematch_dependence = 1 if _bool(p.rematch_dependence, "rematch_dependence") else 0
    return c


def _data_models_source(c, source):
    """Sets ``data_models_from`` (a bundled name) or ``public_returns`` (an array) on the C
    params; returns the array the C struct points into (keep it alive during the call)."""
    if source is None:
        return None
    if isinstance(source, (str, bytes)):
        name = source.decode() if isinstance(source, bytes) else source
        if not name:
            raise _bad("data_models_from is empty; give a bundled series name such as 'djia', or public returns")
        c.data_models_from = name.encode()
        return None
    array = _array(source, "data_models_from", np.float64, ndim=(1,))
    c.public_returns = _ptr(array, c_double)
    c.public_returns_length = array.size
    return array


def _yyyymmdd(value, name: str) -> np.ndarray:
    """Dates as the C ABI's int32 yyyymmdd: numpy datetime64 (any unit), a pandas DatetimeIndex
    or Series of timestamps, ``datetime.date`` objects, ``"YYYY-MM-DD"`` strings, or integers
    already written yyyymmdd (the library checks that each is a calendar day and that they
    increase)."""
    if type(value).__name__ in ("DatetimeIndex", "Series", "Index"):
        value = value.to_numpy()
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise _bad(f"{name} cannot be read as dates: {error}") from error
    if raw.ndim != 1:
        raise _bad(f"{name} must have 1 dimension (one date per return), got shape {raw.shape}", TGFL_ERR_SHAPE)
    if raw.dtype.kind in "iu":
        return _array(raw, name, np.int32, ndim=(1,))
    if raw.dtype.kind in "bfc":
        raise _bad(f"{name} holds {raw.dtype.name} values; give dates (numpy datetime64, pandas timestamps, "
                   "'YYYY-MM-DD' strings) or integers written yyyymmdd")
    try:
        days = raw.astype("datetime64[D]")
    except (TypeError, ValueError) as error:
        raise _bad(f"{name} cannot be read as dates: {error}") from error
    missing = np.isnat(days)
    if missing.any():
        raise _bad(f"{name}[{int(np.argmax(missing))}] is NaT (a missing date); give one date per return")
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    mdays = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    return _array(years * 10_000 + months * 100 + mdays, name, np.int32, ndim=(1,))


def _has_dates(value) -> bool:
    """True for a pandas object indexed by dates."""
    return type(getattr(value, "index", None)).__name__ == "DatetimeIndex"


def _federated_dates(c, dates, series: list, arrays: list, cfg, public):
    """Sets ``series_dates``/``public_dates``, ``dp_volatility_noise`` and ``dp_volatility_bound`` on the C params; returns
    what the C struct points into (keep it alive during the call).

    ``dates``: one date array per series (see ``_yyyymmdd``), or None; with the volatility
    release on and no ``dates``, series indexed by dates (pandas) give their own. Likewise the
    public dates: ``cfg.public_dates``, or the DatetimeIndex of a pandas ``data_models_from``.
    """
    wanted = _float(cfg.dp_volatility_noise, "dp_volatility_noise")
    c.dp_volatility_noise = wanted
    if cfg.dp_volatility_bound is not None:
        bound = _float(cfg.dp_volatility_bound, "dp_volatility_bound")
        if not (math.isfinite(bound) and bound > 0):
            raise _bad(f"dp_volatility_bound must be positive and finite, got {bound!r} (None = the default 0.25)",
                       TGFL_ERR_OUT_OF_RANGE)
        if not wanted > 0:
            raise _bad("dp_volatility_bound is the box of the noised volatility level: it needs "
                       "dp_volatility_noise > 0")
        c.dp_volatility_bound = bound
    keep = []
    if dates is None and wanted > 0:
        if not all(_has_dates(s) for s in series):
            raise _bad("dp_volatility_noise compares each client's returns with the public series' on the same "
                       "dates, but the series have none: give dates=[...] (one date array per series, one date per "
                       "return) or pandas Series indexed by dates")
        dates = [s.index for s in series]
    if dates is not None:
        if isinstance(dates, (str, bytes)) or (isinstance(dates, np.ndarray) and dates.ndim == 1) \
                or type(dates).__name__ in ("DatetimeIndex", "Series"):
            raise _bad("dates must be a list with one date array per series, not one array; wrap it: [dates]",
                       TGFL_ERR_SHAPE)
        dates = list(dates)
        if len(dates) != len(arrays):
            raise _bad(f"dates has {len(dates)} date arrays but series has {len(arrays)}; give one per series",
                       TGFL_ERR_SHAPE)
        converted = [_yyyymmdd(d, f"dates[{i}]") for i, d in enumerate(dates)]
        for i, (d, a) in enumerate(zip(converted, arrays)):
            if d.size != a.size:
                raise _bad(f"dates[{i}] has {d.size} dates but series[{i}] has {a.size} returns; give one date per "
                           "return (the day of its close)", TGFL_ERR_SHAPE)
        keep.append(converted)
        c.series_dates = (POINTER(c_int32) * len(converted))(*[_ptr(d, c_int32) for d in converted])
        c.series_dates_lengths = (c_size_t * len(converted))(*[d.size for d in converted])
    public_dates = cfg.public_dates
    source = cfg.data_models_from
    if public_dates is None and wanted > 0 and not isinstance(source, (str, bytes)) and _has_dates(source):
        public_dates = source.index
    if public_dates is not None:
        converted = _yyyymmdd(public_dates, "public_dates")
        if public is not None and converted.size != public.size:
            raise _bad(f"public_dates has {converted.size} dates but data_models_from has {public.size} returns; "
                       "give one date per public return", TGFL_ERR_SHAPE)
        keep.append(converted)
        c.public_dates = _ptr(converted, c_int32)
        c.public_dates_length = converted.size
    return keep


@dataclass
class GenerateParams:
    """Mirrors ``tgfl_generate_params`` (defaults of ``tgfl_generate_default_params()``)."""
    n_paths: int = 100
    horizon: int = 250
    regime: Union[int, str] = 1
    regime_path: Optional[Sequence[Union[int, str]]] = None
    prompt: Optional[np.ndarray] = None
    temperature: float = 1.0
    seed: int = 42
    n_threads: int = 0


def _int32(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise _bad(f"{name} must be an integer, got {value!r}")
    if not -2**31 <= int(value) < 2**31:
        raise _bad(f"{name} = {value} does not fit in int32", TGFL_ERR_OUT_OF_RANGE)
    return int(value)


def _uint64(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= int(value) < 2**64:
        raise _bad(f"{name} must be an integer in [0, 2**64), got {value!r}", TGFL_ERR_OUT_OF_RANGE)
    return int(value)


def _float(value, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise _bad(f"{name} must be a number, got {value!r}") from error


def _enum(value, names: list, what: str) -> int:
    """An enum given by name (case-insensitive) or by int (range-checked by the library)."""
    if isinstance(value, str):
        key = value.lower().replace("-", "_")
        if key not in names:
            raise _bad(f"unknown {what} {value!r}; valid: {', '.join(names)}", TGFL_ERR_OUT_OF_RANGE)
        return names.index(key)
    return _int32(value, what)


# ---------------------------------------------------------------------------------------
# Progress callbacks
# ---------------------------------------------------------------------------------------

_KIND_NAMES = {_lib.TGFL_PROGRESS_TRAIN: "train", _lib.TGFL_PROGRESS_FEDERATED: "federated",
               _lib.TGFL_PROGRESS_GENERATE: "generate", _lib.TGFL_PROGRESS_BACKTEST: "backtest"}


ProgressOption = Union[bool, None, Callable[[Progress], Optional[bool]]]


class _Callback:
    """The C progress callback of one long call: a bar, a history, the user's function, Ctrl-C.

    ``progress`` is True (a tqdm bar), False/None (nothing shown) or a function that receives
    each ``Progress`` and returns False to cancel (None or True go on). An exception raised
    inside it cancels the C call and is re-raised afterwards. The callback is always installed,
    so that Ctrl-C (``cancel``) stops the call within one step whatever ``progress`` is.
    """

    def __init__(self, progress: ProgressOption, kind: str = "train", total: int = 0, history=None):
        if progress is not None and not isinstance(progress, bool) and not callable(progress):
            raise _bad(f"progress must be True, False or a function of tgfl.Progress, got {progress!r}")
        self.function = progress if callable(progress) else None
        self.bar = ProgressBar(kind, total) if progress is True else None
        self.history = history
        self.cancel = threading.Event()
        self.error: Optional[BaseException] = None
        self.lock = threading.Lock()
        self.c_function = _lib.tgfl_progress_callback(self._call)

    def _call(self, progress_pointer, _user_data) -> bool:
        with self.lock:
            if self.error is not None or self.cancel.is_set():
                return False
            try:
                p = progress_pointer.contents
                report = Progress(_KIND_NAMES.get(p.kind, str(p.kind)), p.step, p.total, p.epoch,
                                  p.train_loss, p.val_loss, p.tokens_per_second, p.elapsed_seconds,
                                  p.eta_seconds)
                if self.history is not None:
                    self.history._add(report)
                if self.bar is not None:
                    self.bar(report)
                if self.function is not None:
                    return self.function(report) is not False
                return True
            except BaseException as error:  # noqa: BLE001 — re-raised after the C call
                self.error = error
                return False

    def run(self, call: Callable[[], int]) -> None:
        """Runs the C call (Ctrl-C cancels it), then raises the callback's exception or a TgflError."""
        try:
            status, message = run_cancellable(call, self.cancel)
        finally:
            if self.bar is not None:
                self.bar.close()
        if self.history is not None:
            self.history.cancelled = status == TGFL_ERR_CANCELLED
        if self.error is not None and status == TGFL_ERR_CANCELLED:
            error, self.error = self.error, None
            raise error
        _check(status, message)  # a function that returned False: TgflError(TGFL_ERR_CANCELLED)


def _warn_if_prices(values: np.ndarray, name: str) -> None:
    """Warns (TgflDataWarning, at the caller's line) when ``values`` look like prices."""
    out = c_void_p()
    verdict = _lib.tgfl_check_returns(_ptr(values, c_double), values.size, byref(out))
    if verdict == 1:
        try:
            message = ctypes.string_at(out.value).decode("utf-8").replace("series 'values'", f"series '{name}'")
        finally:
            _lib.tgfl_string_free(out)
        warnings.warn(message, TgflDataWarning, stacklevel=3)


# ---------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------

class Model:
    """A TGFL scenario model (``tgfl_model *``): create or load, train, generate, save.

    Free it with ``close()`` or a ``with`` block; it is also freed when garbage collected.
    One model runs one call at a time (the library serialises them); distinct models may be
    used from different threads at once.
    """

    def __init__(self, handle: int):
        self._handle: Optional[int] = handle

    # -- lifecycle ----------------------------------------------------------------------

    @classmethod
    def create(cls, config: Optional[ModelConfig] = None, seed: int = 0) -> "Model":
        """A model with GPT-2 initial weights drawn from ``seed``."""
        if config is None:
            config = ModelConfig()
        elif isinstance(config, dict):
            config = ModelConfig(**config)
        elif not isinstance(config, ModelConfig):
            raise _bad(f"config must be a tgfl.ModelConfig (or a dict of its fields), got {type(config).__name__}")
        c_config = config._to_c()
        handle = c_void_p()
        _check(_lib.tgfl_model_create(byref(c_config), _uint64(seed, "seed"), byref(handle)))
        return cls(handle.value)

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "Model":
        """Loads an HDF5 checkpoint."""
        handle = c_void_p()
        _check(_lib.tgfl_model_load(_path(path), byref(handle)))
        return cls(handle.value)

    def close(self) -> None:
        """Frees the model; later calls raise TgflError. Closing twice is harmless."""
        handle, self._handle = self._handle, None
        if handle is not None and _lib is not None and _lib.tgfl_model_free is not None:
            _lib.tgfl_model_free(handle)

    free = close

    def __enter__(self) -> "Model":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 — interpreter shutdown
            pass

    @property
    def closed(self) -> bool:
        """True once ``close()`` freed the model."""
        return self._handle is None

    def _h(self) -> int:
        if self._handle is None:
            raise _bad("the model was closed (freed); create or load a new one")
        return self._handle

    def __repr__(self) -> str:
        if self._handle is None:
            return "<tgfl.Model closed>"
        return f"<tgfl.Model {self.config} n_params={self.n_params}>"

    # -- checkpoints, config, parameters ------------------------------------------------

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Saves an HDF5 checkpoint atomically."""
        _check(_lib.tgfl_model_save(self._h(), _path(path)))

    @property
    def config(self) -> ModelConfig:
        """The model's hyperparameters (``tgfl_model_get_config``)."""
        c = _lib.tgfl_model_config()
        _check(_lib.tgfl_model_get_config(self._h(), byref(c)))
        return ModelConfig._from_c(c)

    @property
    def n_params(self) -> int:
        """The number of float32 parameters (the length of ``parameters()``)."""
        n = _lib.tgfl_model_n_params(self._h())
        if n < 0:
            _check(int(n))
        return int(n)

    def parameters(self) -> np.ndarray:
        """A copy of the flat float32 parameter vector (ParameterLayout order)."""
        out = np.empty(self.n_params, dtype=np.float32)
        _check(_lib.tgfl_model_get_params(self._h(), _ptr(out, c_float), out.size))
        return out

    def set_parameters(self, values) -> None:
        """Replaces the flat parameter vector (float32, length n_params, all finite)."""
        array = _array(values, "values", np.float32, ndim=(1,))
        _check(_lib.tgfl_model_set_params(self._h(), _ptr(array, c_float), array.size))

    def regime_index(self, name: Union[str, int]) -> int:
        """The index of a regime given by name ("crisis") or index."""
        if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
            name = str(int(name))
        if not isinstance(name, str):
            raise _bad(f"regime must be a name or an index, got {name!r}")
        index = _lib.tgfl_model_regime_index(self._h(), name.encode("utf-8"))
        if index < 0:
            _check(index)
        return int(index)

    def regime_name(self, index: int) -> str:
        """The name of regime ``index``."""
        index = _int32(index, "index")
        name = _lib.tgfl_model_regime_name(self._h(), index)
        if name is None:
            message = (_lib.tgfl_last_error() or b"").decode("utf-8", "replace")
            in_range = 0 <= index < self.config.n_regimes
            raise TgflError(_lib.TGFL_ERR_STATE if in_range else TGFL_ERR_OUT_OF_RANGE, message)
        return name.decode("utf-8")

    @property
    def federation(self) -> Optional[dict]:
        """The federation record saved with the model (a dict), or None after central training.

        ``train_federated`` writes it (strategy, rounds, clients, ε/δ); an outside engine sets
        its own, e.g. a Flower ServerApp: ``model.federation = {"engine": "flower",
        "strategy": "FedAvg", "rounds": 3, "nodes": 2}``. ``None`` clears it.
        """
        out = c_void_p()
        _check(_lib.tgfl_model_get_federation(self._h(), byref(out)))
        if not out.value:
            return None
        try:
            return json.loads(ctypes.string_at(out.value).decode("utf-8"))
        finally:
            _lib.tgfl_string_free(out)

    @federation.setter
    def federation(self, record: Optional[dict]) -> None:
        if record is None:
            _check(_lib.tgfl_model_set_federation(self._h(), None))
            return
        if not isinstance(record, dict):
            raise _bad(f"federation must be a dict (a JSON object) or None, got {type(record).__name__}")
        try:
            text = json.dumps(record, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise _bad(f"federation is not JSON-serialisable: {error}") from error
        _check(_lib.tgfl_model_set_federation(self._h(), text.encode("utf-8")))

    def _regime(self, regime) -> int:
        return self.regime_index(regime) if isinstance(regime, str) else _int32(regime, "regime")

    # -- training ------------------------------------------------------------------------

    def train(self, returns, params: Optional[TrainParams] = None, progress: ProgressOption = True,
              init: Union[str, os.PathLike, None] = None, reset_prior: bool = False,
              **overrides) -> TrainingHistory:
        """Trains on one series of daily log returns; returns the ``TrainingHistory``.

        ``returns``: a 1-D array, list or pandas Series of daily log returns, ln(P_t / P_{t-1})
        (not prices: a series that looks like prices gives a ``TgflDataWarning`` unless
        ``allow_prices=True``). ``overrides`` set TrainParams fields directly:
        ``model.train(r, steps=50, keep_best=True)``. ``progress``: True shows a tqdm bar,
        False nothing, a function receives each ``Progress`` (return False or raise to stop:
        TgflError TGFL_ERR_CANCELLED). Ctrl-C stops the run after the current step (the model
        keeps that step's weights) and raises KeyboardInterrupt.

        ``init``: fine-tune a pretrained model v2 (``Model.pretrain``, ``tgfl pretrain``), as
        ``tgfl train --init BASE [--reset-prior]``: this model is replaced by the checkpoint
        ``init`` (its config, network and tokenizer), whose volatility filter, levels and
        regimes are refitted on the training span of ``returns`` (``reset_prior``: and its level
        priors set from those days) before training.
        """
        series = _array(returns, "returns", np.float64, ndim=(1,))
        p = _params(params or TrainParams(), overrides, TrainParams)
        c = _train_params(p)
        if not _bool(p.allow_prices, "allow_prices"):
            _warn_if_prices(series, _series_name(returns, "returns"))
        if init is not None:
            self._replace_by_adapted(init, series, 1.0 - c.val_fraction, _bool(reset_prior, "reset_prior"))
        elif reset_prior:
            raise _bad("reset_prior applies to init= only (fine-tuning a pretrained model)")
        history = TrainingHistory()
        callback = _Callback(progress, "train", c.steps, history)
        c.progress = callback.c_function
        handle = self._h()
        callback.run(lambda: _lib.tgfl_model_train(handle, _ptr(series, c_double), series.size, byref(c)))
        return history

    def _replace_by_adapted(self, path, series: np.ndarray, train_fraction: float, reset_prior: bool) -> None:
        """Loads the checkpoint ``path``, adapts its data models to ``series`` and makes it this model."""
        base = Model.load(path)
        try:
            _check(_lib.tgfl_model_adapt_data_models(base._h(), _ptr(series, c_double), series.size,
                                                     train_fraction, reset_prior))
        except BaseException:
            base.close()
            raise
        self.close()
        self._handle, base._handle = base._handle, None

    def pretrain(self, corpus, params: Optional[TrainParams] = None, progress: ProgressOption = True,
                 **overrides) -> TrainingHistory:
        """Pretrains this FRESH model v2 on many series (``tgfl pretrain``); returns the history.

        ``corpus``: a dict name → 1-D log returns, a list of such series, or a DataFrame (one
        column per series). Every series is standardised by its own volatility filter and
        tokenized with one shared tokenizer; validation on the last ``val_fraction`` of each.
        The names go to the checkpoint's ``pretraining`` record. ``tgfl pretrain`` trains with
        ``keep_best=True``, ``min_learning_rate=learning_rate/10``, ``warmup_steps=min(50, steps)``
        and ``eval_every=max(1, min(100, steps // 10))``. Fine-tune the result with
        ``model.train(returns, init=path)``.
        """
        if _is_frame(corpus):
            corpus = {str(column): corpus[column].dropna() for column in corpus.columns}
        if isinstance(corpus, dict):
            names, values = [str(k) for k in corpus], list(corpus.values())
        elif corpus is None or isinstance(corpus, (str, bytes)) or (isinstance(corpus, np.ndarray) and corpus.ndim == 1):
            raise _bad("corpus must be a dict name -> returns, a list of return series or a DataFrame", TGFL_ERR_SHAPE)
        else:
            values = list(corpus)
            names = [_series_name(v, f"series[{i}]") for i, v in enumerate(values)]
        arrays = [_array(v, f"corpus[{name!r}]", np.float64, ndim=(1,)) for name, v in zip(names, values)]
        if not arrays:
            raise _bad("corpus is empty; give at least one return series")
        p = _params(params or TrainParams(), overrides, TrainParams)
        c = _train_params(p)
        if not _bool(p.allow_prices, "allow_prices"):
            for name, array in zip(names, arrays):
                _warn_if_prices(array, name)
        history = TrainingHistory()
        callback = _Callback(progress, "train", c.steps, history)
        c.progress = callback.c_function
        pointers = (POINTER(c_double) * len(arrays))(*[_ptr(a, c_double) for a in arrays])
        lengths = (c_size_t * len(arrays))(*[a.size for a in arrays])
        labels = (ctypes.c_char_p * len(arrays))(*[n.encode() for n in names])
        handle = self._h()
        callback.run(lambda: _lib.tgfl_model_pretrain(handle, pointers, lengths, labels, len(arrays), byref(c)))
        return history

    def train_federated(self, series: Sequence, config: Optional[FederatedConfig] = None,
                        progress: ProgressOption = True, dates: Optional[Sequence] = None,
                        **overrides) -> FederatedHistory:
        """Federated training on several series; returns the ``FederatedHistory``.

        ``series``: a list of 1-D log-return series (arrays, lists or pandas Series), or a
        DataFrame (one column per series). ``history.epsilon`` is the privacy budget spent
        (inf without DP noise). ``progress`` and Ctrl-C as in ``train`` (per round).
        ``dates``: one date array per series, one date per return (the day of its close; numpy
        datetime64, pandas timestamps, ``"YYYY-MM-DD"`` strings or int yyyymmdd), needed by
        ``dp_volatility_noise`` (series indexed by dates give their own); they change nothing else.
        """
        if series is None or isinstance(series, (str, bytes)):
            raise _bad("series must be a list of float64 arrays")
        if isinstance(series, np.ndarray) and series.ndim == 1:
            raise _bad("series must be a list of arrays (one per series), not one 1-D array; "
                       "wrap it: [returns]", TGFL_ERR_SHAPE)
        if _is_frame(series):
            series = [series[column].dropna() for column in series.columns]
        series = list(series)
        arrays = [_array(s, f"series[{i}]", np.float64, ndim=(1,)) for i, s in enumerate(series)]
        if not arrays:
            raise _bad("series is empty; give at least one return series")
        cfg = _params(config or FederatedConfig(), overrides, FederatedConfig)
        c = _lib.tgfl_federated_default_params()
        c.strategy = _enum(cfg.strategy, _lib.STRATEGIES, "strategy")
        c.partition = _enum(cfg.partition, _lib.PARTITIONS, "partition")
        c.partition_param = math.nan if cfg.partition_param is None else _float(cfg.partition_param, "partition_param")
        for name in ("n_clients", "rounds", "local_steps", "batch_size", "seq_len", "min_train_nodes", "n_threads",
                     "min_partition_windows", "max_validation_windows", "checkpoint_every"):
            setattr(c, name, _int32(getattr(cfg, name), name))
        for name in ("learning_rate", "val_fraction", "fraction_train", "dp_noise_multiplier",
                     "dp_clip_norm", "dp_delta", "weight_decay", "grad_clip", "fraction_evaluate",
                     "dropout_probability", "straggler_base_time", "straggler_spread"):
            setattr(c, name, _float(getattr(cfg, name), name))
        for name in ("proximal_mu", "server_learning_rate", "server_momentum", "eta", "eta_l", "beta_1",
                     "beta_2", "tau", "trim_beta", "q"):
            value = getattr(cfg, name)
            setattr(c, name, math.nan if value is None else _float(value, name))
        for name in ("num_malicious_nodes", "num_nodes_to_select"):
            value = getattr(cfg, name)
            setattr(c, name, -1 if value is None else _int32(value, name))
        c.min_evaluate_nodes = 0 if cfg.min_evaluate_nodes is None else _int32(cfg.min_evaluate_nodes,
                                                                               "min_evaluate_nodes")
        c.straggler_deadline = 0.0 if cfg.straggler_deadline is None else _float(cfg.straggler_deadline,
                                                                                 "straggler_deadline")
        c.checkpoint_path = None if cfg.checkpoint_path is None else _path(cfg.checkpoint_path)
        c.resume_from = None if cfg.resume_from is None else _path(cfg.resume_from)
        c.min_available_nodes = 0 if cfg.min_available_nodes is None else _int32(cfg.min_available_nodes,
                                                                                 "min_available_nodes")
        c.n_byzantine = _int32(cfg.n_byzantine, "n_byzantine")
        c.byzantine_attack = _enum(cfg.byzantine_attack, _lib.BYZANTINE_ATTACKS, "byzantine_attack")
        c.byzantine_param = _float(cfg.byzantine_param, "byzantine_param")
        for name in ("secure_aggregation", "output_prior", "keep_best", "report_local_validation"):
            setattr(c, name, _bool(getattr(cfg, name), name))
        if not _bool(cfg.allow_prices, "allow_prices"):
            for i, array in enumerate(arrays):
                _warn_if_prices(array, f"series[{i}]")
        c.allow_prices = True
        c.dp_sampling = _enum(cfg.dp_sampling, _lib.DP_SAMPLINGS, "dp_sampling")
        c.seed = _uint64(cfg.seed, "seed")
        c.dp_summaries_noise = _float(cfg.dp_summaries_noise, "dp_summaries_noise")
        c.public_mean_term = 1 if _bool(cfg.public_mean_term, "public_mean_term") else 0
        c.public_z_marginal = 1 if _bool(cfg.public_z_marginal, "public_z_marginal") else 0
        c.rematch_dependence = 1 if _bool(cfg.rematch_dependence, "rematch_dependence") else 0
        public = _data_models_source(c, cfg.data_models_from)   # the C struct points into it
        dated = _federated_dates(c, dates, series, arrays, cfg, public)   # and into these
        history = FederatedHistory()
        callback = _Callback(progress, "federated", c.rounds, history)
        c.progress = callback.c_function
        pointers = (POINTER(c_double) * len(arrays))(*[_ptr(a, c_double) for a in arrays])
        lengths = (c_size_t * len(arrays))(*[a.size for a in arrays])
        epsilon = c_double()
        handle = self._h()
        callback.run(lambda: _lib.tgfl_model_train_federated(handle, pointers, lengths, len(arrays), byref(c),
                                                             byref(epsilon)))
        history.epsilon = float(epsilon.value)
        del public, dated
        return history

    # -- generation and scoring ----------------------------------------------------------

    def generate(self, n_paths: int = 100, horizon: int = 250, regime: Union[int, str, None] = 1,
                 regime_path=None, prompt=None, temperature: float = 1.0, seed: int = 42,
                 n_threads: int = 0, progress: ProgressOption = False, start=None,
                 start_price: Optional[float] = None):
        """Generates ``n_paths`` scenarios of ``horizon`` days.

        Returns an ndarray ``[n_paths, horizon]`` of daily log returns (one path per row), or,
        with ``start`` (a date: the first scenario day, rolled to a business day) and/or
        ``start_price``, a pandas DataFrame with one column per path (``path_0`` …) and one row
        per day: a business-day DatetimeIndex from ``start`` (else a RangeIndex of days), and
        prices ``start_price · exp(cumulative log return)`` instead of returns when
        ``start_price`` is given.

        ``regime`` is an index or a name ("crisis"); ``regime_path`` gives one regime
        (index or name) per day instead; ``regime=None`` generates unconditionally, each path
        moving between regimes by the model's own volatility dynamics (model v2 only).
        ``prompt``: recent real log returns to continue. ``progress``: False (default) shows
        nothing, True a tqdm bar over paths, a function receives each ``Progress``; Ctrl-C
        stops after the chunk of paths in flight and raises KeyboardInterrupt.
        """
        c, keep = _generate_params(n_paths, horizon, regime, regime_path, prompt, temperature, seed, n_threads,
                                   to_regime=self._regime, prompt_ndim=1)
        if start_price is not None:
            start_price = _float(start_price, "start_price")
            if not (math.isfinite(start_price) and start_price > 0):
                raise _bad(f"start_price must be a positive finite price, got {start_price}", TGFL_ERR_OUT_OF_RANGE)
        index = _business_days(start, c.horizon) if start is not None else None
        callback = _Callback(progress, "generate", c.n_paths)
        c.progress = callback.c_function
        out = np.empty((c.n_paths, c.horizon), dtype=np.float64)
        handle = self._h()
        callback.run(lambda: _lib.tgfl_model_generate(handle, byref(c), _ptr(out, c_double), out.size))
        if start is None and start_price is None:
            return out
        return _paths_frame(out, index, start_price)

    def logits(self, tokens, regimes) -> np.ndarray:
        """Next-token logits ``[B, T, V]`` (float32) for int32 ``tokens`` and ``regimes`` of shape
        ``[B, T]`` (or ``[T]`` for one sequence, giving ``[1, T, V]``)."""
        tok = _array(tokens, "tokens", np.int32, ndim=(1, 2))
        reg = _array(regimes, "regimes", np.int32, ndim=(1, 2))
        if tok.shape != reg.shape:
            raise _bad(f"tokens has shape {tok.shape} but regimes has shape {reg.shape}", TGFL_ERR_SHAPE)
        batch, length = (1, tok.shape[0]) if tok.ndim == 1 else tok.shape
        vocab = self.config.vocab_size
        out = np.empty((batch, length, vocab), dtype=np.float32)
        _check(_lib.tgfl_model_logits(self._h(), _ptr(tok, c_int32), _ptr(reg, c_int32),
                                      _int32(batch, "batch"), _int32(length, "seq_len"),
                                      _ptr(out, c_float), out.size))
        return out

    def log_likelihood(self, returns) -> float:
        """Mean log-likelihood per day (nats) of a log-return series under the model."""
        series = _array(returns, "returns", np.float64, ndim=(1,))
        out = c_double()
        _check(_lib.tgfl_model_log_likelihood(self._h(), _ptr(series, c_double), series.size, byref(out)))
        return float(out.value)


def _generate_params(n_paths, horizon, regime, regime_path, prompt, temperature, seed, n_threads, *,
                     to_regime: Callable, prompt_ndim: int):
    """``tgfl_generate_params`` of a ``generate`` call (single-series or joint), and the arrays
    its pointers refer to (keep them alive until the call returns).

    ``regime_path`` (indices or names, one per day) wins over ``regime``; ``regime=None`` is
    unconditional; names go through ``to_regime``. ``prompt`` has ``prompt_ndim`` dimensions
    (1: days; 2: days × assets).
    """
    c = _lib.tgfl_generate_default_params()
    c.n_paths = _int32(n_paths, "n_paths")
    c.horizon = _int32(horizon, "horizon")
    keep = []
    if regime_path is not None:
        if isinstance(regime_path, (list, tuple)) and any(isinstance(g, str) for g in regime_path):
            regime_path = [to_regime(g) for g in regime_path]
        path = _array(regime_path, "regime_path", np.int32, ndim=(1,))
        if path.size != c.horizon:
            raise _bad(f"regime_path has {path.size} regimes but horizon is {horizon}; give one per day",
                       TGFL_ERR_SHAPE)
        c.regime_path = _ptr(path, c_int32)
        keep.append(path)
    elif regime is None:
        c.unconditional = True
    else:
        c.regime = to_regime(regime)
    if prompt is not None:
        p = _array(prompt, "prompt", np.float64, ndim=(prompt_ndim,))
        c.prompt = _ptr(p, c_double)
        c.prompt_length = p.size
        keep.append(p)
    c.temperature = _float(temperature, "temperature")
    c.seed = _uint64(seed, "seed")
    c.n_threads = _int32(n_threads, "n_threads")
    if c.n_paths < 1 or c.horizon < 1:
        raise _bad(f"n_paths and horizon must be >= 1, got {n_paths} and {horizon}", TGFL_ERR_OUT_OF_RANGE)
    return c, keep


def _path(path) -> bytes:
    if path is None:
        raise _bad("path is None")
    try:
        encoded = os.fsencode(path)
    except TypeError as error:
        raise _bad(f"path must be a str or os.PathLike, got {path!r}") from error
    if b"\0" in encoded:
        raise _bad(f"path {path!r} contains a NUL byte, which would cut it short; remove it")
    return encoded


def _bool(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise _bad(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _is_frame(value) -> bool:
    """True for a pandas DataFrame (without importing pandas for other inputs)."""
    return type(value).__name__ == "DataFrame" and hasattr(value, "columns")


def _series_name(value, default: str) -> str:
    name = getattr(value, "name", None)
    return str(name) if isinstance(name, (str, int)) else default


def _business_days(start, horizon: int):
    """``horizon`` business days from ``start`` (rolled forward to a business day)."""
    import pandas as pd
    try:
        first = pd.Timestamp(start)
    except (TypeError, ValueError) as error:
        raise _bad(f"start must be a date (e.g. '2025-01-02'), got {start!r}") from error
    return pd.bdate_range(start=first, periods=horizon, name="date")


def _paths_frame(returns: np.ndarray, index, start_price: Optional[float]):
    """One column per path; prices from ``start_price`` when given."""
    import pandas as pd
    values = returns.T
    if start_price is not None:
        values = start_price * np.exp(np.cumsum(values, axis=0))
    columns = [f"path_{i}" for i in range(returns.shape[0])]
    frame = pd.DataFrame(values, index=index, columns=columns)
    if index is None:
        frame.index.name = "day"
    return frame


def _params(value, overrides: dict, kind):
    """A copy of the dataclass ``value`` with ``overrides`` applied (unknown names raise)."""
    if not isinstance(value, kind):
        raise _bad(f"expected a {kind.__name__}, got {type(value).__name__}")
    names = {f.name for f in fields(kind)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise _bad(f"unknown {kind.__name__} field(s): {', '.join(unknown)}")
    merged = {f.name: getattr(value, f.name) for f in fields(kind)}
    merged.update(overrides)
    return kind(**merged)


# ---------------------------------------------------------------------------------------
# Evaluation and data
# ---------------------------------------------------------------------------------------

def evaluate(real, synthetic, seed: int = 42) -> EvaluationResult:
    """The stylized-facts report of real log returns vs synthetic paths, as an ``EvaluationResult``.

    ``real``: 1-D log returns (array, list or Series). ``synthetic``: ``[n_paths, horizon]``
    log returns, or the DataFrame of ``Model.generate(start=...)`` (one column per path; not
    prices). ``result.table()`` prints it, ``result.to_frame()`` is one row per fact.
    """
    r = _array(real, "real", np.float64, ndim=(1,))
    if _is_frame(synthetic):
        synthetic = synthetic.to_numpy().T
    s = _array(synthetic, "synthetic", np.float64, ndim=(2,))
    out = c_void_p()
    _check(_lib.tgfl_evaluate(_ptr(r, c_double), r.size, _ptr(s, c_double), _int32(s.shape[0], "n_paths"),
                              _int32(s.shape[1], "horizon"), _uint64(seed, "seed"), byref(out)))
    try:
        text = ctypes.string_at(out.value).decode("utf-8")
    finally:
        _lib.tgfl_string_free(out)
    return EvaluationResult(json.loads(text))


def load_sp500() -> np.ndarray:
    """Daily log returns of the bundled S&P 500 closes, 1999-01-04 … 2018-12-31 (5030 values)."""
    from importlib import resources
    text = resources.files("tgfl").joinpath("sp500.csv").read_text()
    closes = np.array([float(line.split(",")[1]) for line in text.splitlines()[1:] if line.strip()])
    return np.diff(np.log(closes))
