"""Pythonic wrappers over the C ABI: ``Model``, the parameter dataclasses, ``evaluate``.

Every failed C call raises ``TgflError(status, message)`` with the library's message.
Arrays go in and out as NumPy arrays; a C-contiguous array of the right dtype is handed to
the library without a copy, any other array is rejected with a ``TgflError`` (no silent
copy or cast); Python lists are converted.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import threading
from ctypes import POINTER, byref, c_double, c_float, c_int32, c_size_t, c_void_p
from dataclasses import dataclass, field, fields
from typing import Callable, Optional, Sequence, Union

import numpy as np

from . import _lib
from ._lib import (STATUS_NAMES, TGFL_ERR_CANCELLED, TGFL_ERR_INVALID_ARGUMENT,
                   TGFL_ERR_OUT_OF_RANGE, TGFL_ERR_SHAPE, TGFL_OK)


class TgflError(Exception):
    """A failed TGFL call: ``status`` is the negative TGFL_ERR_* code, ``message`` says why."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{STATUS_NAMES.get(status, status)}: {message}")
        self.status = status
        self.message = message


def _check(status: int) -> None:
    """Raises TgflError for a non-OK status, with tgfl_last_error() of this thread."""
    if status != TGFL_OK:
        message = _lib.tgfl_last_error()
        raise TgflError(status, message.decode("utf-8", "replace") if message else "")


def _bad(message: str, status: int = TGFL_ERR_INVALID_ARGUMENT) -> TgflError:
    return TgflError(status, message)


# ---------------------------------------------------------------------------------------
# Arrays
# ---------------------------------------------------------------------------------------

def _array(value, name: str, dtype, ndim: Optional[Sequence[int]] = None) -> np.ndarray:
    """``value`` as a C-contiguous array of ``dtype`` without copying an ndarray.

    Lists and tuples are converted safely: a value that does not fit ``dtype`` exactly
    (an integer outside int32, a fractional number where integers are expected, a float
    beyond float32's range) raises TgflError naming its index instead of wrapping or
    truncating. An ndarray of another dtype or byte order, a non-contiguous one or one with
    the wrong number of dimensions raises TgflError.
    """
    if value is None:
        raise _bad(f"{name} is None")
    target = np.dtype(dtype)
    if isinstance(value, np.ndarray):
        array = value
        if array.dtype != target:
            if array.dtype.kind == target.kind and array.dtype.itemsize == target.itemsize:
                order = "big" if array.dtype.byteorder == ">" else "little"
                raise _bad(f"{name} has dtype {array.dtype.name} in {order}-endian byte order "
                           f"({array.dtype.str!r}), but this machine's native order ({target.str!r}) is needed; "
                           f"convert it with {name}.astype(np.{target.name})")
            raise _bad(f"{name} must have dtype {target.name}, got {array.dtype.name}; "
                       f"convert it with {name}.astype(np.{target.name})")
        if not array.flags["C_CONTIGUOUS"]:
            raise _bad(f"{name} is not C-contiguous; pass np.ascontiguousarray({name})")
    else:
        array = _convert_exactly(value, name, target)
    if ndim is not None and array.ndim not in ndim:
        raise _bad(f"{name} must have {' or '.join(map(str, ndim))} dimension(s), got shape {array.shape}",
                   TGFL_ERR_SHAPE)
    return array


def _convert_exactly(value, name: str, target: np.dtype) -> np.ndarray:
    """A list/tuple as a C-contiguous array of ``target``, refusing lossy conversions."""
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
    """One progress report (``tgfl_progress``); ``kind`` is "train", "federated" or "generate"."""
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
    """Mirrors ``tgfl_train_params`` (defaults of ``tgfl_train_default_params()``)."""
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


