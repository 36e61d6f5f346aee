"""The ctypes layer over libCTGFL: one loader, and every declaration of include/tgfl.h.

Each binding carries the C declaration it mirrors as a comment; the ``Structure._fields_``
follow the header's field order exactly (tests compare them with the C compiler's
``sizeof``/``offsetof``).
"""

from __future__ import annotations

import ctypes
import os
import sys
from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char_p, c_double, c_float,
                    c_int32, c_int64, c_size_t, c_uint32, c_uint64, c_void_p)
from pathlib import Path

# ---------------------------------------------------------------------------------------
# Loader
# ---------------------------------------------------------------------------------------

_LIB_NAME = "libCTGFL.dylib" if sys.platform == "darwin" else "libCTGFL.so"


_NATIVE_DIR = Path(__file__).resolve().parent / "_native"


def library_path() -> Path:
    """Where libCTGFL is loaded from, first match wins.

    1. ``$TGFL_LIB_DIR/libCTGFL.so`` when the variable is set (an explicit override);
    2. the copy bundled in the installed wheel, ``tgfl/_native/libCTGFL.so`` (with the Swift
       runtime next to it);
    3. ``<repo>/.build/release/libCTGFL.so`` for a source checkout (``PYTHONPATH=Examples/python``).
    """
    folder = os.environ.get("TGFL_LIB_DIR")
    if folder:
        return Path(folder) / _LIB_NAME
    bundled = _NATIVE_DIR / _LIB_NAME
    if bundled.exists():
        return bundled
    repo = Path(__file__).resolve().parents[3]  # <repo>/Examples/python/tgfl/_lib.py
    return repo / ".build" / "release" / _LIB_NAME


def _load() -> ctypes.CDLL:
    path = library_path()
    if not path.exists():
        raise ImportError(
            f"tgfl: {path} not found. Install the wheel (make wheel; pip install dist/tgfl-*.whl), "
            f"or build the library with `swift build -c release --product CTGFL` in the repository, "
            f"or set TGFL_LIB_DIR to the folder holding {_LIB_NAME}.")
    try:
        return ctypes.CDLL(str(path))
    except OSError as error:
        raise ImportError(
            f"tgfl: cannot load {path}: {error}. It needs the system libraries OpenBLAS and HDF5 "
            f"(Debian/Ubuntu: apt-get install libopenblas0 libhdf5-103-1; or libopenblas-dev libhdf5-dev)") from error


lib = _load()


def _declare(name: str, argtypes: list, restype):
    function = getattr(lib, name)
    function.argtypes = argtypes
    function.restype = restype
    return function


# ---------------------------------------------------------------------------------------
# Status codes
# ---------------------------------------------------------------------------------------

TGFL_ABI_VERSION = 3

TGFL_OK = 0
TGFL_ERR_INVALID_ARGUMENT = -1
TGFL_ERR_INVALID_CONFIG = -2
TGFL_ERR_SHAPE = -3
TGFL_ERR_OUT_OF_RANGE = -4
TGFL_ERR_IO = -5
TGFL_ERR_CHECKPOINT = -6
TGFL_ERR_DATA = -7
TGFL_ERR_CANCELLED = -8
TGFL_ERR_STATE = -9
TGFL_ERR_INTERNAL = -99

STATUS_NAMES = {
    TGFL_OK: "TGFL_OK",
    TGFL_ERR_INVALID_ARGUMENT: "TGFL_ERR_INVALID_ARGUMENT",
    TGFL_ERR_INVALID_CONFIG: "TGFL_ERR_INVALID_CONFIG",
    TGFL_ERR_SHAPE: "TGFL_ERR_SHAPE",
    TGFL_ERR_OUT_OF_RANGE: "TGFL_ERR_OUT_OF_RANGE",
    TGFL_ERR_IO: "TGFL_ERR_IO",
    TGFL_ERR_CHECKPOINT: "TGFL_ERR_CHECKPOINT",
    TGFL_ERR_DATA: "TGFL_ERR_DATA",
    TGFL_ERR_CANCELLED: "TGFL_ERR_CANCELLED",
    TGFL_ERR_STATE: "TGFL_ERR_STATE",
    TGFL_ERR_INTERNAL: "TGFL_ERR_INTERNAL",
}

