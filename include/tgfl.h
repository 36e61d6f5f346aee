// tgfl.h — the C ABI of TGFL (market scenario simulation with federated learning).
//
// Conventions (after llama.h):
//   - every symbol starts with `tgfl_`; every function is exported with TGFL_API;
//   - handles are opaque and freed with their paired `_free` function;
//   - parameter structs are obtained by value from `tgfl_*_default_params()`, then edited;
//     since ABI 3 each starts with `struct_size` (set by the default-params function to the
//     caller's sizeof), so a struct can grow at its end without breaking callers: the library
//     reads the first struct_size bytes and takes the defaults for fields a caller lacks;
//   - every fallible function returns an `int32_t` status: TGFL_OK (0) or a negative
//     TGFL_ERR_* code; the message of the last failure on the calling thread is returned
//     by tgfl_last_error();
//   - no Swift error, precondition or trap crosses this boundary: NULL pointers, wrong
//     sizes, NaN input and unknown enum values all give a status code and a message.
//
// Threading: distinct models may be used from different threads at once. One model must
// not be used from two threads at the same time (calls on one model are serialised by an
// internal lock, so doing so is safe but gains nothing). Checkpoint I/O is serialised
// process-wide (libhdf5 is not thread-safe).
//
// Arrays are row-major. Returns are daily LOG returns, ln(P_t / P_{t-1}), as float64.
// The flat float32 parameter vector follows the order documented in docs/DESIGN.md and
// `ParameterLayout` (tok_emb.weight, pos_emb.weight, regime_emb.weight, blocks.0.*, ...,
// ln_f.*, head.*): it is what a Flower client exchanges.

#ifndef TGFL_H
#define TGFL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  define TGFL_API __declspec(dllimport)
#else
#  define TGFL_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

// ABI version: bumped whenever a struct layout or a signature in this file changes.
#define TGFL_ABI_VERSION 3

// ---------------------------------------------------------------------------------------
// Status codes
// ---------------------------------------------------------------------------------------
enum {
    TGFL_OK                   =  0, // success
    TGFL_ERR_INVALID_ARGUMENT = -1, // NULL pointer, wrong buffer size, NaN/inf input, bad value
    TGFL_ERR_INVALID_CONFIG   = -2, // a model config that cannot describe a model
    TGFL_ERR_SHAPE            = -3, // array shapes or lengths that disagree
    TGFL_ERR_OUT_OF_RANGE     = -4, // token/regime id, enum value or hyperparameter out of range
    TGFL_ERR_IO               = -5, // file-system failure (not a checkpoint format problem)
    TGFL_ERR_CHECKPOINT       = -6, // a checkpoint that cannot be read or written
    TGFL_ERR_DATA             = -7, // bad market data (too short, non-positive prices, ...)
    TGFL_ERR_CANCELLED        = -8, // the progress callback returned false; the model keeps
                                    // its last consistent state (see each function)
    TGFL_ERR_STATE            = -9, // the model lacks what the call needs (e.g. generate
                                    // before the model was trained: no tokenizer/regimes)
    TGFL_ERR_INTERNAL         = -99 // a bug in TGFL; please report it with the message
};

// ---------------------------------------------------------------------------------------
// Versions and errors
// ---------------------------------------------------------------------------------------

// The ABI version this library implements (compare with TGFL_ABI_VERSION).
TGFL_API int32_t tgfl_abi_version(void);

// The library version string, e.g. "0.1.0". Static storage; do not free.
TGFL_API const char * tgfl_version(void);

// The message of the last failed call on this thread ("" if none). Thread-local storage,
// valid until the next TGFL call on the same thread; do not free.
TGFL_API const char * tgfl_last_error(void);

// ---------------------------------------------------------------------------------------
// Progress
// ---------------------------------------------------------------------------------------
enum {
    TGFL_PROGRESS_TRAIN     = 0, // one optimisation step of central training
    TGFL_PROGRESS_FEDERATED = 1, // one finished federated round
    TGFL_PROGRESS_GENERATE  = 2, // one finished chunk of paths (step/total count paths)
    TGFL_PROGRESS_BACKTEST  = 3  // tgfl_backtest_ex: step/total = per mille of the run done
                                 // (total 1000; elapsed and ETA in seconds)
};

typedef struct tgfl_progress {
    int32_t kind;              // TGFL_PROGRESS_*
    int64_t step;              // steps, rounds or paths done so far (1-based)
    int64_t total;             // planned total of the same unit
    int32_t epoch;             // passes over the training windows so far (training only)
    double  train_loss;        // mean training loss of the last step/round (NaN if none)
    double  val_loss;          // last validation loss (NaN if not evaluated yet)
    double  tokens_per_second; // throughput of the last interval
    double  elapsed_seconds;   // since the call started
    double  eta_seconds;       // estimated time to completion
} tgfl_progress;

// Called after each step/round/chunk of paths. Return true to go on, false to cancel: the
// call then returns TGFL_ERR_CANCELLED. Central and federated training call it on the
// calling thread, so it may call TGFL on the same model (e.g. tgfl_model_save a
// checkpoint). Generation may call it from its worker threads (one call at a time); a call
// on the same model from there returns TGFL_ERR_STATE (it would otherwise deadlock).
typedef bool (*tgfl_progress_callback)(const tgfl_progress * progress, void * user_data);

// ---------------------------------------------------------------------------------------
// Log (ABI 3; after llama_log_set)
// ---------------------------------------------------------------------------------------
enum {
    TGFL_LOG_WARN = 2 // something is probably wrong but the call goes on (e.g. prices passed as returns)
};

// Receives each warning: `level` is TGFL_LOG_*, `text` a one-line UTF-8 message (valid during
// the call only). May be called on any thread that calls TGFL.
typedef void (*tgfl_log_callback)(int32_t level, const char * text, void * user_data);

// Sets the process-wide log callback (NULL restores the default: "tgfl: warning: ..." on stderr).
TGFL_API void tgfl_log_set(tgfl_log_callback callback, void * user_data);

// Data sanity (ABI 3): 1 if `values` look like prices (or volumes) rather than daily log returns
// (all positive, and a median magnitude above 0.5 or a lag-1 autocorrelation above 0.9 over at
// least 20 values), else 0; with out_message (may be NULL) the explanation (free it with
// tgfl_string_free; NULL when 0). Negative status for NULL/NaN input. Training warns with the
// same text through the log callback unless params.allow_prices.
TGFL_API int32_t tgfl_check_returns(const double * values, size_t n, char ** out_message);

// ---------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------
typedef struct tgfl_model tgfl_model; // opaque