@dataclass
class FederatedConfig:
    """Mirrors ``tgfl_federated_params``; ``strategy``/``partition`` take names or enum values.

    Strategy hyperparameters left as None take the strategy's (Flower's) default
    (FedProx ``proximal_mu`` = 0.0). With ``dp_noise_multiplier`` > 0 the strategy must be
    mean-based (fedavg, fedprox, fedavgm, fedadagrad, fedadam, fedyogi); ``dp_sampling`` is
    ``"poisson"`` (default; add/remove neighbours) or ``"fixed"`` (m without replacement;
    replace-one neighbours).
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
               _lib.TGFL_PROGRESS_GENERATE: "generate"}


class _Callback:
    """Wraps a Python progress function as a C callback.

    The function receives a ``Progress`` and returns False to cancel (None or True go on).
    An exception raised inside it cancels the C call; ``reraise`` raises it afterwards.
    """

    def __init__(self, function: Optional[Callable[[Progress], Optional[bool]]]):
        self.function = function
        self.error: Optional[BaseException] = None
        self.lock = threading.Lock()
        self.c_function = _lib.tgfl_progress_callback(self._call) if function else _lib.tgfl_progress_callback()

    def _call(self, progress_pointer, _user_data) -> bool:
        with self.lock:
            if self.error is not None:
                return False
            try:
                p = progress_pointer.contents
                report = Progress(_KIND_NAMES.get(p.kind, str(p.kind)), p.step, p.total, p.epoch,
                                  p.train_loss, p.val_loss, p.tokens_per_second, p.elapsed_seconds,
                                  p.eta_seconds)
                return self.function(report) is not False
            except BaseException as error:  # noqa: BLE001 — re-raised after the C call
                self.error = error
                return False

    def check(self, status: int) -> None:
        """Re-raises the callback's exception, else raises for a bad status."""
        if self.error is not None and status == TGFL_ERR_CANCELLED:
            error, self.error = self.error, None
            raise error
        _check(status)


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
        c = _lib.tgfl_model_config()
        _check(_lib.tgfl_model_get_config(self._h(), byref(c)))
        return ModelConfig._from_c(c)

    @property
    def n_params(self) -> int:
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

    def _regime(self, regime) -> int:
        return self.regime_index(regime) if isinstance(regime, str) else _int32(regime, "regime")

    # -- training ------------------------------------------------------------------------

    def train(self, returns, params: Optional[TrainParams] = None,
              progress: Optional[Callable[[Progress], Optional[bool]]] = None, **overrides) -> None:
        """Trains on one series of daily log returns (float64).

        ``overrides`` set TrainParams fields directly: ``model.train(r, steps=50)``.
        ``progress(Progress)`` is called after every step; return False (or raise) to stop.
        """
        series = _array(returns, "returns", np.float64, ndim=(1,))
        p = _params(params or TrainParams(), overrides, TrainParams)
        c = _lib.tgfl_train_default_params()
        for name in ("steps", "batch_size", "seq_len", "warmup_steps", "eval_every", "patience", "n_threads"):
            setattr(c, name, _int32(getattr(p, name), name))
        for name in ("learning_rate", "min_learning_rate", "weight_decay", "grad_clip", "val_fraction"):
            setattr(c, name, _float(getattr(p, name), name))
        c.seed = _uint64(p.seed, "seed")
        callback = _Callback(progress)
        c.progress = callback.c_function
        status = _lib.tgfl_model_train(self._h(), _ptr(series, c_double), series.size, byref(c))
        callback.check(status)

    def train_federated(self, series: Sequence, config: Optional[FederatedConfig] = None,
                        progress: Optional[Callable[[Progress], Optional[bool]]] = None,
                        **overrides) -> float:
        """Federated training on several series; returns ε spent (inf without DP noise)."""
        if series is None or isinstance(series, (str, bytes)):
            raise _bad("series must be a list of float64 arrays")
        if isinstance(series, np.ndarray) and series.ndim == 1:
            raise _bad("series must be a list of arrays (one per series), not one 1-D array; "
                       "wrap it: [returns]", TGFL_ERR_SHAPE)
        arrays = [_array(s, f"series[{i}]", np.float64, ndim=(1,)) for i, s in enumerate(series)]
        if not arrays:
            raise _bad("series is empty; give at least one return series")
        cfg = _params(config or FederatedConfig(), overrides, FederatedConfig)
        c = _lib.tgfl_federated_default_params()
        c.strategy = _enum(cfg.strategy, _lib.STRATEGIES, "strategy")
        c.partition = _enum(cfg.partition, _lib.PARTITIONS, "partition")
        c.partition_param = math.nan if cfg.partition_param is None else _float(cfg.partition_param, "partition_param")
        for name in ("n_clients", "rounds", "local_steps", "batch_size", "seq_len", "min_train_nodes", "n_threads"):
            setattr(c, name, _int32(getattr(cfg, name), name))
        for name in ("learning_rate", "val_fraction", "fraction_train", "dp_noise_multiplier",
                     "dp_clip_norm", "dp_delta"):
            setattr(c, name, _float(getattr(cfg, name), name))
        for name in ("proximal_mu", "server_learning_rate", "server_momentum", "eta", "eta_l", "beta_1",
                     "beta_2", "tau", "trim_beta", "q"):
            value = getattr(cfg, name)
            setattr(c, name, math.nan if value is None else _float(value, name))
        for name in ("num_malicious_nodes", "num_nodes_to_select"):
            value = getattr(cfg, name)
            setattr(c, name, -1 if value is None else _int32(value, name))
        c.secure_aggregation = bool(cfg.secure_aggregation)
        c.dp_sampling = _enum(cfg.dp_sampling, _lib.DP_SAMPLINGS, "dp_sampling")
        c.seed = _uint64(cfg.seed, "seed")
        callback = _Callback(progress)
        c.progress = callback.c_function
        pointers = (POINTER(c_double) * len(arrays))(*[_ptr(a, c_double) for a in arrays])
        lengths = (c_size_t * len(arrays))(*[a.size for a in arrays])
        epsilon = c_double()
        status = _lib.tgfl_model_train_federated(self._h(), pointers, lengths, len(arrays), byref(c),
                                                 byref(epsilon))
        callback.check(status)
        return float(epsilon.value)

    # -- generation and scoring ----------------------------------------------------------

    def generate(self, n_paths: int = 100, horizon: int = 250, regime: Union[int, str, None] = 1,
                 regime_path=None, prompt=None, temperature: float = 1.0, seed: int = 42,
                 n_threads: int = 0,
                 progress: Optional[Callable[[Progress], Optional[bool]]] = None) -> np.ndarray:
        """Generates ``n_paths × horizon`` daily log returns (float64, one path per row).

        ``regime`` is an index or a name ("crisis"); ``regime_path`` gives one regime
        (index or name) per day instead; ``regime=None`` generates unconditionally, each path
        moving between regimes by the model's own volatility dynamics (model v2 only).
        ``prompt``: recent real log returns to continue.
        """
        c = _lib.tgfl_generate_default_params()
        c.n_paths = _int32(n_paths, "n_paths")
        c.horizon = _int32(horizon, "horizon")
        keep = []
        if regime_path is not None:
            if isinstance(regime_path, (list, tuple)) and any(isinstance(g, str) for g in regime_path):
                regime_path = [self._regime(g) for g in regime_path]
            path = _array(regime_path, "regime_path", np.int32, ndim=(1,))
            if path.size != c.horizon:
                raise _bad(f"regime_path has {path.size} regimes but horizon is {horizon}; give one per day",
                           TGFL_ERR_SHAPE)
            c.regime_path = _ptr(path, c_int32)
            keep.append(path)
        elif regime is None:
            c.unconditional = True
        else:
            c.regime = self._regime(regime)
        if prompt is not None:
            p = _array(prompt, "prompt", np.float64, ndim=(1,))
            c.prompt = _ptr(p, c_double)
            c.prompt_length = p.size
            keep.append(p)
        c.temperature = _float(temperature, "temperature")
        c.seed = _uint64(seed, "seed")
        c.n_threads = _int32(n_threads, "n_threads")
        callback = _Callback(progress)
        c.progress = callback.c_function
        if c.n_paths < 1 or c.horizon < 1:
            raise _bad(f"n_paths and horizon must be >= 1, got {n_paths} and {horizon}", TGFL_ERR_OUT_OF_RANGE)
        out = np.empty((c.n_paths, c.horizon), dtype=np.float64)
        status = _lib.tgfl_model_generate(self._h(), byref(c), _ptr(out, c_double), out.size)
        callback.check(status)
        return out

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

def evaluate(real, synthetic, seed: int = 42) -> dict:
    """The StylizedFactsReport of real log returns vs synthetic paths ``[n_paths, horizon]``."""
    r = _array(real, "real", np.float64, ndim=(1,))
    s = _array(synthetic, "synthetic", np.float64, ndim=(2,))
    out = c_void_p()
    _check(_lib.tgfl_evaluate(_ptr(r, c_double), r.size, _ptr(s, c_double), _int32(s.shape[0], "n_paths"),
                              _int32(s.shape[1], "horizon"), _uint64(seed, "seed"), byref(out)))
    try:
        text = ctypes.string_at(out.value).decode("utf-8")
    finally:
        _lib.tgfl_string_free(out)
    return json.loads(text)


def load_sp500() -> np.ndarray:
    """Daily log returns of the bundled S&P 500 closes, 1999-01-04 … 2018-12-31 (5030 values)."""
    from importlib import resources
    text = resources.files("tgfl").joinpath("sp500.csv").read_text()
    closes = np.array([float(line.split(",")[1]) for line in text.splitlines()[1:] if line.strip()])
    return np.diff(np.log(closes))