# ---------------------------------------------------------------------------------------
# Versions and errors
# ---------------------------------------------------------------------------------------

# TGFL_API int32_t tgfl_abi_version(void);
tgfl_abi_version = _declare("tgfl_abi_version", [], c_int32)

# TGFL_API const char * tgfl_version(void);
tgfl_version = _declare("tgfl_version", [], c_char_p)

# TGFL_API const char * tgfl_last_error(void);
tgfl_last_error = _declare("tgfl_last_error", [], c_char_p)

# ---------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------

TGFL_PROGRESS_TRAIN = 0
TGFL_PROGRESS_FEDERATED = 1
TGFL_PROGRESS_GENERATE = 2
TGFL_PROGRESS_BACKTEST = 3


# typedef struct tgfl_progress {
#     int32_t kind; int64_t step; int64_t total; int32_t epoch; double train_loss;
#     double val_loss; double tokens_per_second; double elapsed_seconds; double eta_seconds;
# } tgfl_progress;
class tgfl_progress(Structure):
    _fields_ = [
        ("kind", c_int32),
        ("step", c_int64),
        ("total", c_int64),
        ("epoch", c_int32),
        ("train_loss", c_double),
        ("val_loss", c_double),
        ("tokens_per_second", c_double),
        ("elapsed_seconds", c_double),
        ("eta_seconds", c_double),
    ]


# typedef bool (*tgfl_progress_callback)(const tgfl_progress * progress, void * user_data);
tgfl_progress_callback = CFUNCTYPE(c_bool, POINTER(tgfl_progress), c_void_p)

# ---------------------------------------------------------------------------------------
# Log and data sanity (ABI 3)
# ---------------------------------------------------------------------------------------

TGFL_LOG_WARN = 2

# typedef void (*tgfl_log_callback)(int32_t level, const char * text, void * user_data);
tgfl_log_callback = CFUNCTYPE(None, c_int32, c_char_p, c_void_p)

# TGFL_API void tgfl_log_set(tgfl_log_callback callback, void * user_data);
tgfl_log_set = _declare("tgfl_log_set", [tgfl_log_callback, c_void_p], None)

# TGFL_API int32_t tgfl_check_returns(const double * values, size_t n, char ** out_message);
tgfl_check_returns = _declare("tgfl_check_returns", [POINTER(c_double), c_size_t, POINTER(c_void_p)], c_int32)

# ---------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------

# typedef struct tgfl_model tgfl_model; // opaque
tgfl_model_p = c_void_p


# typedef struct tgfl_model_config {
#     int32_t vocab_size; int32_t context_length; int32_t d_model; int32_t n_layers;
#     int32_t n_heads; int32_t d_ff; int32_t n_regimes;
#     int32_t model_version; int32_t n_volatility_levels;
# } tgfl_model_config;
class tgfl_model_config(Structure):
    _fields_ = [
        ("vocab_size", c_int32),
        ("context_length", c_int32),
        ("d_model", c_int32),
        ("n_layers", c_int32),
        ("n_heads", c_int32),
        ("d_ff", c_int32),
        ("n_regimes", c_int32),
        ("model_version", c_int32),
        ("n_volatility_levels", c_int32),
    ]


# TGFL_API tgfl_model_config tgfl_model_default_config(void);
tgfl_model_default_config = _declare("tgfl_model_default_config", [], tgfl_model_config)

# TGFL_API int32_t tgfl_model_create(const tgfl_model_config * config, uint64_t seed,
#                                    tgfl_model ** out_model);
tgfl_model_create = _declare(
    "tgfl_model_create", [POINTER(tgfl_model_config), c_uint64, POINTER(tgfl_model_p)], c_int32)

# TGFL_API void tgfl_model_free(tgfl_model * model);
tgfl_model_free = _declare("tgfl_model_free", [tgfl_model_p], None)

# TGFL_API int32_t tgfl_model_load(const char * path, tgfl_model ** out_model);
tgfl_model_load = _declare("tgfl_model_load", [c_char_p, POINTER(tgfl_model_p)], c_int32)