// The v1 transformer's hyperparameters (docs/DESIGN.md).
typedef struct tgfl_model_config {
    int32_t vocab_size;     // V: return tokens
    int32_t context_length; // T: maximum sequence length
    int32_t d_model;        // C: width
    int32_t n_layers;       // L: transformer blocks
    int32_t n_heads;        // H: attention heads (must divide d_model)
    int32_t d_ff;           // F: MLP hidden width
    int32_t n_regimes;      // R: market regimes (4 by default: calm, normal, volatile, crisis)
    // ABI 2: the model version. 1 (the default here): tokens of standardized returns, regimes
    // given or replayed. 2: volatility-scaled tokens with a GJR-GARCH volatility state, so the
    // scenarios cluster, react to falls and move between regimes by themselves (the default of
    // the tgfl command; see README "Model v2").
    int32_t model_version;
    int32_t n_volatility_levels; // S: volatility levels of a v2 model (default 16; ignored by v1)
} tgfl_model_config;

// The "small" benchmark config: V=512 T=128 C=64 L=4 H=4 F=256 R=4, model_version 1, S=16.
TGFL_API tgfl_model_config tgfl_model_default_config(void);

// Creates a model with GPT-2 style initial weights (normal, std 0.02) drawn from `seed`.
// On success *out_model owns a new handle (free it with tgfl_model_free).
// Errors: TGFL_ERR_INVALID_ARGUMENT (NULL), TGFL_ERR_INVALID_CONFIG.
TGFL_API int32_t tgfl_model_create(const tgfl_model_config * config, uint64_t seed,
                                   tgfl_model ** out_model);

// Frees a model. NULL is a no-op; so is a handle that was already freed (TGFL keeps a table
// of live handles: calls on a freed handle return TGFL_ERR_INVALID_ARGUMENT).
TGFL_API void tgfl_model_free(tgfl_model * model);

// Loads an HDF5 checkpoint (weights, tokenizer, regimes, optimizer state if present).
// Errors: TGFL_ERR_INVALID_ARGUMENT, TGFL_ERR_IO (missing file), TGFL_ERR_CHECKPOINT
// (not HDF5, truncated, wrong format/version, a tensor missing or of the wrong shape —
// the message names it).
TGFL_API int32_t tgfl_model_load(const char * path, tgfl_model ** out_model);

// Saves the model atomically (temporary file, then rename) as an HDF5 checkpoint.
TGFL_API int32_t tgfl_model_save(tgfl_model * model, const char * path);

// Copies the model's config into *out_config.
TGFL_API int32_t tgfl_model_get_config(tgfl_model * model, tgfl_model_config * out_config);

// Number of float32 parameters, or a negative status (TGFL_ERR_INVALID_ARGUMENT for NULL).
TGFL_API int64_t tgfl_model_n_params(tgfl_model * model);

// Copies the flat parameter vector into `out` (`n` must equal tgfl_model_n_params).
TGFL_API int32_t tgfl_model_get_params(tgfl_model * model, float * out, size_t n);

// Replaces the flat parameter vector (`n` must equal tgfl_model_n_params; all finite)
// and clears the saved AdamW state, so the next tgfl_model_train starts a fresh optimizer
// run (what a federated client wants after receiving the global weights).
// On error the model is unchanged.
TGFL_API int32_t tgfl_model_set_params(tgfl_model * model, const float * params, size_t n);

// The name of regime `index` (0 <= index < n_regimes of tgfl_model_get_config); the string
// stays valid until the model is freed. Returns NULL and sets the last error when `index`
// is out of range or the model has no regime model yet (train it or load a trained one).
TGFL_API const char * tgfl_model_regime_name(tgfl_model * model, int32_t index);

// Looks up a regime by name (case-insensitive: "calm", "normal", "volatile", "crisis") or
// by index ("3"). Returns the index (>= 0) or a negative status: TGFL_ERR_OUT_OF_RANGE for
// an unknown regime, TGFL_ERR_STATE for a name before the model has a regime model.
TGFL_API int32_t tgfl_model_regime_index(tgfl_model * model, const char * name);

// ---------------------------------------------------------------------------------------
// The federation record (ABI 3): how the model was trained federatedly, a JSON object
// stored in the checkpoint (`/training` attribute `federation`; `tgfl inspect` prints it).
// tgfl_model_train_federated writes it; an outside engine (e.g. a Flower ServerApp) sets
// its own: engine, strategy, rounds, nodes, ... `json` must be a JSON object; NULL clears it.
TGFL_API int32_t tgfl_model_set_federation(tgfl_model * model, const char * json);

// *out_json receives a copy of the record (free it with tgfl_string_free), or NULL when the
// model has none (central training).
TGFL_API int32_t tgfl_model_get_federation(tgfl_model * model, char ** out_json);

