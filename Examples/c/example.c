// example.c — the TGFL C ABI from start to finish, and its error paths.
//
//   create → get/set params → logits → save → load → train a few steps on the bundled
//   S&P 500 series → generate → log-likelihood → evaluate → free,
//   then 50 × create/free and 50 × load/free (for the leak check), and the error paths:
//   NULL pointers, wrong sizes, NaN input, unknown enum values, stale handles.
//
// Usage: example <sp500.csv> <output directory> [--quick]
// --quick (used for the valgrind run) shrinks the numerical work (fewer steps, days, paths),
// not the lifecycle: every function, every error path and both 50× loops still run.
// Exit status 0 when every check passed; otherwise the failing call and tgfl_last_error().

#define _POSIX_C_SOURCE 200809L

#include "tgfl.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures = 0;

// Seconds since the first call (phase timings in the output).
static double seconds(void) {
    static struct timespec start;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (start.tv_sec == 0 && start.tv_nsec == 0) start = now;
    return (double)(now.tv_sec - start.tv_sec) + 1e-9 * (double)(now.tv_nsec - start.tv_nsec);
}

// Runs a call that must succeed; on failure prints it with the library's message.
#define CHECK_OK(call)                                                                    \
    do {                                                                                  \
        int32_t status_ = (int32_t)(call);                                                \
        if (status_ != TGFL_OK) {                                                         \
            fprintf(stderr, "%s:%d: %s failed with status %d: %s\n", __FILE__, __LINE__, \
                    #call, status_, tgfl_last_error());                                   \
            failures++;                                                                   \
            goto done;                                                                    \
        }                                                                                 \
    } while (0)

// Runs a call that must fail with `expected` and leave a non-empty message.
#define CHECK_STATUS(call, expected)                                                        \
    do {                                                                                    \
        int32_t status_ = (int32_t)(call);                                                  \
        const char * message_ = tgfl_last_error();                                          \
        if (status_ != (expected) || message_ == NULL || message_[0] == '\0') {             \
            fprintf(stderr, "%s:%d: %s returned %d (expected %d), message '%s'\n", __FILE__, \
                    __LINE__, #call, status_, (int)(expected), message_ ? message_ : "(null)"); \
            failures++;                                                                     \
        } else {                                                                            \
            printf("  ok  %-60.60s -> %d: %s\n", #call, status_, message_);                 \
        }                                                                                   \
    } while (0)

#define CHECK_TRUE(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                               \
        }                                                                             \
    } while (0)

// Reads the `close` column of a `date,close` CSV and returns the daily log returns.
static double * read_log_returns(const char * path, size_t * out_n) {
    FILE * file = fopen(path, "r");
    if (!file) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    size_t capacity = 8192, n = 0;
    double * closes = malloc(capacity * sizeof(double));
    char line[256];
    if (!closes || !fgets(line, sizeof line, file)) { // header
        free(closes);
        fclose(file);
        return NULL;
    }
    while (fgets(line, sizeof line, file)) {
        const char * comma = strchr(line, ',');
        if (!comma) continue;
        if (n == capacity) {
            capacity *= 2;
            double * grown = realloc(closes, capacity * sizeof(double));
            if (!grown) break;
            closes = grown;
        }
        closes[n++] = strtod(comma + 1, NULL);
    }
    fclose(file);
    if (n < 2) {
        free(closes);
        return NULL;
    }
    double * returns = malloc((n - 1) * sizeof(double));
    if (returns) {
        for (size_t i = 1; i < n; i++) returns[i - 1] = log(closes[i] / closes[i - 1]);
    }
    free(closes);
    *out_n = n - 1;
    return returns;
}

// The dates of read_log_returns' returns as int32 yyyymmdd (the day of each return's close):
// rows 2 … n of a `YYYY-MM-DD,close` CSV; *out_n receives their count.
static int32_t * read_return_dates(const char * path, size_t * out_n) {
    FILE * file = fopen(path, "r");
    if (!file) return NULL;
    size_t capacity = 8192, n = 0;
    int32_t * dates = malloc(capacity * sizeof(int32_t));
    char line[256];
    bool first = true;
    if (!dates || !fgets(line, sizeof line, file)) { // header
        free(dates);
        fclose(file);
        return NULL;
    }
    while (fgets(line, sizeof line, file)) {
        int year = 0, month = 0, day = 0;
        if (sscanf(line, "%d-%d-%d,", &year, &month, &day) != 3) continue;
        if (first) { first = false; continue; } // the first close has no return
        if (n == capacity) {
            capacity *= 2;
            int32_t * grown = realloc(dates, capacity * sizeof(int32_t));
            if (!grown) break;
            dates = grown;
        }
        dates[n++] = (int32_t)(year * 10000 + month * 100 + day);
    }
    fclose(file);
    *out_n = n;
    return dates;
}

// Progress callback: counts calls; cancels once `*user_data` calls were seen (if > 0).
typedef struct {
    int calls;
    int cancel_after;
    int64_t last_step;
    int32_t last_kind;
} progress_state;

static bool on_progress(const tgfl_progress * progress, void * user_data) {
    progress_state * state = user_data;
    state->calls++;
    state->last_step = progress->step;
    state->last_kind = progress->kind;
    return !(state->cancel_after > 0 && state->calls >= state->cancel_after);
}

// The last error is thread-local: a fresh thread sees "".
static void * read_last_error(void * out) {
    *(int *)out = tgfl_last_error()[0] == '\0';
    return NULL;
}

// A small model so the example (and its valgrind run) stays quick.
// ABI 3: collects the warnings of the log callback (tgfl_log_set).
typedef struct { int count; int last_level; char last[512]; } log_state;

static void on_log(int32_t level, const char * text, void * user_data) {
    log_state * state = user_data;
    state->count++;
    state->last_level = level;
    snprintf(state->last, sizeof state->last, "%s", text);
}

// ABI 3: versioned parameter structs and the "looks like prices" check and warning.
static void versioned_params_and_sanity(tgfl_model * fresh) {
    tgfl_train_params train = tgfl_train_default_params();
    CHECK_TRUE(train.struct_size == sizeof(tgfl_train_params));
    CHECK_TRUE(train.output_prior && train.keep_best && !train.allow_prices);
    CHECK_TRUE(train.joint_whitening == TGFL_JOINT_WHITENING_TWO_FACTOR); // issue 17, session 18: the default
    CHECK_TRUE(train.joint_regime_starts == 1); // issue 17, session 19: market-regime starts by default
    CHECK_TRUE(train.joint_regime_z_tail == 0); // issue 17, session 20: no regime z tail map by default
    CHECK_TRUE(train.joint_band_map == 1); // issue 17, session 21: the z band map (own z, shrunk) by default
    tgfl_generate_params gen = tgfl_generate_default_params();
    CHECK_TRUE(gen.struct_size == sizeof(tgfl_generate_params));
    tgfl_federated_params fed = tgfl_federated_default_params();
    CHECK_TRUE(fed.struct_size == sizeof(tgfl_federated_params));
    CHECK_TRUE(fed.output_prior && fed.weight_decay == 0.01 && fed.max_validation_windows == 64);
    CHECK_TRUE(fed.resume_from == NULL && fed.n_byzantine == 0 && fed.byzantine_param == 1.0);

    double prices[64], returns[64];
    double price = 1300.0;
    for (int i = 0; i < 64; i++) {
        returns[i] = 0.01 * sin(1.7 * i);
        price *= exp(returns[i]);
        prices[i] = price;
    }
    train.struct_size = 0; // a struct that did not come from tgfl_train_default_params
    CHECK_STATUS(tgfl_model_train(fresh, returns, 64, &train), TGFL_ERR_INVALID_ARGUMENT);
    train.struct_size = sizeof(tgfl_train_params) + 8; // built against a newer header
    CHECK_STATUS(tgfl_model_train(fresh, returns, 64, &train), TGFL_ERR_INVALID_ARGUMENT);
    train.struct_size = sizeof(tgfl_train_params);
    train.precision = 7;                                // issue 18: not a tgfl_precision
    CHECK_STATUS(tgfl_model_train(fresh, returns, 64, &train), TGFL_ERR_OUT_OF_RANGE);
    train.precision = TGFL_PRECISION_FP32;

    const double * series[1] = {returns};
    size_t lengths[1] = {64};
    fed.n_clients = 1;
    fed.min_train_nodes = 1;
    fed.n_byzantine = 1;
    fed.byzantine_attack = 7;
    CHECK_STATUS(tgfl_model_train_federated(fresh, series, lengths, 1, &fed, NULL), TGFL_ERR_OUT_OF_RANGE);
    fed.byzantine_attack = TGFL_BYZANTINE_SCALED;
    fed.resume_from = "/nonexistent/fed.h5";
    CHECK_STATUS(tgfl_model_train_federated(fresh, series, lengths, 1, &fed, NULL), TGFL_ERR_IO);

    // Issue 19: public data models and noised summaries; each bad setting is a status, not a trap.
    fed = tgfl_federated_default_params();
    CHECK_TRUE(fed.data_models_from == NULL && fed.public_returns == NULL && fed.dp_summaries_noise == 0);
    fed.data_models_from = "nosuchseries";
    CHECK_STATUS(tgfl_model_train_federated(fresh, series, lengths, 1, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT);
    fed.public_returns = returns;
    fed.public_returns_length = 64;
    CHECK_STATUS(tgfl_model_train_federated(fresh, series, lengths, 1, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT);
    fed.data_models_from = NULL;
    fed.public_returns = NULL; // a length without its array
    CHECK_STATUS(tgfl_model_train_federated(fresh, series, lengths, 1, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT);
    fed.public_returns_length = 0;
    fed.dp_summaries_noise = 1.0; // without dp_noise_multiplier
    CHECK_STATUS(tgfl_model_train_federated(fresh, series, lengths, 1, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT);
    fed.dp_summaries_noise = -1.0;
    CHECK_STATUS(tgfl_model_train_federated(fresh, series, lengths, 1, &fed, NULL), TGFL_ERR_OUT_OF_RANGE);
    // Pretraining needs a model v2 and series; adapting needs a fitted v2 model and a fraction in (0, 1].
    const char * names[1] = {"one"};
    train = tgfl_train_default_params();
    CHECK_STATUS(tgfl_model_pretrain(fresh, series, lengths, names, 0, &train), TGFL_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tgfl_model_pretrain(fresh, NULL, lengths, names, 1, &train), TGFL_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tgfl_model_adapt_data_models(fresh, returns, 64, 0.0, false), TGFL_ERR_OUT_OF_RANGE);
    CHECK_STATUS(tgfl_model_adapt_data_models(fresh, NULL, 64, 0.8, false), TGFL_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tgfl_model_adapt_data_models(fresh, returns, 64, 0.8, false), TGFL_ERR_INVALID_ARGUMENT);

    char * message = NULL;
    CHECK_TRUE(tgfl_check_returns(returns, 64, &message) == 0 && message == NULL);
    CHECK_TRUE(tgfl_check_returns(prices, 64, &message) == 1 && message != NULL);
    if (message) CHECK_TRUE(strstr(message, "looks like prices") != NULL);
    tgfl_string_free(message);
    CHECK_STATUS(tgfl_check_returns(NULL, 64, NULL), TGFL_ERR_INVALID_ARGUMENT);

    // Training on prices warns through the log callback (once), and trains; allow_prices silences it.
    log_state log = {0, 0, ""};
    tgfl_log_set(on_log, &log);
    train = tgfl_train_default_params();
    train.steps = 1;
    train.batch_size = 2;
    train.keep_best = true;
    CHECK_OK(tgfl_model_train(fresh, prices, 64, &train));
    CHECK_TRUE(log.count == 1 && log.last_level == TGFL_LOG_WARN && strstr(log.last, "looks like prices"));
    train.allow_prices = true;
    CHECK_OK(tgfl_model_train(fresh, prices, 64, &train));
    CHECK_TRUE(log.count == 1);
done:
    tgfl_log_set(NULL, NULL);
}

// Runs a call that must fail with `expected` and a message naming `field`.
#define CHECK_NAMES(call, expected, field)                                                   \
    do {                                                                                     \
        CHECK_STATUS(call, expected);                                                        \
        if (strstr(tgfl_last_error(), field) == NULL) {                                      \
            fprintf(stderr, "%s:%d: the message '%s' does not name %s\n", __FILE__, __LINE__, \
                    tgfl_last_error(), field);                                               \
            failures++;                                                                      \
        }                                                                                    \
    } while (0)

// tgfl_backtest_ex (issue 16): the defaults are tgfl_backtest's, every bad option is a status
// and a message naming it, and the options reach the run. `trained` is a trained model (v1).
static void backtest_options(const double * returns, size_t n_returns, tgfl_model * trained, bool quick) {
    tgfl_backtest_params p = tgfl_backtest_default_params();
    CHECK_TRUE(p.struct_size == sizeof(tgfl_backtest_params));
    CHECK_TRUE(p.levels == NULL && p.n_levels == 0 && p.horizons == NULL && p.n_horizons == 0);
    CHECK_TRUE(p.n_paths == 1000 && p.prompt_days == 1000 && p.baselines && p.refit_every == 20);
    CHECK_TRUE(p.refit_volatility && !p.compare_trained_filter && !p.compare_uncalibrated);
    CHECK_TRUE(p.z_recalibration_window == 250 && p.z_recalibration_weight == 0.75 && p.n_compare_z == 0);
    CHECK_TRUE(p.z_recalibration_position == TGFL_QUANTILE_WEIBULL && p.compare_z_positions == NULL);
    CHECK_TRUE(p.prompt_filter == TGFL_PROMPT_FILTER_GJR && !p.compare_prompt_filter);
    CHECK_TRUE(p.es_simulations == 2000 && p.seed == 42 && p.n_threads == 0 && p.progress == NULL);
    if (n_returns < 1003) return;

    char * json = (char *)1;
    tgfl_backtest_params bad = p;
    bad.struct_size = 0;
    CHECK_NAMES(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_INVALID_ARGUMENT,
                "tgfl_backtest_params.struct_size");
    CHECK_TRUE(json == NULL);
    bad = p; bad.refit_every = 0;
    CHECK_NAMES(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_OUT_OF_RANGE, "refit_every");
    bad = p; bad.prompt_days = 0;
    CHECK_NAMES(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_OUT_OF_RANGE, "prompt_days");
    bad = p; bad.es_simulations = 10;
    CHECK_NAMES(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_OUT_OF_RANGE, "es_simulations");
    bad = p; bad.z_recalibration_weight = 1.5;
    CHECK_NAMES(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_OUT_OF_RANGE,
                "z_recalibration_weight");
    bad = p; bad.z_recalibration_weight = NAN;
    CHECK_NAMES(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_INVALID_ARGUMENT,
                "z_recalibration_weight");
    bad = p; bad.z_recalibration_window = 5;
    CHECK_NAMES(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_OUT_OF_RANGE,
                "z_recalibration_window");
    bad = p; bad.prompt_filter = 7;
    CHECK_NAMES(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_OUT_OF_RANGE, "prompt_filter");
    bad = p; bad.n_compare_z = 1;
    CHECK_NAMES(tgfl_backtest_ex(trained, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_INVALID_ARGUMENT,
                "compare_z_windows");
    int32_t windows[2] = {250, 10};
    double weights[2] = {0.5, 0.5};
    bad.compare_z_windows = windows; bad.compare_z_weights = weights; bad.n_compare_z = 2;
    CHECK_NAMES(tgfl_backtest_ex(trained, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_OUT_OF_RANGE,
                "compare_z_windows[1]");
    bad = p; bad.compare_prompt_filter = true;
    CHECK_NAMES(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_INVALID_ARGUMENT,
                "compare_prompt_filter");
    bad = p; bad.compare_uncalibrated = true; bad.z_recalibration_window = 0;
    CHECK_NAMES(tgfl_backtest_ex(trained, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_INVALID_ARGUMENT,
                "compare_uncalibrated");
    bad = p; bad.compare_trained_filter = true; bad.refit_volatility = false;
    CHECK_NAMES(tgfl_backtest_ex(trained, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_INVALID_ARGUMENT,
                "compare_trained_filter");
    bad = p; bad.baselines = false;
    CHECK_NAMES(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &bad, &json), TGFL_ERR_INVALID_ARGUMENT,
                "nothing to backtest");
    CHECK_NAMES(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &p, NULL), TGFL_ERR_INVALID_ARGUMENT, "out_json");

    // The old positional function and tgfl_backtest_ex with the same settings: the same JSON.
    double level = 0.01;
    int32_t horizon = 1;
    char * old_json = NULL, * new_json = NULL, * refit_json = NULL;
    CHECK_OK(tgfl_backtest(NULL, returns, n_returns, 1000, 1003, &level, 1, &horizon, 1, 100, true, 5, 1, &old_json));
    p.levels = &level; p.n_levels = 1; p.horizons = &horizon; p.n_horizons = 1;
    p.n_paths = 100; p.seed = 5; p.n_threads = 1;
    progress_state progress = {0, 0, 0, -1};
    p.progress = on_progress;
    p.progress_user_data = &progress;
    CHECK_OK(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &p, &new_json));
    CHECK_TRUE(old_json != NULL && new_json != NULL && strcmp(old_json, new_json) == 0);
    CHECK_TRUE(progress.calls > 0 && progress.last_kind == TGFL_PROGRESS_BACKTEST && progress.last_step <= 1000);
    if (!quick) { // refitting the GARCH baselines every day moves their VaR on days 2 and 3
        p.refit_every = 1;
        CHECK_OK(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &p, &refit_json));
        CHECK_TRUE(refit_json != NULL && strcmp(refit_json, new_json) != 0);
    }
    // Cancelling from the callback.
    progress_state cancel = {0, 1, 0, -1};
    p.progress_user_data = &cancel;
    CHECK_STATUS(tgfl_backtest_ex(NULL, returns, n_returns, 1000, 1003, &p, &json), TGFL_ERR_CANCELLED);
done:
    tgfl_string_free(old_json);
    tgfl_string_free(new_json);
    tgfl_string_free(refit_json);
}

static tgfl_model_config small_config(void) {
    tgfl_model_config config = tgfl_model_default_config();
    config.vocab_size = 64;
    config.context_length = 32;
    config.d_model = 32;
    config.n_layers = 2;
    config.n_heads = 2;
    config.d_ff = 64;
    return config;
}

static void error_paths(const char * dir, tgfl_model * model, tgfl_model * trained) {
    printf("error paths:\n");
    tgfl_model_config config = small_config();
    tgfl_model * out = (tgfl_model *)&config; // must be reset to NULL on failure

    CHECK_STATUS(tgfl_model_create(NULL, 1, &out), TGFL_ERR_INVALID_ARGUMENT);
    CHECK_TRUE(out == NULL);
    CHECK_STATUS(tgfl_model_create(&config, 1, NULL), TGFL_ERR_INVALID_ARGUMENT);
    tgfl_model_config bad = config;
    bad.n_heads = 3; // 32 is not divisible by 3
    CHECK_STATUS(tgfl_model_create(&bad, 1, &out), TGFL_ERR_INVALID_CONFIG);
    bad = config;
    bad.d_model = -4;
    CHECK_STATUS(tgfl_model_create(&bad, 1, &out), TGFL_ERR_INVALID_CONFIG);
    bad = config;
    bad.vocab_size = bad.context_length = bad.d_model = bad.d_ff = 2000000000;
    CHECK_STATUS(tgfl_model_create(&bad, 1, &out), TGFL_ERR_INVALID_CONFIG);

    int thread_sees_empty = 0;
    pthread_t thread;
    if (pthread_create(&thread, NULL, read_last_error, &thread_sees_empty) == 0) {
        pthread_join(thread, NULL);
        CHECK_TRUE(thread_sees_empty);
    }

    CHECK_STATUS(tgfl_model_load(NULL, &out), TGFL_ERR_INVALID_ARGUMENT);
    char path[1024];
    snprintf(path, sizeof path, "%s/does-not-exist.h5", dir);
    CHECK_STATUS(tgfl_model_load(path, &out), TGFL_ERR_IO);
    snprintf(path, sizeof path, "%s/not-a-checkpoint.h5", dir);
    FILE * junk = fopen(path, "w");
    if (junk) {
        fputs("this is not HDF5\n", junk);
        fclose(junk);
        CHECK_STATUS(tgfl_model_load(path, &out), TGFL_ERR_CHECKPOINT);
    }
    CHECK_STATUS(tgfl_model_save(NULL, path), TGFL_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tgfl_model_save(model, NULL), TGFL_ERR_INVALID_ARGUMENT);

    int64_t n = tgfl_model_n_params(model);
    CHECK_TRUE(tgfl_model_n_params(NULL) == TGFL_ERR_INVALID_ARGUMENT);
    float * params = malloc((size_t)n * sizeof(float));
    if (params) {
        CHECK_STATUS(tgfl_model_get_params(model, params, (size_t)n - 1), TGFL_ERR_SHAPE);
        CHECK_STATUS(tgfl_model_get_params(model, NULL, (size_t)n), TGFL_ERR_INVALID_ARGUMENT);
        CHECK_OK(tgfl_model_get_params(model, params, (size_t)n));
        float kept = params[5];
        params[5] = NAN;
        CHECK_STATUS(tgfl_model_set_params(model, params, (size_t)n), TGFL_ERR_INVALID_ARGUMENT);
        params[5] = INFINITY;
        CHECK_STATUS(tgfl_model_set_params(model, params, (size_t)n), TGFL_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(tgfl_model_set_params(model, params, (size_t)-1), TGFL_ERR_SHAPE);
    CHECK_STATUS(tgfl_model_set_params(model, NULL, (size_t)n), TGFL_ERR_INVALID_ARGUMENT);
        CHECK_OK(tgfl_model_get_params(model, params, (size_t)n));
        CHECK_TRUE(params[5] == kept); // unchanged after the failed sets
    }

    int32_t tokens[4] = {1, 2, 3, 64}; // 64 is out of range for V = 64
    int32_t regimes[4] = {0, 1, 2, 3};
    float logits[4 * 64];
    CHECK_STATUS(tgfl_model_logits(model, tokens, regimes, 1, 4, logits, 4 * 64), TGFL_ERR_OUT_OF_RANGE);
    tokens[3] = 0;
    regimes[2] = -1;
    CHECK_STATUS(tgfl_model_logits(model, tokens, regimes, 1, 4, logits, 4 * 64), TGFL_ERR_OUT_OF_RANGE);
    regimes[2] = 2;
    CHECK_STATUS(tgfl_model_logits(model, tokens, regimes, 1, 4, logits, 4 * 64 - 1), TGFL_ERR_SHAPE);
    CHECK_STATUS(tgfl_model_logits(model, tokens, regimes, 1, 33, logits, 4 * 64), TGFL_ERR_OUT_OF_RANGE);
    CHECK_STATUS(tgfl_model_logits(model, NULL, regimes, 1, 4, logits, 4 * 64), TGFL_ERR_INVALID_ARGUMENT);

    double returns[64];
    for (int i = 0; i < 64; i++) returns[i] = 0.01 * sin(i);
    returns[10] = NAN;
    tgfl_train_params train = tgfl_train_default_params();
    CHECK_STATUS(tgfl_model_train(model, returns, 64, &train), TGFL_ERR_INVALID_ARGUMENT);
    returns[10] = 0.0;
    CHECK_STATUS(tgfl_model_train(model, returns, 64, NULL), TGFL_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tgfl_model_train(model, returns, 20, &train), TGFL_ERR_DATA);
    train.learning_rate = NAN;
    CHECK_STATUS(tgfl_model_train(model, returns, 64, &train), TGFL_ERR_INVALID_ARGUMENT);
    train = tgfl_train_default_params();
    train.batch_size = 0;
    CHECK_STATUS(tgfl_model_train(model, returns, 64, &train), TGFL_ERR_OUT_OF_RANGE);

    tgfl_generate_params gen = tgfl_generate_default_params();
    gen.n_paths = 2;
    gen.horizon = 5;
    double scenarios[10];
    CHECK_STATUS(tgfl_model_generate(model, &gen, scenarios, 10), TGFL_ERR_STATE); // untrained
    CHECK_STATUS(tgfl_model_generate(trained, &gen, scenarios, 9), TGFL_ERR_SHAPE);
    gen.regime = 7;
    CHECK_STATUS(tgfl_model_generate(trained, &gen, scenarios, 10), TGFL_ERR_OUT_OF_RANGE);
    gen.regime = 1;
    gen.temperature = 0.0;
    CHECK_STATUS(tgfl_model_generate(trained, &gen, scenarios, 10), TGFL_ERR_OUT_OF_RANGE);
    gen.temperature = 1.0;
    double prompt[3] = {0.01, NAN, 0.0};
    gen.prompt = prompt;
    gen.prompt_length = 3;
    CHECK_STATUS(tgfl_model_generate(trained, &gen, scenarios, 10), TGFL_ERR_INVALID_ARGUMENT);
    gen.prompt = NULL;
    CHECK_STATUS(tgfl_model_generate(trained, &gen, scenarios, 10), TGFL_ERR_INVALID_ARGUMENT);
    gen.prompt_length = 0;
    gen.n_threads = -1;
    CHECK_STATUS(tgfl_model_generate(trained, &gen, scenarios, 10), TGFL_ERR_OUT_OF_RANGE);

    double loglik = 0;
    CHECK_STATUS(tgfl_model_log_likelihood(model, returns, 64, &loglik), TGFL_ERR_STATE);
    CHECK_STATUS(tgfl_model_log_likelihood(trained, returns, 1, &loglik), TGFL_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(tgfl_model_log_likelihood(trained, returns, 64, NULL), TGFL_ERR_INVALID_ARGUMENT);

    CHECK_TRUE(tgfl_model_regime_name(trained, 4) == NULL);
    CHECK_TRUE(tgfl_model_regime_name(trained, -1) == NULL);
    CHECK_TRUE(tgfl_model_regime_name(model, 0) == NULL); // no regime model yet
    CHECK_STATUS(tgfl_model_regime_index(trained, "bubble"), TGFL_ERR_OUT_OF_RANGE);
    CHECK_STATUS(tgfl_model_regime_index(trained, NULL), TGFL_ERR_INVALID_ARGUMENT);

    tgfl_federated_params fed = tgfl_federated_default_params();
    const double * series[1] = {returns};
    size_t lengths[1] = {64};
    fed.strategy = 42;
    CHECK_STATUS(tgfl_model_train_federated(model, series, lengths, 1, &fed, NULL), TGFL_ERR_OUT_OF_RANGE);
    fed = tgfl_federated_default_params();
    CHECK_STATUS(tgfl_model_train_federated(model, NULL, lengths, 1, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT);

    char * json = (char *)1;
    CHECK_STATUS(tgfl_evaluate(NULL, 10, returns, 1, 10, 0, &json), TGFL_ERR_INVALID_ARGUMENT);
    CHECK_TRUE(json == NULL);
    CHECK_STATUS(tgfl_evaluate(returns, 64, returns, 0, 10, 0, &json), TGFL_ERR_OUT_OF_RANGE);
    tgfl_string_free(NULL);

    // The backtest and stress pages: NULL, malformed JSON (the message names the key), one valid page.
    char * page = (char *)1;
    CHECK_STATUS(tgfl_backtest_report(NULL, NULL, 0, &page), TGFL_ERR_INVALID_ARGUMENT);
    CHECK_TRUE(page == NULL);
    CHECK_STATUS(tgfl_backtest_report("{\"series\": \"x\"}", NULL, 0, &page), TGFL_ERR_INVALID_ARGUMENT);
    CHECK_TRUE(strstr(tgfl_last_error(), "spanStart") != NULL);
    CHECK_STATUS(tgfl_stress_report("{\"assets\": [\"a\"], \"weights\": [1, 2], \"level\": 0.05, \"horizon\": 2, "
                                    "\"regimes\": []}", &page), TGFL_ERR_INVALID_ARGUMENT);
    CHECK_TRUE(strstr(tgfl_last_error(), "weights") != NULL);
    CHECK_TRUE(tgfl_stress_report("{\"assets\": [\"a\"], \"weights\": [1], \"level\": 0.5, \"horizon\": 1, "
                                    "\"regimes\": [{\"name\": \"calm\", \"profitAndLoss\": [-0.01, 0.02], "
                                    "\"maxDrawdowns\": [0.01, 0], \"valueAtRisk\": 0.01, \"expectedShortfall\": 0.01, "
                                    "\"componentExpectedShortfall\": [0.01], \"worst\": []}]}", &page) == TGFL_OK);
    CHECK_TRUE(page != NULL && strncmp(page, "<!DOCTYPE html>", 15) == 0 && strstr(page, "id=\"stress\"") != NULL);
    tgfl_string_free(page);

    versioned_params_and_sanity(model); // last: it trains `model`

done:
    free(params);
}

// Runs a federated call that must fail with `expected` and a message containing `needle`.
#define CHECK_MESSAGE(call, expected, needle)                                                 \
    do {                                                                                      \
        CHECK_STATUS(call, expected);                                                         \
        if (!strstr(tgfl_last_error(), needle)) {                                             \
            fprintf(stderr, "%s:%d: message lacks '%s': %s\n", __FILE__, __LINE__, needle,    \
                    tgfl_last_error());                                                       \
            failures++;                                                                       \
        }                                                                                     \
    } while (0)

// Issue 19, session 14: the clients' volatility level released with noise (dp_volatility_noise)
// needs dated series (series_dates, yyyymmdd) and a dated public source; every missing or bad
// piece is a status naming the series or client and the fix; with them ε composes the release
// (larger than the rounds' alone) and the record states it. Dates are read from the CSV.
static void volatility_level_release(const double * returns, const int32_t * dates, size_t n_days, bool quick) {
    printf("volatility level release:\n");
    tgfl_model_config config = small_config();
    config.model_version = 2;
    config.n_volatility_levels = 4;
    tgfl_model * m = NULL;
    char * record = NULL;
    CHECK_OK(tgfl_model_create(&config, 5, &m));
    const double * series[2] = {returns, returns + n_days / 2};
    size_t lengths[2] = {n_days / 2, n_days - n_days / 2};
    const int32_t * series_dates[2] = {dates, dates + n_days / 2};
    size_t date_lengths[2] = {lengths[0], lengths[1]};
    tgfl_federated_params fed = tgfl_federated_default_params();
    CHECK_TRUE(fed.series_dates == NULL && fed.public_dates == NULL && fed.dp_volatility_noise == 0);
    fed.n_clients = 2;
    fed.partition = TGFL_PARTITION_NATURAL;
    fed.rounds = 1;
    fed.local_steps = 1;
    fed.batch_size = 4;
    fed.max_validation_windows = 4;
    fed.dp_noise_multiplier = 1.0;
    fed.dp_clip_norm = 0.5;
    fed.data_models_from = "djia";
    fed.dp_volatility_noise = 1.0;
    // Without dates, without DP, without a public source, with undated public returns.
    CHECK_MESSAGE(tgfl_model_train_federated(m, series, lengths, 2, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT,
                  "give series_dates");
    fed.series_dates = series_dates;
    fed.series_dates_lengths = date_lengths;
    fed.dp_noise_multiplier = 0;
    CHECK_MESSAGE(tgfl_model_train_federated(m, series, lengths, 2, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT,
                  "dp_noise_multiplier");
    fed.dp_noise_multiplier = 1.0;
    fed.data_models_from = NULL;
    CHECK_MESSAGE(tgfl_model_train_federated(m, series, lengths, 2, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT,
                  "give data_models_from");
    fed.public_returns = returns;
    fed.public_returns_length = n_days;
    CHECK_MESSAGE(tgfl_model_train_federated(m, series, lengths, 2, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT,
                  "give public_dates");
    fed.public_dates = dates;
    fed.public_dates_length = n_days - 1; // one short
    CHECK_MESSAGE(tgfl_model_train_federated(m, series, lengths, 2, &fed, NULL), TGFL_ERR_SHAPE,
                  "public_dates_length");
    fed.public_returns = NULL;
    fed.public_returns_length = 0;
    fed.public_dates = NULL;
    fed.public_dates_length = 0;
    fed.data_models_from = "djia";
    // A count other than lengths[i], dates out of order or not calendar days, the wrong partition.
    date_lengths[1] = lengths[1] - 1;
    CHECK_MESSAGE(tgfl_model_train_federated(m, series, lengths, 2, &fed, NULL), TGFL_ERR_SHAPE, "series 1");
    date_lengths[1] = lengths[1];
    fed.series_dates_lengths = NULL;
    CHECK_MESSAGE(tgfl_model_train_federated(m, series, lengths, 2, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT,
                  "series_dates_lengths");
    fed.series_dates_lengths = date_lengths;
    int32_t * shuffled = malloc(lengths[1] * sizeof(int32_t));
    if (shuffled) {
        memcpy(shuffled, series_dates[1], lengths[1] * sizeof(int32_t));
        int32_t t = shuffled[5]; shuffled[5] = shuffled[6]; shuffled[6] = t;
        const int32_t * out_of_order[2] = {series_dates[0], shuffled};
        fed.series_dates = out_of_order;
        CHECK_MESSAGE(tgfl_model_train_federated(m, series, lengths, 2, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT,
                      "not strictly increasing");
        shuffled[5] = 20010231; // 31 February
        CHECK_MESSAGE(tgfl_model_train_federated(m, series, lengths, 2, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT,
                      "not a calendar day");
        // Client 1's days moved 400 years back (leap days stay leap days): none in common with
        // the public Dow Jones (1885 on).
        memcpy(shuffled, series_dates[1], lengths[1] * sizeof(int32_t));
        for (size_t i = 0; i < lengths[1]; i++) shuffled[i] -= 4000000;
        CHECK_MESSAGE(tgfl_model_train_federated(m, series, lengths, 2, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT,
                      "client 1");
        free(shuffled);
    }
    fed.series_dates = series_dates;
    fed.partition = TGFL_PARTITION_IID;
    CHECK_MESSAGE(tgfl_model_train_federated(m, series, lengths, 2, &fed, NULL), TGFL_ERR_INVALID_ARGUMENT,
                  "natural or time");
    fed.partition = TGFL_PARTITION_NATURAL;
    fed.dp_volatility_noise = -1;
    CHECK_STATUS(tgfl_model_train_federated(m, series, lengths, 2, &fed, NULL), TGFL_ERR_OUT_OF_RANGE);

    // The rounds alone, then the rounds and the release: ε grows, the record states the release
    // (not under --quick: two federations with their volatility calibrations).
    if (quick) goto done;
    double rounds_only = 0, composed = 0;
    fed.dp_volatility_noise = 0;
    tgfl_model_free(m); // the failed calls above may have fitted its data models
    m = NULL;
    CHECK_OK(tgfl_model_create(&config, 5, &m));
    CHECK_OK(tgfl_model_train_federated(m, series, lengths, 2, &fed, &rounds_only));
    tgfl_model_free(m);
    m = NULL;
    CHECK_OK(tgfl_model_create(&config, 5, &m));
    fed.dp_volatility_noise = 1.0;
    CHECK_OK(tgfl_model_train_federated(m, series, lengths, 2, &fed, &composed));
    printf("  ok  epsilon: rounds %.4f, rounds + volatility level %.4f\n", rounds_only, composed);
    CHECK_TRUE(isfinite(composed) && composed > rounds_only);
    CHECK_OK(tgfl_model_get_federation(m, &record));
    CHECK_TRUE(record && strstr(record, "\"volatility_level\"") && strstr(record, "volatility level"));
done:
    tgfl_string_free(record);
    tgfl_model_free(m);
}

int main(int argc, char ** argv) {
    bool quick = argc == 4 && strcmp(argv[3], "--quick") == 0;
    if (argc != 3 && !quick) {
        fprintf(stderr, "usage: %s <sp500.csv> <output directory> [--quick]\n", argv[0]);
        return 2;
    }
    seconds();
    printf("TGFL %s, ABI %d (header %d)\n", tgfl_version(), tgfl_abi_version(), TGFL_ABI_VERSION);
    if (tgfl_abi_version() != TGFL_ABI_VERSION) return 1;

    size_t n_returns = 0;
    double * returns = read_log_returns(argv[1], &n_returns);
    if (!returns) return 1;
    char checkpoint[1024];
    snprintf(checkpoint, sizeof checkpoint, "%s/example.h5", argv[2]);

    tgfl_model * model = NULL, * loaded = NULL;
    float * params = NULL, * logits = NULL;
    double * scenarios = NULL;
    char * json = NULL;

    // Create; read and write the flat parameter vector.
    tgfl_model_config config = small_config();
    CHECK_OK(tgfl_model_create(&config, 7, &model));
    int64_t n_params = tgfl_model_n_params(model);
    CHECK_TRUE(n_params > 0);
    printf("[%6.2fs] model: %lld parameters\n", seconds(), (long long)n_params);
    params = malloc((size_t)n_params * sizeof(float));
    if (!params) goto done;
    CHECK_OK(tgfl_model_get_params(model, params, (size_t)n_params));
    params[0] = 0.125f;
    CHECK_OK(tgfl_model_set_params(model, params, (size_t)n_params));

    // Logits for one sequence of 8 tokens.
    int32_t tokens[8] = {3, 1, 4, 1, 5, 9, 2, 6}, regimes[8] = {0, 1, 1, 2, 3, 1, 0, 2};
    size_t n_logits = 8 * (size_t)config.vocab_size;
    logits = malloc(n_logits * sizeof(float));
    if (!logits) goto done;
    CHECK_OK(tgfl_model_logits(model, tokens, regimes, 1, 8, logits, n_logits));
    printf("logits[0][0] = %.6f\n", logits[0]);

    // Save, load, and compare the parameters.
    CHECK_OK(tgfl_model_save(model, checkpoint));
    CHECK_OK(tgfl_model_load(checkpoint, &loaded));
    CHECK_TRUE(tgfl_model_n_params(loaded) == n_params);
    {
        float * back = malloc((size_t)n_params * sizeof(float));
        if (back) {
            CHECK_TRUE(tgfl_model_get_params(loaded, back, (size_t)n_params) == TGFL_OK);
            CHECK_TRUE(memcmp(back, params, (size_t)n_params * sizeof(float)) == 0);
            free(back);
        }
        tgfl_model_config back_config;
        CHECK_TRUE(tgfl_model_get_config(loaded, &back_config) == TGFL_OK);
        CHECK_TRUE(memcmp(&back_config, &config, sizeof config) == 0);
    }

    // Train a few steps on the S&P 500 log returns, with a progress callback.
    tgfl_train_params train = tgfl_train_default_params();
    train.steps = quick ? 2 : 4;
    train.batch_size = 4;
    train.eval_every = 2;
    train.seed = 1;
    progress_state progress = {0, 0, 0, -1};
    train.progress = on_progress;
    train.progress_user_data = &progress;
    size_t n_train = quick ? 600 : n_returns; // quick: the first 600 days
    CHECK_OK(tgfl_model_train(loaded, returns, n_train, &train));
    CHECK_TRUE(progress.calls == train.steps && progress.last_step == train.steps &&
               progress.last_kind == TGFL_PROGRESS_TRAIN);
    printf("[%6.2fs] trained: %d progress calls\n", seconds(), progress.calls);

    // Cancelling from the callback: TGFL_ERR_CANCELLED, the model stays usable.
    progress_state cancel = {0, 2, 0, -1};
    train.progress_user_data = &cancel;
    train.steps = 10;
    CHECK_STATUS(tgfl_model_train(loaded, returns, n_train, &train), TGFL_ERR_CANCELLED);
    CHECK_TRUE(cancel.calls == 2);

    const char * crisis = tgfl_model_regime_name(loaded, 3);
    int32_t crisis_index = tgfl_model_regime_index(loaded, "CRISIS");
    printf("regime 3 = %s, index of CRISIS = %d\n", crisis ? crisis : "(null)", crisis_index);
    CHECK_TRUE(crisis != NULL && strcmp(crisis, "crisis") == 0 && crisis_index == 3);

    // Generate 8 paths × 250 days (quick: 2 × 120) in the crisis regime.
    tgfl_generate_params gen = tgfl_generate_default_params();
    gen.n_paths = quick ? 2 : 8;
    gen.horizon = quick ? 110 : 250;
    gen.regime = crisis_index;
    gen.seed = 11;
    size_t n_scenarios = (size_t)gen.n_paths * (size_t)gen.horizon;
    scenarios = malloc(n_scenarios * sizeof(double));
    if (!scenarios) goto done;
    CHECK_OK(tgfl_model_generate(loaded, &gen, scenarios, n_scenarios));
    for (size_t i = 0; i < n_scenarios; i++) CHECK_TRUE(isfinite(scenarios[i]));
    printf("[%6.2fs] generated\n", seconds());
    printf("scenario[0][0..2] = %.5f %.5f %.5f\n", scenarios[0], scenarios[1], scenarios[2]);

    double loglik = 0;
    size_t n_scored = quick ? 100 : 500;
    CHECK_OK(tgfl_model_log_likelihood(loaded, returns, n_scored, &loglik));
    printf("mean log-likelihood of %zu days: %.4f nats\n", n_scored, loglik);
    CHECK_TRUE(loglik < 0 && isfinite(loglik));

    // Evaluate real vs synthetic (quick: the first 400 real days).
    size_t n_real = quick ? 400 : n_returns;
    CHECK_OK(tgfl_evaluate(returns, n_real, scenarios, gen.n_paths, gen.horizon, 3, &json));
    CHECK_TRUE(json != NULL && strstr(json, "overall_pass") != NULL);
    printf("[%6.2fs] report: %zu bytes of JSON\n", seconds(), json ? strlen(json) : 0);

    // Save the trained model (with tokenizer, regimes and optimizer state).
    CHECK_OK(tgfl_model_save(loaded, checkpoint));

    printf("[%6.2fs] saved\n", seconds());
    error_paths(argv[2], model, loaded);
    printf("[%6.2fs] error paths done\n", seconds());
    backtest_options(returns, n_returns, loaded, quick);
    printf("[%6.2fs] backtest options done\n", seconds());
    {
        size_t n_dates = 0;
        int32_t * dates = read_return_dates(argv[1], &n_dates);
        CHECK_TRUE(dates != NULL && n_dates == n_returns);
        if (dates && n_dates == n_returns) volatility_level_release(returns, dates, 1200, quick);
        free(dates);
    }
    printf("[%6.2fs] volatility level release done\n", seconds());

    // Handles: a freed handle is rejected, a double free is a no-op.
    {
        tgfl_model * stale = NULL;
        CHECK_OK(tgfl_model_create(&config, 1, &stale));
        tgfl_model_free(stale);
        tgfl_model_free(stale);
        CHECK_STATUS(tgfl_model_n_params(stale), TGFL_ERR_INVALID_ARGUMENT);
        tgfl_model_free(NULL);
    }

    // Lifecycle loops (the leak check counts these).
    for (int i = 0; i < 50; i++) {
        tgfl_model * m = NULL;
        CHECK_OK(tgfl_model_create(&config, (uint64_t)i, &m));
        tgfl_model_free(m);
    }
    printf("[%6.2fs] 50 create/free done\n", seconds());
    for (int i = 0; i < 50; i++) {
        tgfl_model * m = NULL;
        CHECK_OK(tgfl_model_load(checkpoint, &m));
        tgfl_model_free(m);
    }
    printf("[%6.2fs] 50 create/free and 50 load/free done\n", seconds());

done:
    tgfl_string_free(json);
    free(scenarios);
    free(logits);
    free(params);
    tgfl_model_free(loaded);
    tgfl_model_free(model);
    free(returns);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all checks passed\n");
    return 0;
}