# TGFL_API int32_t tgfl_model_save(tgfl_model * model, const char * path);
tgfl_model_save = _declare("tgfl_model_save", [tgfl_model_p, c_char_p], c_int32)

# TGFL_API int32_t tgfl_model_get_config(tgfl_model * model, tgfl_model_config * out_config);
tgfl_model_get_config = _declare(
    "tgfl_model_get_config", [tgfl_model_p, POINTER(tgfl_model_config)], c_int32)

# TGFL_API int64_t tgfl_model_n_params(tgfl_model * model);
tgfl_model_n_params = _declare("tgfl_model_n_params", [tgfl_model_p], c_int64)

# TGFL_API int32_t tgfl_model_get_params(tgfl_model * model, float * out, size_t n);
tgfl_model_get_params = _declare(
    "tgfl_model_get_params", [tgfl_model_p, POINTER(c_float), c_size_t], c_int32)

# TGFL_API int32_t tgfl_model_set_params(tgfl_model * model, const float * params, size_t n);
tgfl_model_set_params = _declare(
    "tgfl_model_set_params", [tgfl_model_p, POINTER(c_float), c_size_t], c_int32)

# TGFL_API const char * tgfl_model_regime_name(tgfl_model * model, int32_t index);
tgfl_model_regime_name = _declare("tgfl_model_regime_name", [tgfl_model_p, c_int32], c_char_p)

# TGFL_API int32_t tgfl_model_regime_index(tgfl_model * model, const char * name);
tgfl_model_regime_index = _declare("tgfl_model_regime_index", [tgfl_model_p, c_char_p], c_int32)

# TGFL_API int32_t tgfl_model_set_federation(tgfl_model * model, const char * json);   (ABI 3)
tgfl_model_set_federation = _declare("tgfl_model_set_federation", [tgfl_model_p, c_char_p], c_int32)

# TGFL_API int32_t tgfl_model_get_federation(tgfl_model * model, char ** out_json);    (ABI 3)
tgfl_model_get_federation = _declare("tgfl_model_get_federation", [tgfl_model_p, POINTER(c_void_p)], c_int32)

# ---------------------------------------------------------------------------------------
# Central training
# ---------------------------------------------------------------------------------------


# typedef struct tgfl_train_params {
#     int32_t steps; int32_t batch_size; int32_t seq_len; double learning_rate;
#     double min_learning_rate; int32_t warmup_steps; double weight_decay; double grad_clip;
#     double val_fraction; int32_t eval_every; int32_t patience; uint64_t seed;
#     int32_t n_threads; tgfl_progress_callback progress; void * progress_user_data;
#     bool output_prior; bool keep_best; bool allow_prices;            (ABI 3)
#     int64_t precision;                                               (after ABI 3, issue 18)
#     int64_t joint_whitening;                             (after ABI 3, issue 17, session 18)
#     int64_t joint_regime_starts;                         (after ABI 3, issue 17, session 19)
#     int64_t joint_band_map;                              (after ABI 3, issue 17, session 20)
#     int64_t joint_regime_z_tail;                         (after ABI 3, issue 17, session 20)
#     int64_t rematch_dependence;                          (after ABI 3, issue 12, session 22)
#     int64_t joint_copula_fit;                            (after ABI 3, issue 17, session 23)
#     int64_t joint_start_dependence;                      (after ABI 3, issue 17, session 24)
# } tgfl_train_params;   (ABI 3: starts with uint32_t struct_size)
class tgfl_train_params(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("steps", c_int32),
        ("batch_size", c_int32),
        ("seq_len", c_int32),
        ("learning_rate", c_double),
        ("min_learning_rate", c_double),
        ("warmup_steps", c_int32),
        ("weight_decay", c_double),
        ("grad_clip", c_double),
        ("val_fraction", c_double),
        ("eval_every", c_int32),
        ("patience", c_int32),
        ("seed", c_uint64),
        ("n_threads", c_int32),
        ("progress", tgfl_progress_callback),
        ("progress_user_data", c_void_p),
        ("output_prior", c_bool),
        ("keep_best", c_bool),
        ("allow_prices", c_bool),
        ("precision", c_int64),
        ("joint_whitening", c_int64),
        ("joint_regime_starts", c_int64),
        ("joint_band_map", c_int64),
        ("joint_regime_z_tail", c_int64),
        ("rematch_dependence", c_int64),
        ("joint_copula_fit", c_int64),
        ("joint_start_dependence", c_int64),
    ]