// ---------------------------------------------------------------------------------------
// Central training
// ---------------------------------------------------------------------------------------
typedef struct tgfl_train_params {
    uint32_t struct_size;        // ABI 3: sizeof(tgfl_train_params); set by tgfl_train_default_params
    int32_t  steps;              // optimisation steps (default 300)
    int32_t  batch_size;         // windows per step, 1..4096 (default 32)
    int32_t  seq_len;            // window length T, <= context_length (0 = context_length)
    double   learning_rate;      // peak AdamW learning rate (default 1e-3)
    double   min_learning_rate;  // end of the cosine decay (default 1e-4)
    int32_t  warmup_steps;       // linear warm-up steps (default 20)
    double   weight_decay;       // AdamW decoupled weight decay (default 0.01)
    double   grad_clip;          // global-norm clip, 0 = off (default 1.0)
    double   val_fraction;       // last fraction of days held out for validation (default 0.2)
    int32_t  eval_every;         // validation every N steps (default 25)
    int32_t  patience;           // early stop after N evaluations without improvement, 0 = off
    uint64_t seed;               // batch sampling seed (default 42)
    int32_t  n_threads;          // 0 = all cores, else 1..256
    tgfl_progress_callback progress; // optional, may be NULL
    void *   progress_user_data;
    // ABI 3 (new fields go at the end).
    bool     output_prior;       // fresh model: head.bias = log frequencies of the training
                                 // tokens, so it starts from the data's marginal (default true)
    bool     keep_best;          // model selection: end with the parameters of the evaluation
                                 // with the lowest validation loss (default true: one series overfits within tens of steps)
    bool     allow_prices;       // silence the "looks like prices" warning (default false)
    // Appended after ABI 3 (issue 18). 64-bit so that it starts past the padding that ends the
    // ABI 3 struct: a caller built against the older header never passes stale bytes here.
    int64_t  precision;          // tgfl_precision of the training products (default TGFL_PRECISION_FP32)
    // Appended after ABI 3 (issue 17, session 18). Joint models only (tgfl_joint_train reads it,
    // the other training calls ignore it): the per-regime whitening rule, a tgfl_joint_whitening
    // (default: the library's, TGFL_JOINT_WHITENING_TWO_FACTOR). A caller whose
    // struct_size ends before it gets the default.
    int64_t  joint_whitening;
    // Appended after ABI 3 (issue 17, session 19). Joint models only: 1 = fit market-regime starts
    // (a run under a regime starts each asset's volatility where the training days of that market
    // regime had it; /joint version 9; the default), 0 = none (as before session 19); other values
    // are refused. A caller whose struct_size ends before it gets the default.
    int64_t  joint_regime_starts;
    // Appended after ABI 3 (issue 17, session 20). Joint models only: 1 = fit the z band map
    // (unconditional runs scale each asset's standardised returns in its own volatility band to
    // the spread of the training days of that band; /joint version 10), 0 = none (the default, as
    // before session 20); other values are refused. A caller whose struct_size ends before it gets the default.
    int64_t  joint_band_map;
    // Appended after ABI 3 (issue 17, session 20). Joint models only: 1 = fit a regime z tail map
    // (a run under a regime maps each asset's z onto the training z of that market regime's days;
    // /joint version 11), 0 = none (the default: BENCHMARKS.md "Session 20 (jes20)"); other values
    // are refused. A caller whose struct_size ends before it gets the default.
    int64_t  joint_regime_z_tail;
    // Appended after ABI 3 (issue 12, session 22). tgfl_model_train only (pretraining and joint
    // training ignore it). Model v2: 1 = after training, choose the
    // recursion of unconditional generation again on pilot paths of the trained model (the dependence
    // rematch with its noise margin and tail guard: `tgfl train --rematch-dependence`; the training
    // history's dependence_rematch), before the volatility calibration; 0 = off (the default).
    // Needs a training span of at least 250 days; refused for model v1; other values are refused.
    // A caller whose struct_size ends before it gets the default.
    int64_t  rematch_dependence;
    // Appended after ABI 3 (issue 17, session 23). Joint models only: how the copula's ν is fitted.
    // 0 = by maximum likelihood with R = I (the default, as since session 8); 1 = the ν whose exact
    // lower-tail coefficient at 5 % is nearest the training days' whitened u's (`tgfl train-joint
    // --copula-fit lower-tail`; BENCHMARKS.md "Session 23 (joint23)"). The checkpoint stores the
    // copula the same way either way (no /joint version change). Other values are refused.
    // A caller whose struct_size ends before it gets the default.
    int64_t  joint_copula_fit;
    // Appended after ABI 3 (issue 17, session 24). Joint models only: how the assets' day-0 volatilities
    // of a path without a prompt depend on each other. 0 = one uniform for every asset (comonotone starts,
    // the default, as since issue 17); 1 = a Gaussian copula with the training days' rank correlation of
    // σ (per market regime for regime runs; /joint version 13); 2 = independent starts (identity
    // matrices, /joint version 13; for comparisons). `tgfl train-joint --start-dependence
    // comonotone|fitted|independent`; BENCHMARKS.md "Session 24 (joint24)": 1 and 2 lose issue-17 cells,
    // so 0 stays the default. Other values are refused. A caller whose struct_size ends before it gets
    // the default.
    int64_t  joint_start_dependence;
} tgfl_train_params;

// The per-regime whitening rule of a joint model (tgfl_train_params.joint_whitening; the CLI's
// `tgfl train-joint --whitening`, README "Joint scenarios"; tgfl_joint_info's "whitening"):
typedef enum tgfl_joint_whitening {
    TGFL_JOINT_WHITENING_RETURN_CORRELATION = 0, // each regime's z variances with the correlation that
                                                 // gives back its training days' return correlation
                                                 // (session 17; "return_correlation", /joint version 7)
    TGFL_JOINT_WHITENING_COVARIANCE         = 1, // each regime's z covariance (sessions 13-16;
                                                 // "covariance", readable by older libraries)
    TGFL_JOINT_WHITENING_TWO_FACTOR         = 2, // encode the training days with the covariance factor,
                                                 // generate with the return-correlation one (session 18;
                                                 // "two_factor", /joint version 8; the default)
} tgfl_joint_whitening;

// Arithmetic of the training products (tgfl_train_params.precision):
typedef enum tgfl_precision {
    TGFL_PRECISION_FP32 = 0,     // Float32 (the default; the reference of the parity tests)
    TGFL_PRECISION_BF16 = 1,     // operands rounded to bfloat16, sums in Float32, as PyTorch's CPU
                                 // autocast (AVX512_BF16 when the CPU has it, else emulated);
                                 // parameters, gradients and AdamW state stay Float32
} tgfl_precision;

TGFL_API tgfl_train_params tgfl_train_default_params(void);

// Trains on one series of daily log returns. If the model has no tokenizer/regime model
// yet (a freshly created model), both are fitted on the training span (the first
// 1 - val_fraction of the days) first, and head.bias is set to the smoothed log frequencies
// of the training tokens (so the model starts from the data's marginal distribution, not a
// uniform one over all V tokens); otherwise the model's own are used, so training
// continues a loaded checkpoint (with its optimizer state when saved).
// On TGFL_ERR_CANCELLED the model holds the weights after the last completed step.
// Errors: TGFL_ERR_INVALID_ARGUMENT (NULL, NaN/inf returns or params),
// TGFL_ERR_OUT_OF_RANGE (a params field outside its range, named in the message),
// TGFL_ERR_DATA (too few returns: the training span must hold seq_len + 1 days),
// TGFL_ERR_CANCELLED.
TGFL_API int32_t tgfl_model_train(tgfl_model * model, const double * returns, size_t n_returns,
                                  const tgfl_train_params * params);

// Pretraining and fine-tuning (after ABI 3; `tgfl pretrain`, `tgfl train --init`, README
// "Pretraining on many series, and fine-tuning").
//
// Pretrains a FRESH model v2 (no data models yet) on n_series return series (series[i] has
// lengths[i] daily log returns): every series standardised by its own volatility filter, one
// shared tokenizer, the windows of all series pooled; validation on the last val_fraction of
// each. names (may be NULL: "series[i]") name the series in errors and in the checkpoint's
// `pretraining` record. The CLI's `tgfl pretrain` uses keep_best = true.
// Errors: TGFL_ERR_INVALID_ARGUMENT (a v1 or already fitted model, NULL, NaN/inf, a series
// whose filter cannot be fitted — named), TGFL_ERR_OUT_OF_RANGE (params), TGFL_ERR_CANCELLED.
TGFL_API int32_t tgfl_model_pretrain(tgfl_model * model, const double * const * series,
                                     const size_t * lengths, const char * const * names,
                                     size_t n_series, const tgfl_train_params * params);