# TGFL_API tgfl_train_params tgfl_train_default_params(void);
tgfl_train_default_params = _declare("tgfl_train_default_params", [], tgfl_train_params)

# TGFL_API int32_t tgfl_model_train(tgfl_model * model, const double * returns, size_t n_returns,
#                                   const tgfl_train_params * params);
tgfl_model_train = _declare(
    "tgfl_model_train", [tgfl_model_p, POINTER(c_double), c_size_t, POINTER(tgfl_train_params)],
    c_int32)

# TGFL_API int32_t tgfl_model_pretrain(tgfl_model * model, const double * const * series,
#                                      const size_t * lengths, const char * const * names,
#                                      size_t n_series, const tgfl_train_params * params);
tgfl_model_pretrain = _declare(
    "tgfl_model_pretrain",
    [tgfl_model_p, POINTER(POINTER(c_double)), POINTER(c_size_t), POINTER(c_char_p), c_size_t,
     POINTER(tgfl_train_params)], c_int32)

# TGFL_API int32_t tgfl_model_adapt_data_models(tgfl_model * model, const double * returns, size_t n_returns,
#                                               double train_fraction, bool reset_output_prior);
tgfl_model_adapt_data_models = _declare(
    "tgfl_model_adapt_data_models", [tgfl_model_p, POINTER(c_double), c_size_t, c_double, c_bool], c_int32)

# ---------------------------------------------------------------------------------------
# Federated training
# ---------------------------------------------------------------------------------------

# typedef enum tgfl_strategy { TGFL_STRATEGY_FEDAVG = 0, ... TGFL_STRATEGY_QFEDAVG = 11 } tgfl_strategy;
STRATEGIES = ["fedavg", "fedavgm", "fedprox", "fedadagrad", "fedadam", "fedyogi", "fedmedian",
              "fedtrimmedavg", "krum", "multikrum", "bulyan", "qfedavg"]

# typedef enum tgfl_partition { TGFL_PARTITION_NATURAL = 0, ... = 7 } tgfl_partition;
PARTITIONS = ["natural", "iid", "dirichlet", "pathological", "time", "size_linear",
              "size_square", "size_exponential"]