// Adapts a (pre)trained model v2 to new data before fine-tuning with tgfl_model_train: keeps
// the network and the tokenizer, refits the volatility filter, levels, regimes and the generation
// parts training fits on them (matched recursion, zero shares, z tails) on the first
// train_fraction (in (0, 1]; pass 1 - the fine-tuning's val_fraction) of `returns`, and with
// reset_output_prior sets the level priors from those days' token counts. Clears the optimizer
// state and the training history; appends "returns" to the `pretraining` record's
// fine_tuned_on. What `tgfl train --init BASE [--reset-prior]` does before training.
// Errors: TGFL_ERR_INVALID_ARGUMENT (a v1 or unfitted model, NULL, NaN/inf, too few returns),
// TGFL_ERR_OUT_OF_RANGE (train_fraction).
TGFL_API int32_t tgfl_model_adapt_data_models(tgfl_model * model, const double * returns, size_t n_returns,
                                              double train_fraction, bool reset_output_prior);

// ---------------------------------------------------------------------------------------
// Federated training (in-process simulation of several institutions)
// ---------------------------------------------------------------------------------------
typedef enum tgfl_strategy {
    TGFL_STRATEGY_FEDAVG        = 0,
    TGFL_STRATEGY_FEDAVGM       = 1,
    TGFL_STRATEGY_FEDPROX       = 2,
    TGFL_STRATEGY_FEDADAGRAD    = 3,
    TGFL_STRATEGY_FEDADAM       = 4,
    TGFL_STRATEGY_FEDYOGI       = 5,
    TGFL_STRATEGY_FEDMEDIAN     = 6,
    TGFL_STRATEGY_FEDTRIMMEDAVG = 7,
    TGFL_STRATEGY_KRUM          = 8,
    TGFL_STRATEGY_MULTIKRUM     = 9,
    TGFL_STRATEGY_BULYAN        = 10,
    TGFL_STRATEGY_QFEDAVG       = 11
} tgfl_strategy;

typedef enum tgfl_partition {
    TGFL_PARTITION_NATURAL          = 0, // one series per client (n_clients must equal n_series)
    TGFL_PARTITION_IID              = 1, // shuffled windows
    TGFL_PARTITION_DIRICHLET        = 2, // Dirichlet(partition_param = alpha) over regimes
    TGFL_PARTITION_PATHOLOGICAL     = 3, // partition_param = k regimes per client
    TGFL_PARTITION_TIME             = 4, // contiguous time periods
    TGFL_PARTITION_SIZE_LINEAR      = 5, // size skew ∝ i
    TGFL_PARTITION_SIZE_SQUARE      = 6, // size skew ∝ i²
    TGFL_PARTITION_SIZE_EXPONENTIAL = 7  // size skew ∝ 2^i
} tgfl_partition;

typedef struct tgfl_federated_params {
    uint32_t struct_size;         // ABI 3: sizeof(tgfl_federated_params); set by the default params
    int32_t  strategy;            // tgfl_strategy (default FEDAVG)
    int32_t  partition;           // tgfl_partition (default TIME)
    double   partition_param;     // alpha (Dirichlet) or k (pathological); NaN = the default
                                  // (alpha 0.5, k 2); ignored by the other partitions
    int32_t  n_clients;           // institutions, 1..65536 (default 8)
    int32_t  rounds;              // federated rounds (default 30)
    int32_t  local_steps;         // local AdamW steps per round (default 10)
    int32_t  batch_size;          // local batch size, 1..4096 (default 32)
    int32_t  seq_len;             // window length T (0 = context_length)
    double   learning_rate;       // client AdamW learning rate (default 1e-3)
    double   val_fraction;        // per-series held-out fraction for validation (default 0.2)
    double   fraction_train;      // Flower's fraction_train, in (0, 1] (default 1.0)
    int32_t  min_train_nodes;     // Flower's min_train_nodes (default 2)
    // Strategy hyperparameters, with Flower 1.42's names; NaN or -1 = the strategy's default.
    // Only those of the chosen strategy are read; the others are ignored.
    double   proximal_mu;         // FedProx (default Flower's 0.0)
    double   server_learning_rate;// FedAvgM
    double   server_momentum;     // FedAvgM
    double   eta;                 // FedAdagrad/FedAdam/FedYogi server learning rate
    double   eta_l;               // FedOpt client learning rate (reported only)
    double   beta_1;              // FedAdam/FedYogi
    double   beta_2;              // FedAdam/FedYogi
    double   tau;                 // FedOpt adaptivity
    double   trim_beta;           // FedTrimmedAvg `beta`
    double   q;                   // QFedAvg `q`
    int32_t  num_malicious_nodes; // Krum/MultiKrum/Bulyan `num_malicious_nodes`
    int32_t  num_nodes_to_select; // MultiKrum `num_nodes_to_select`
    // Differential privacy (client-level DP-FedAvg, McMahan et al. 2018; fixed clipping on the
    // server): each round's sum of clipped updates (equal weights) gets N(0, (sigma*S)^2) and
    // is divided by the FIXED expected count m = max(floor(n_clients*fraction_train),
    // min_train_nodes); sampling per dp_sampling below. Only for FEDAVG, FEDPROX, FEDAVGM,
    // FEDADAGRAD, FEDADAM, FEDYOGI: other strategies give TGFL_ERR_INVALID_ARGUMENT with DP.
    // The unit protected is one client (institution): user-level DP.
    double   dp_noise_multiplier; // sigma; 0 = off (default 0)
    double   dp_clip_norm;        // S, L2 clip of each client update (default 1.0)
    double   dp_delta;            // delta for the reported epsilon (default 1e-5)
    bool     secure_aggregation;  // pairwise additive masks, needs >= 2 sampled clients (default false)
    uint64_t seed;                // partitioning, sampling, local batches, noise (default 42)
    int32_t  n_threads;           // 0 = all cores, else 1..256
    tgfl_progress_callback progress; // optional, called after each round
    void *   progress_user_data;
    // Appended fields (keep at the end for ABI compatibility).
    int32_t  dp_sampling;         // tgfl_dp_sampling (default TGFL_DP_SAMPLING_POISSON)
    // ABI 3.
    bool     output_prior;        // fresh model: head.bias from the pooled token counts (default true)
    bool     keep_best;           // end with the global weights of the round with the lowest
                                  // validation loss (default false)
    bool     allow_prices;        // silence the "looks like prices" warning (default false)
    double   weight_decay;        // local AdamW weight decay (default 0.01)
    double   grad_clip;           // local global-norm clip, 0 = off (default 1.0)
    double   fraction_evaluate;   // Flower's fraction_evaluate, in (0, 1] (default 1.0)
    int32_t  min_evaluate_nodes;  // Flower's min_evaluate_nodes (0 = min(2, n_clients), the default)
    int32_t  min_partition_windows; // fewest training windows a client may get (default 1)
    int32_t  max_validation_windows; // validation windows each client evaluates at most (default 64)
    bool     report_local_validation; // clients also report val_loss of their local weights (default true)
    double   dropout_probability; // per-round probability in [0, 1) that a sampled client drops out (default 0)
    double   straggler_deadline;  // simulated deadline in seconds; 0 = no stragglers (default 0)
    double   straggler_base_time; // median simulated round time of a client, s (default 1)
    double   straggler_spread;    // log-normal spread of the simulated times (default 0.5)
    int32_t  checkpoint_every;    // write a resumable checkpoint every k rounds, 0 = never (default 0)
    const char * checkpoint_path; // where (required when checkpoint_every > 0; default NULL)
    const char * resume_from;     // continue the run saved in this checkpoint (written by
                                  // checkpoint_every with the same settings); NULL = a fresh run
    int32_t  min_available_nodes; // Flower's min_available_nodes (0 = min_train_nodes, the default)
    int32_t  n_byzantine;         // clients 0 ..< n_byzantine send attacked updates (default 0)
    int32_t  byzantine_attack;    // tgfl_byzantine_attack (default SIGN_FLIP)
    double   byzantine_param;     // the attack's scale, factor or noise std (default 1.0)
    // Appended after ABI 3 (issue 19): where a fresh model's data models (volatility filter,
    // level edges, regimes, tokenizer, output prior) come from. By default from the clients'
    // summaries, shared in the clear: epsilon then covers the rounds only. Give at most one
    // of the public sources below (both: TGFL_ERR_INVALID_ARGUMENT).
    const char *   data_models_from;  // a PUBLIC bundled series: "NAME" or "bundled:NAME[:COLUMN]"
                                      // (e.g. "djia", as `tgfl federate --data-models-from
                                      // bundled:djia`); NULL = none (default)
    const double * public_returns;    // or PUBLIC log returns (public_returns_length values,
                                      // finite, >= 2); NULL = none (default)
    size_t         public_returns_length;
    double         dp_summaries_noise; // > 0: fit the data models from the clients' summaries
                                      // released through a Gaussian mechanism with this noise
                                      // multiplier, composed into epsilon (`tgfl federate
                                      // --dp-summaries`); needs dp_noise_multiplier > 0 and no
                                      // public source; 0 = off (default)
    // Appended in session 14 (issue 19): dates, and the clients' volatility level released with
    // noise. A date is an int32 yyyymmdd (19990104 = 4 January 1999), the day of the close that
    // ends the return (r_t = ln(P_t / P_{t-1}) is dated t); each array strictly increasing.
    // Dates change nothing but the release below (same seed, same bits without it).
    const int32_t * const * series_dates; // NULL = undated (default); else series_dates[i] holds the
                                      // dates of series[i], one per return
    const size_t *  series_dates_lengths; // with series_dates: n_series counts, each == lengths[i]
    const int32_t * public_dates;     // with public_returns: one date per public return; NULL =
                                      // undated (default). A bundled data_models_from is dated.
    size_t          public_dates_length; // == public_returns_length when public_dates is set
    double          dp_volatility_noise; // z_v > 0: calibrate generation's volatility level to the
                                      // public series' variance times the clients' own log-σ ratio
                                      // to it on the same dates, released through a Gaussian
                                      // mechanism with multiplier z_v and composed into epsilon
                                      // (`tgfl federate --dp-volatility-noise`; the record's
                                      // privacy.volatility_level). Needs dp_noise_multiplier > 0,
                                      // a dated public source (data_models_from, or public_returns
                                      // with public_dates), series_dates sharing dates with it, and
                                      // partition TIME or NATURAL; 0 = off (default)
    // Appended in session 15 (issue 19): the MA(1) mean term of generation, fitted on the public
    // source (data_models_from or public_returns) alone and applied to the generated returns
    // (the lag-1 mean reversion DP networks do not learn); public data only, so epsilon is
    // unchanged (`tgfl federate --[no-]public-mean-term`; the record's mean_term). Ignored without
    // a public source and for model v1.
    int32_t         public_mean_term; // 1 = on (default), 0 = off; other values: TGFL_ERR_OUT_OF_RANGE
    // Appended in session 16 (issue 19): the public z marginal. After the rounds, a v2 model's
    // pooled z of unconditional generation is mapped monotonically onto the public source's z
    // marginal (pilot paths of the trained model against the public residuals), and the
    // volatility level is calibrated again; public data only, so epsilon is unchanged
    // (`tgfl federate --[no-]public-z-marginal`; the training history's z_marginal). Ignored
    // without a public source and for model v1.
    int32_t         public_z_marginal; // 1 = on (default), 0 = off; other values: TGFL_ERR_OUT_OF_RANGE
    // Appended in session 18 (issue 19): the box h of dp_volatility_noise's release (each
    // client's log-σ ratio and the released level are clamped to ±h; the noise std on the sum
    // is dp_volatility_noise · h, so epsilon does not depend on h). Choose h from PUBLIC data
    // only (Benchmarks/privacy_level_bound.py; the README's recommended setting uses 0.175).
    double          dp_volatility_bound; // h > 0 and finite, only with dp_volatility_noise > 0
                                      // (else TGFL_ERR_INVALID_ARGUMENT); 0 = the default 0.25
                                      // (`tgfl federate --dp-volatility-bound`; the record's
                                      // privacy.volatility_level.sensitivity)
    // Appended in session 22 (issue 12): the dependence rematch of the trained global model, as
    // tgfl_train_params.rematch_dependence (`tgfl federate --rematch-dependence`): 1 = on, 0 = off
    // (the default); other values: TGFL_ERR_OUT_OF_RANGE. Needs dp_noise_multiplier 0 (it compares
    // pilots with the clients' 250-day chunk curves, which no DP guarantee covers: refused with
    // DP, TGFL_ERR_INVALID_ARGUMENT), model v2 and a training span of at least 250 days.
    int64_t         rematch_dependence;
} tgfl_federated_params;

// Simulated Byzantine clients (tgfl_federated_params.byzantine_attack), on the update Δ:
typedef enum tgfl_byzantine_attack {
    TGFL_BYZANTINE_SIGN_FLIP      = 0, // Δ' = −param · Δ
    TGFL_BYZANTINE_SCALED         = 1, // Δ' = param · Δ
    TGFL_BYZANTINE_GAUSSIAN_NOISE = 2  // Δ' = Δ + N(0, param²)
} tgfl_byzantine_attack;

// Client sampling under DP (tgfl_federated_params.dp_sampling).
typedef enum tgfl_dp_sampling {
    TGFL_DP_SAMPLING_POISSON = 0, // each client joins with q = m/N; add/remove neighbours
    TGFL_DP_SAMPLING_FIXED   = 1, // exactly m without replacement; replace-one (noise counts as sigma/2)
} tgfl_dp_sampling;