# typedef struct tgfl_federated_params { ... } tgfl_federated_params;  (fields in header order)
class tgfl_federated_params(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("strategy", c_int32),
        ("partition", c_int32),
        ("partition_param", c_double),
        ("n_clients", c_int32),
        ("rounds", c_int32),
        ("local_steps", c_int32),
        ("batch_size", c_int32),
        ("seq_len", c_int32),
        ("learning_rate", c_double),
        ("val_fraction", c_double),
        ("fraction_train", c_double),
        ("min_train_nodes", c_int32),
        ("proximal_mu", c_double),
        ("server_learning_rate", c_double),
        ("server_momentum", c_double),
        ("eta", c_double),
        ("eta_l", c_double),
        ("beta_1", c_double),
        ("beta_2", c_double),
        ("tau", c_double),
        ("trim_beta", c_double),
        ("q", c_double),
        ("num_malicious_nodes", c_int32),
        ("num_nodes_to_select", c_int32),
        ("dp_noise_multiplier", c_double),
        ("dp_clip_norm", c_double),
        ("dp_delta", c_double),
        ("secure_aggregation", c_bool),
        ("seed", c_uint64),
        ("n_threads", c_int32),
        ("progress", tgfl_progress_callback),
        ("progress_user_data", c_void_p),
        ("dp_sampling", c_int32),
        # ABI 3
        ("output_prior", c_bool),
        ("keep_best", c_bool),
        ("allow_prices", c_bool),
        ("weight_decay", c_double),
        ("grad_clip", c_double),
        ("fraction_evaluate", c_double),
        ("min_evaluate_nodes", c_int32),
        ("min_partition_windows", c_int32),
        ("max_validation_windows", c_int32),
        ("report_local_validation", c_bool),
        ("dropout_probability", c_double),
        ("straggler_deadline", c_double),
        ("straggler_base_time", c_double),
        ("straggler_spread", c_double),
        ("checkpoint_every", c_int32),
        ("checkpoint_path", c_char_p),
        ("resume_from", c_char_p),
        ("min_available_nodes", c_int32),
        ("n_byzantine", c_int32),
        ("byzantine_attack", c_int32),
        ("byzantine_param", c_double),
        # Appended after ABI 3 (issue 19: data models from public data or noised summaries)
        ("data_models_from", c_char_p),
        ("public_returns", POINTER(c_double)),
        ("public_returns_length", c_size_t),
        ("dp_summaries_noise", c_double),
        # Appended in session 14 (issue 19: dates, the clients' volatility level released with noise)
        ("series_dates", POINTER(POINTER(c_int32))),
        ("series_dates_lengths", POINTER(c_size_t)),
        ("public_dates", POINTER(c_int32)),
        ("public_dates_length", c_size_t),
        ("dp_volatility_noise", c_double),
        # Appended in session 15 (issue 19: the MA(1) mean term fitted on the public data)
        ("public_mean_term", c_int32),
        ("public_z_marginal", c_int32),
        # Appended in session 18 (issue 19: the box h of the volatility level's release; 0 = 0.25)
        ("dp_volatility_bound", c_double),
        # Appended in session 22 (issue 12: the dependence rematch of the trained global model)
        ("rematch_dependence", c_int64),
    ]


# typedef enum tgfl_byzantine_attack { SIGN_FLIP = 0, SCALED = 1, GAUSSIAN_NOISE = 2 } (ABI 3)
BYZANTINE_ATTACKS = ["sign_flip", "scaled", "gaussian_noise"]


# typedef enum tgfl_dp_sampling { TGFL_DP_SAMPLING_POISSON = 0, TGFL_DP_SAMPLING_FIXED = 1 }
DP_SAMPLINGS = ["poisson", "fixed"]


# TGFL_API tgfl_federated_params tgfl_federated_default_params(void);
tgfl_federated_default_params = _declare(
    "tgfl_federated_default_params", [], tgfl_federated_params)

# TGFL_API int32_t tgfl_model_train_federated(tgfl_model * model,
#                                             const double * const * series, const size_t * lengths,
#                                             size_t n_series,
#                                             const tgfl_federated_params * params,
#                                             double * out_epsilon);
tgfl_model_train_federated = _declare(
    "tgfl_model_train_federated",
    [tgfl_model_p, POINTER(POINTER(c_double)), POINTER(c_size_t), c_size_t,
     POINTER(tgfl_federated_params), POINTER(c_double)],
    c_int32)

# ---------------------------------------------------------------------------------------
# Generation and likelihood
# ---------------------------------------------------------------------------------------


# typedef struct tgfl_generate_params {
#     int32_t n_paths; int32_t horizon; int32_t regime; const int32_t * regime_path;
#     const double * prompt; size_t prompt_length; double temperature; uint64_t seed;
#     int32_t n_threads; tgfl_progress_callback progress; void * progress_user_data;
# } tgfl_generate_params;
class tgfl_generate_params(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("n_paths", c_int32),
        ("horizon", c_int32),
        ("regime", c_int32),
        ("regime_path", POINTER(c_int32)),
        ("prompt", POINTER(c_double)),
        ("prompt_length", c_size_t),
        ("temperature", c_double),
        ("seed", c_uint64),
        ("n_threads", c_int32),
        ("progress", tgfl_progress_callback),
        ("progress_user_data", c_void_p),
        ("unconditional", c_bool),
    ]