TGFL_API tgfl_federated_params tgfl_federated_default_params(void);

// Trains the model federatedly on `n_series` return series (series[i] has lengths[i]
// values), partitioned across n_clients institutions. Fits the tokenizer/regime model
// on the pooled training spans first if the model has none (see tgfl_model_train).
// *out_epsilon (may be NULL) receives the privacy budget spent at dp_delta: the smaller of
// the RDP and PLD accountants' (+inf when dp_noise_multiplier is 0).
// On TGFL_ERR_CANCELLED the model holds the global weights after the last full round.
TGFL_API int32_t tgfl_model_train_federated(tgfl_model * model,
                                            const double * const * series, const size_t * lengths,
                                            size_t n_series,
                                            const tgfl_federated_params * params,
                                            double * out_epsilon);

// ---------------------------------------------------------------------------------------
// Generation and likelihood
// ---------------------------------------------------------------------------------------
typedef struct tgfl_generate_params {
    uint32_t        struct_size;   // ABI 3: sizeof(tgfl_generate_params); set by the default params
    int32_t         n_paths;       // scenarios (default 100)
    int32_t         horizon;       // days per scenario (default 250)
    int32_t         regime;        // regime index for every day (default 1, "normal");
                                   // ignored when regime_path is set
    const int32_t * regime_path;   // optional: one regime index per day, length `horizon`
    const double *  prompt;        // optional: recent real log returns to condition on
    size_t          prompt_length;
    double          temperature;   // softmax temperature > 0 (default 1.0)
    uint64_t        seed;          // default 42; same seed -> same bits, any thread count
    int32_t         n_threads;     // 0 = all cores, else 1..256
    tgfl_progress_callback progress; // optional, called after each chunk of paths
    void *          progress_user_data;
    bool            unconditional; // ABI 2: true = no regime condition, the model's own volatility
                                   // and regime dynamics (v2 models only); regime and
                                   // regime_path are then ignored (default false)
} tgfl_generate_params;

TGFL_API tgfl_generate_params tgfl_generate_default_params(void);

// Generates n_paths × horizon daily log returns into `out` (row-major, one path per row;
// `out_len` must equal n_paths * horizon).
// Errors: TGFL_ERR_STATE (the model has no tokenizer: train or load it first),
// TGFL_ERR_OUT_OF_RANGE (regime), TGFL_ERR_INVALID_ARGUMENT, TGFL_ERR_CANCELLED.
TGFL_API int32_t tgfl_model_generate(tgfl_model * model, const tgfl_generate_params * params,
                                     double * out, size_t out_len);

// Logits for token and regime arrays tokens[B*T], regimes[B*T] into out[B*T*V]
// (out_len must equal B*T*vocab_size; 1 <= T <= context_length).
TGFL_API int32_t tgfl_model_logits(tgfl_model * model, const int32_t * tokens,
                                   const int32_t * regimes, int32_t batch, int32_t seq_len,
                                   float * out, size_t out_len);

// Mean log-likelihood per day (nats, of the tokenized returns) of a log-return series under
// the model, using its tokenizer and regime labelling; *out_mean_loglik receives it.
TGFL_API int32_t tgfl_model_log_likelihood(tgfl_model * model, const double * returns,
                                           size_t n_returns, double * out_mean_loglik);

// ---------------------------------------------------------------------------------------
// Evaluation (TGFLStats; no model needed)
// ---------------------------------------------------------------------------------------

// Compares real log returns with synthetic paths (n_paths × horizon, row-major) and writes
// the StylizedFactsReport as a JSON string into *out_json (free it with tgfl_string_free).
TGFL_API int32_t tgfl_evaluate(const double * real, size_t n_real,
                               const double * synthetic, int32_t n_paths, int32_t horizon,
                               uint64_t seed, char ** out_json);

// Frees a string returned by TGFL. NULL is a no-op.
TGFL_API void tgfl_string_free(char * s);

// ---------------------------------------------------------------------------------------
// Report (issue 15): the self-contained HTML report, as `tgfl report` writes it
// ---------------------------------------------------------------------------------------

// What tgfl_report returns.
#define TGFL_REPORT_HTML 0 // the page: one self-contained HTML document (no network request)
#define TGFL_REPORT_JSON 1 // the numbers it draws (bands, histograms, curves) as JSON

// Renders the report of scenario sets against real log returns real[n_real].
// paths holds every set's paths one after another, row-major (sum(set_paths) × horizon);
// set i has set_paths[i] paths and the name set_names[i]. A set named after one of the
// model's regimes is drawn as that regime (against the real days the model labels with it);
// the first set that is not is the overall set (densities, QQ, ACF, facts, memorization).
// model may be NULL; otherwise its training history and federation record are drawn too.
// training_days > 0: real[0 .. training_days) was the training span (memorization chart).
// *out_text receives the text (free it with tgfl_string_free).
// Errors: TGFL_ERR_INVALID_ARGUMENT (NULL pointer, bad size, non-finite value, a set without
// paths, paths not shorter than n_real, an unknown format), TGFL_ERR_OUT_OF_RANGE (n_sets
// outside 1 … 1024, horizon < 1, training_days outside [0, n_real)), TGFL_ERR_STATE (model
// busy in its own callback).
TGFL_API int32_t tgfl_report(tgfl_model * model, const double * real, size_t n_real,
                             const double * paths, const int32_t * set_paths,
                             const char * const * set_names, int32_t n_sets, int32_t horizon,
                             int32_t training_days, uint64_t seed, int32_t format, char ** out_text);

// The backtest page (issue 15 for issue 16): `backtest_json` is a backtest as tgfl_backtest
// writes it (and `tgfl backtest --json`); dates[n_dates] optionally name every return of the
// series (NULL with n_dates = 0: none; else n_dates must reach span_end). *out_html receives
// the page (free it with tgfl_string_free): per horizon the tests' table with the traffic-light
// zones, each model's VaR forecasts against the realised returns with the exceptions, and PIT
// histograms with Berkowitz's LR.
// Errors: TGFL_ERR_INVALID_ARGUMENT (NULL pointer, invalid UTF-8, JSON that is not a backtest:
// the message names the key; too few dates).
TGFL_API int32_t tgfl_backtest_report(const char * backtest_json, const char * const * dates, size_t n_dates,
                                      char ** out_html);

// The portfolio-stress page (issue 15 for issue 17). `stress_json` is the object
//   {"assets": [K names], "weights": [K], "level": a, "horizon": H, "realName": null or "name",
//    "regimes": [{"name", "profitAndLoss": [n], "maxDrawdowns": [n], "valueAtRisk", "expectedShortfall",
//                 "componentExpectedShortfall": [K],
//                 "worst": [{"path", "profitAndLoss", "maxDrawdown", "assetReturns": [K]}],
//                 "real": null or {"windows", "valueAtRisk", "expectedShortfall"}}]}
// (losses positive; Python's tgfl.StressReport builds it from tgfl_portfolio_stress results).
// *out_html receives the page (free it with tgfl_string_free): per regime the P&L density with
// VaR and ES, VaR/ES bars (against the real windows when given), the maximum-drawdown
// distribution, component-ES bars and the worst scenarios.
// Errors: TGFL_ERR_INVALID_ARGUMENT (NULL pointer, invalid JSON: the message names the key;
// lengths that disagree or non-finite values: the message names the regime and field).
TGFL_API int32_t tgfl_stress_report(const char * stress_json, char ** out_html);

// Joint scenarios of several assets and portfolio stress (issue 17)
// ---------------------------------------------------------------------------------------
// A joint model reads K assets of a day one after the other (one interleaved token stream,
// each asset with its own GJR-GARCH volatility state; README "Joint scenarios"). These calls
// work on checkpoint files (format_version 3), not on tgfl_model handles: tgfl_model_load
// refuses a joint checkpoint with TGFL_ERR_CHECKPOINT. Arrays are row-major with the asset
// index last: returns[day * n_assets + asset], out[(path * horizon + day) * n_assets + asset].
// The params' progress callbacks are not called by these functions.

// Trains a joint model of n_assets (>= 2) assets on n_days days and saves it to out_path.
// `config` gives the architecture; its model_version and n_volatility_levels are replaced by
// 2 and n_assets * levels_per_asset. asset_names: n_assets distinct non-empty names. With
// val_fraction > 0 the parameters of the best validation evaluation (every eval_every steps)
// are kept; patience stops early as for tgfl_model_train. params->joint_whitening picks the
// per-regime whitening rule (tgfl_joint_whitening), params->joint_regime_starts (1, the default,
// or 0) whether to fit market-regime starts, params->joint_band_map (1, the default since issue 17's
// session 21, or 0) whether to fit the z band map, params->joint_regime_z_tail (0, the default, or 1) whether to fit a
// regime z tail map, params->joint_copula_fit (0, the default, or 1) how the copula's ν is fitted and
// params->joint_start_dependence (0, the default, 1 or 2) how the day-0 volatilities depend on each other.
// Errors: TGFL_ERR_INVALID_ARGUMENT (NULL, NaN/inf returns, duplicate names),
// TGFL_ERR_INVALID_CONFIG, TGFL_ERR_OUT_OF_RANGE (a params field, joint_whitening not a
// tgfl_joint_whitening, joint_regime_starts, joint_band_map, joint_regime_z_tail or joint_copula_fit
// not 0 or 1, joint_start_dependence not 0, 1 or 2),
// TGFL_ERR_CHECKPOINT / _IO.
TGFL_API int32_t tgfl_joint_train(const char * out_path, const double * returns, size_t n_days,
                                  int32_t n_assets, const char * const * asset_names,
                                  const tgfl_model_config * config, int32_t levels_per_asset,
                                  uint64_t seed, const tgfl_train_params * params);

// The number of assets of a joint checkpoint, and in *out_json (free it with tgfl_string_free)
// the JSON object {"assets": [names in stream order], "regimes": [market regime names],
// "copula": {...} or null, "whitening": "return_correlation", "two_factor", "covariance" or
// "correlation"} (the copula: see tgfl_joint_generate_copula; whitening: the rule of the stored
// per-regime factors L_g, tgfl_joint_whitening: "return_correlation" since session 17,
// "two_factor" (session 18; generation and encoding factors), "covariance" sessions 13-16,
// "correlation" for older checkpoints, which generate as before), "regime_starts", "band_map",
// "regime_z_tail" (booleans: whether the model has each part), "start_dependence": null (comonotone
// starts) or the unconditional starts' correlation of the normal scores [n_assets², row-major]
// (params->joint_start_dependence 1: the training days'; 2: the identity)}.
TGFL_API int32_t tgfl_joint_info(const char * model_path, int32_t * out_n_assets, char ** out_json);

// Generates n_paths × horizon × n_assets daily log returns into `out` (out_len must equal
// their product) and, when out_regimes is not NULL, the market regime of every path and day
// (n_paths * horizon values). params->regime / regime_path / unconditional / temperature /
// seed / n_threads as for tgfl_model_generate (default params: regime 1, "normal"); an optional
// prompt holds prompt_length = days * n_assets recent real returns, row-major.
// Errors: TGFL_ERR_INVALID_ARGUMENT, TGFL_ERR_SHAPE (out_len, prompt_length), TGFL_ERR_OUT_OF_RANGE,
// TGFL_ERR_CHECKPOINT (not a joint checkpoint).
TGFL_API int32_t tgfl_joint_generate(const char * model_path, const tgfl_generate_params * params,
                                     double * out, size_t out_len, int32_t * out_regimes);

// As tgfl_joint_generate, with the copula switch: use_copula 1 draws a day's uniforms from the
// model's t copula (what tgfl_joint_generate does), 0 draws them independently (as before the
// copula; a checkpoint saved without one always does). tgfl_joint_info's JSON gives the copula
// ("copula": {"degrees_of_freedom": nu or null for Gaussian, "correlation": [R, row-major]}, or
// null). Errors: as tgfl_joint_generate; TGFL_ERR_OUT_OF_RANGE for use_copula not 0 or 1.
TGFL_API int32_t tgfl_joint_generate_copula(const char * model_path, const tgfl_generate_params * params,
                                            int32_t use_copula, double * out, size_t out_len,
                                            int32_t * out_regimes);

// Buy-and-hold portfolio on joint scenarios (n_paths × horizon × n_assets log returns):
// weights[n_assets] money per asset; level in (0, 1). Writes VaR and ES of the horizon P&L
// (losses positive), component ES per asset (out_component_es[n_assets], summing to the ES),
// optionally each path's P&L and maximum drawdown (out_pnl / out_max_drawdowns[n_paths], may
// be NULL) and the indices of the n_worst worst paths (out_worst[n_worst], may be NULL when
// n_worst is 0).
TGFL_API int32_t tgfl_portfolio_stress(const double * scenarios, int32_t n_paths, int32_t horizon,
                                       int32_t n_assets, const double * weights, double level,
                                       double * out_var, double * out_es, double * out_component_es,
                                       double * out_pnl, double * out_max_drawdowns,
                                       int32_t n_worst, int32_t * out_worst);

// Backtest (issue 16): walk-forward VaR / ES backtests of conditional scenarios
// ---------------------------------------------------------------------------------------