# typedef struct tgfl_backtest_params {
#     uint32_t struct_size; const double * levels; size_t n_levels; const int32_t * horizons;
#     size_t n_horizons; int32_t n_paths; int32_t prompt_days; bool baselines; int32_t refit_every;
#     bool refit_volatility; bool compare_trained_filter; int32_t z_recalibration_window;
#     double z_recalibration_weight; int32_t z_recalibration_position; bool compare_uncalibrated;
#     const int32_t * compare_z_windows; const double * compare_z_weights;
#     const int32_t * compare_z_positions; size_t n_compare_z; int32_t prompt_filter;
#     bool compare_prompt_filter; int32_t es_simulations; uint64_t seed; int32_t n_threads;
#     tgfl_progress_callback progress; void * progress_user_data;
# } tgfl_backtest_params;
class tgfl_backtest_params(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("levels", POINTER(c_double)),
        ("n_levels", c_size_t),
        ("horizons", POINTER(c_int32)),
        ("n_horizons", c_size_t),
        ("n_paths", c_int32),
        ("prompt_days", c_int32),
        ("baselines", c_bool),
        ("refit_every", c_int32),
        ("refit_volatility", c_bool),
        ("compare_trained_filter", c_bool),
        ("z_recalibration_window", c_int32),
        ("z_recalibration_weight", c_double),
        ("z_recalibration_position", c_int32),
        ("compare_uncalibrated", c_bool),
        ("compare_z_windows", POINTER(c_int32)),
        ("compare_z_weights", POINTER(c_double)),
        ("compare_z_positions", POINTER(c_int32)),
        ("n_compare_z", c_size_t),
        ("prompt_filter", c_int32),
        ("compare_prompt_filter", c_bool),
        ("es_simulations", c_int32),
        ("seed", c_uint64),
        ("n_threads", c_int32),
        ("progress", tgfl_progress_callback),
        ("progress_user_data", c_void_p),
    ]


TGFL_PROMPT_FILTER_GJR = 0
TGFL_PROMPT_FILTER_BETA_T = 1
TGFL_QUANTILE_LINEAR = 0
TGFL_QUANTILE_WEIBULL = 1

# TGFL_API tgfl_backtest_params tgfl_backtest_default_params(void);
tgfl_backtest_default_params = _declare("tgfl_backtest_default_params", [], tgfl_backtest_params)


# TGFL_API tgfl_generate_params tgfl_generate_default_params(void);
tgfl_generate_default_params = _declare(
    "tgfl_generate_default_params", [], tgfl_generate_params)

# TGFL_API int32_t tgfl_model_generate(tgfl_model * model, const tgfl_generate_params * params,
#                                      double * out, size_t out_len);
tgfl_model_generate = _declare(
    "tgfl_model_generate",
    [tgfl_model_p, POINTER(tgfl_generate_params), POINTER(c_double), c_size_t], c_int32)

# TGFL_API int32_t tgfl_model_logits(tgfl_model * model, const int32_t * tokens,
#                                    const int32_t * regimes, int32_t batch, int32_t seq_len,
#                                    float * out, size_t out_len);
tgfl_model_logits = _declare(
    "tgfl_model_logits",
    [tgfl_model_p, POINTER(c_int32), POINTER(c_int32), c_int32, c_int32, POINTER(c_float), c_size_t],
    c_int32)

# TGFL_API int32_t tgfl_model_log_likelihood(tgfl_model * model, const double * returns,
#                                            size_t n_returns, double * out_mean_loglik);
tgfl_model_log_likelihood = _declare(
    "tgfl_model_log_likelihood",
    [tgfl_model_p, POINTER(c_double), c_size_t, POINTER(c_double)], c_int32)

# ---------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------

# TGFL_API int32_t tgfl_evaluate(const double * real, size_t n_real,
#                                const double * synthetic, int32_t n_paths, int32_t horizon,
#                                uint64_t seed, char ** out_json);
# (out_json is declared as void ** so the pointer can be handed back to tgfl_string_free.)
tgfl_evaluate = _declare(
    "tgfl_evaluate",
    [POINTER(c_double), c_size_t, POINTER(c_double), c_int32, c_int32, c_uint64, POINTER(c_void_p)],
    c_int32)

# TGFL_API void tgfl_string_free(char * s);
tgfl_string_free = _declare("tgfl_string_free", [c_void_p], None)