// For each day t in [span_start, span_end) of `returns` (every h-th day for horizon h), the
// model is prompted with returns[0 .. t) (its last 1,000 days) and generates n_paths paths of h
// days; the baselines (HS 250/500, FHS-GARCH, FHS-GJR, GARCH-t) forecast the same days from
// the same history. Each model is backtested (exceptions, Kupiec, Christoffersen, traffic light,
// Basel over the last 250 days, Acerbi–Székely Z2, PIT and Berkowitz) and the
// WalkForwardBacktest is written as a JSON string into *out_json (free it with tgfl_string_free).
//   model       optional: NULL backtests the baselines only; it must have been trained on
//               returns[0 .. span_start) only (nothing here can check that)
//   levels      tail probabilities in (0, 0.5); NULL with n_levels = 0: 0.01 and 0.025
//   horizons    days in 1..64; NULL with n_horizons = 0: 1 and 10
//   n_paths     TGFL paths per day and the baselines' simulations for h > 1 (>= 100)
//   baselines   true: run the five baselines as well
//   seed        same seed -> same bits, any n_threads (0 = all cores)
// Errors: TGFL_ERR_STATE (untrained model), TGFL_ERR_OUT_OF_RANGE (span, level, horizon,
// n_paths), TGFL_ERR_INVALID_ARGUMENT (NULL or non-finite returns, a span too short for a
// baseline's window or for 3 forecasts per horizon). Every other option of `tgfl backtest`:
// tgfl_backtest_ex below.
TGFL_API int32_t tgfl_backtest(tgfl_model * model, const double * returns, size_t n_returns,
                               size_t span_start, size_t span_end,
                               const double * levels, size_t n_levels,
                               const int32_t * horizons, size_t n_horizons,
                               int32_t n_paths, bool baselines, uint64_t seed, int32_t n_threads,
                               char ** out_json);

// Every option of `tgfl backtest` (issue 16, session 12; an ABI addition: tgfl_backtest stays
// and gives the same bits as tgfl_backtest_ex with these defaults and its arguments).
typedef enum tgfl_prompt_filter {
    TGFL_PROMPT_FILTER_GJR    = 0, // the model's fitted GJR-GARCH filter (default)
    TGFL_PROMPT_FILTER_BETA_T = 1, // Harvey's Beta-t-EGARCH fitted on returns[0 .. span_start)
} tgfl_prompt_filter;

// Where the z recalibration's empirical quantile puts probability u on n sorted residuals.
typedef enum tgfl_quantile_position {
    TGFL_QUANTILE_LINEAR  = 0, // h = (n - 1) u, 0-based (NumPy's default, Hyndman-Fan type 7)
    TGFL_QUANTILE_WEIBULL = 1, // h = (n + 1) u, 1-based (NumPy's "weibull", type 6): the k-th
                               // smallest is the k / (n + 1) quantile
} tgfl_quantile_position;

typedef struct tgfl_backtest_params {
    uint32_t        struct_size;       // sizeof(tgfl_backtest_params); set by tgfl_backtest_default_params
    const double *  levels;            // tail probabilities in (0, 0.5); NULL with n_levels = 0:
    size_t          n_levels;          //   0.01 and 0.025 (default)
    const int32_t * horizons;          // days in 1..64; NULL with n_horizons = 0: 1 and 10 (default)
    size_t          n_horizons;
    int32_t         n_paths;           // TGFL paths per day, baselines' simulations for h > 1; >= 100 (1000)
    int32_t         prompt_days;       // real days in each prompt (the filter's span), >= 1 (1000)
    bool            baselines;         // run HS-250/500, FHS-GARCH, FHS-GJR, GARCH-t too (true)
    int32_t         refit_every;       // forecasts between refits of the baselines' GARCH fits and of
                                       //   TGFL's volatility filter, >= 1 (20; `--refit-every`)
    bool            refit_volatility;  // refit TGFL's filter on the prompt (true; false =
                                       //   `--no-volatility-refit`: the trained filter every day)
    bool            compare_trained_filter; // also model "TGFL-trained-filter" (false); needs
                                       //   refit_volatility and a model
    int32_t         z_recalibration_window; // n: recalibrate the generated z on the prompt's last n
                                       //   standardized residuals, n >= 20; 0 = off (250)
    double          z_recalibration_weight; // λ in [0, 1] (0.75); ignored when the window is 0
    int32_t         z_recalibration_position; // TGFL_QUANTILE_* of the residuals' quantile (WEIBULL)
    bool            compare_uncalibrated;   // also model "TGFL-uncalibrated" (false); needs the
                                       //   recalibration on and a model
    const int32_t * compare_z_windows; // n_compare_z extra recalibrations, models "TGFL-z<n>-<λ>"
    const double *  compare_z_weights; //   (NULL, NULL, 0: none; `--compare-z-recalibrations`)
    const int32_t * compare_z_positions; // optional (NULL: all TGFL_QUANTILE_LINEAR)
    size_t          n_compare_z;
    int32_t         prompt_filter;     // TGFL_PROMPT_FILTER_* (GJR)
    bool            compare_prompt_filter;  // also the other filter, "TGFL-beta-t" or "TGFL-gjr" (false)
    int32_t         es_simulations;    // draws of the Acerbi–Székely p-value, >= 1000 (2000)
    uint64_t        seed;              // generation, simulations and the ES test (42)
    int32_t         n_threads;         // 0 = all cores, else 1..256; results do not depend on it
    tgfl_progress_callback progress;   // optional: TGFL_PROGRESS_BACKTEST reports (per mille, ETA),
    void *          progress_user_data; //  possibly from worker threads, one call at a time;
                                       //   false cancels (TGFL_ERR_CANCELLED)
} tgfl_backtest_params;

TGFL_API tgfl_backtest_params tgfl_backtest_default_params(void);

// As tgfl_backtest, with every option in `params` (NULL: the defaults). The options of the
// TGFL rows (refit_volatility, the z recalibration, the prompt filter and the compare_* rows)
// apply to v2 models; a v1 model is backtested as one row "TGFL" with its own filter.
// Errors: as tgfl_backtest; TGFL_ERR_INVALID_ARGUMENT for a struct_size of another ABI, NULL
// arrays with a count, a compare_* option without a model or without the setting it compares
// with, or a model NULL with baselines false; TGFL_ERR_OUT_OF_RANGE for a field outside its range
// (the message names the field: "refit_every", "z_recalibration_weight", "prompt_filter", ...);
// TGFL_ERR_CANCELLED.
TGFL_API int32_t tgfl_backtest_ex(tgfl_model * model, const double * returns, size_t n_returns,
                                  size_t span_start, size_t span_end,
                                  const tgfl_backtest_params * params, char ** out_json);

#ifdef __cplusplus
}
#endif

#endif // TGFL_H
