#!/usr/bin/env bash
# Smoke test of the `tgfl` command: train (tiny config, few steps) → generate → inspect →
# evaluate → federate, checking exit codes and outputs, plus the one-line errors.
# Usage: Tests/cli/run_cli_smoke.sh [path/to/tgfl]   (default: .build/release/tgfl)
set -euo pipefail
TGFL=${1:-${TGFL_BIN_DIR:-.build/release}/tgfl}
[ -x "$TGFL" ] || { echo "error: $TGFL is not an executable; build it first (swift build --product tgfl)"; exit 1; }
TGFL=$(cd "$(dirname "$TGFL")" && pwd)/$(basename "$TGFL")
FIXTURES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../Fixtures" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

# A small prices CSV (geometric random walk from awk's seeded rand).
awk 'BEGIN { srand(7); p = 100; print "date,close";
  for (i = 0; i < 700; i++) { d = sprintf("20%02d-%02d-%02d", 10 + int(i / 300), 1 + int((i % 300) / 25), 1 + i % 25);
    p *= exp((rand() - 0.5) * 0.04); printf "%s,%.4f\n", d, p } }' > prices.csv

"$TGFL" --version >/dev/null || fail "--version"
TGFL_LOG_LEVEL=verbose "$TGFL" train --config tiny --steps 1 --batch-size 8 --data prices.csv --out lvl.h5 > /dev/null 2> lvl.err \
  || fail "train with TGFL_LOG_LEVEL=verbose: $(cat lvl.err)"
grep -q "TGFL_LOG_LEVEL='verbose' is not a log level; use trace, debug" lvl.err || fail "TGFL_LOG_LEVEL=verbose: $(cat lvl.err)"
"$TGFL" train --config tiny --steps 6 --batch-size 8 --data prices.csv --out model.h5 > train.out 2> train.err \
  || fail "train: $(cat train.err)"
[ -s model.h5 ] || fail "train wrote no model.h5"
grep -q "saved model.h5" train.out || fail "train output: $(cat train.out)"
pass train

"$TGFL" train --config tiny --steps 8 --batch-size 8 --data prices.csv --resume model.h5 --out model2.h5 \
  > /dev/null 2>&1 || fail "train --resume"
pass "train --resume"

"$TGFL" generate --model model.h5 --regime crisis --paths 5 --horizon 30 --seed 1 --out paths.csv > gen.out 2> gen.err \
  || fail "generate: $(cat gen.err)"
[ "$(wc -l < paths.csv)" -eq 6 ] || fail "generate: expected header + 5 rows, got $(wc -l < paths.csv) lines"
[ "$(head -1 paths.csv | tr ',' '\n' | wc -l)" -eq 30 ] || fail "generate: expected 30 columns"
"$TGFL" generate --model model.h5 --regime crisis --paths 5 --horizon 30 --seed 1 --threads 1 --out paths1.csv >/dev/null 2>&1
cmp -s paths.csv paths1.csv || fail "generate: same seed, different thread count, different output"
"$TGFL" generate --model model.h5 --regime-path calm:10,crisis:5 --paths 2 --prices 100 --out prices_gen.csv >/dev/null 2>&1 \
  || fail "generate --regime-path"
head -1 prices_gen.csv | grep -q '^p_0,' || fail "generate --prices header"
"$TGFL" generate --model model.h5 --regime 2 --paths 2 --horizon 10 --prompt-days 20 --data prices.csv \
  --out prompt.csv >/dev/null 2>&1 || fail "generate --prompt-days"
pass generate

"$TGFL" inspect model.h5 > inspect.txt || fail inspect
grep -q "parameters" inspect.txt && grep -q "crisis" inspect.txt || fail "inspect text: $(cat inspect.txt)"
"$TGFL" inspect model.h5 --json > inspect.json || fail "inspect --json"
grep -q '"parameter_count"' inspect.json || fail "inspect --json content"
pass inspect

"$TGFL" generate --model model.h5 --regime normal --paths 40 --horizon 120 --out eval_paths.csv >/dev/null 2>&1
"$TGFL" evaluate --real prices.csv --synthetic eval_paths.csv --start 2010-01-01 --json report.json \
  --markdown report.md > eval.out 2> eval.err || fail "evaluate: $(cat eval.err)"
grep -q "Fair KS" eval.out && grep -q '"overall_pass"' report.json && grep -q '## Stylized facts' report.md \
  || fail "evaluate outputs"
pass evaluate

# Issue 16: walk-forward backtest of the v1 model (no baselines: the file is shorter than their windows).
"$TGFL" backtest --data prices.csv --model model.h5 --no-baselines --paths 100 --horizons 1,2 --seed 3 \
  --json bt.json --exceptions bt.csv > bt.out 2> bt.err || fail "backtest: $(cat bt.err)"
grep -q "Kupiec p" bt.out && grep -q '"berkowitz"' bt.json && head -1 bt.csv | grep -q '^day,date,model,horizon' \
  || fail "backtest outputs: $(cat bt.out)"
"$TGFL" backtest --data prices.csv --model model.h5 --no-baselines --paths 100 --horizons 1,2 --seed 3 --threads 1 \
  --json bt1.json > /dev/null 2>&1 || fail "backtest --threads 1"
grep -v generationSeconds bt.json > a.json; grep -v generationSeconds bt1.json > b.json
cmp -s a.json b.json || fail "backtest: same seed, different thread count, different results"
pass backtest
# The volatility filter refitted every 5 forecasts, with the trained filter alongside (model v2).
"$TGFL" backtest --data prices.csv --model model.h5 --no-baselines --paths 100 --horizons 1 --seed 3 --refit-every 5 \
  --compare-trained-filter --json btr.json > btr.out 2> btr.err || fail "backtest --refit-every: $(cat btr.err)"
grep -q "^TGFL-trained-filter " btr.out && grep -q "at cap" btr.out && grep -q '"refits"' btr.json \
  || fail "backtest --refit-every outputs: $(cat btr.out)"
pass "backtest --refit-every"
# Issue 16: the generated z recalibrated on the prompt's residuals, with the uncalibrated network and
# another setting alongside; a bad setting is refused with the form to use.
"$TGFL" backtest --data prices.csv --model model.h5 --no-baselines --paths 100 --horizons 1 --seed 3 \
  --z-recalibration 30,0.5 --compare-uncalibrated --compare-z-recalibrations "20,1" --json btz.json > btz.out 2> btz.err \
  || fail "backtest --z-recalibration: $(cat btz.err)"
grep -q "^TGFL-uncalibrated " btz.out && grep -q "^TGFL-z20-1.0 " btz.out || fail "backtest --z-recalibration outputs: $(cat btz.out)"
if "$TGFL" backtest --data prices.csv --model model.h5 --no-baselines --z-recalibration 30 > btz.bad 2>&1; then
  fail "backtest: --z-recalibration 30 was accepted"; fi
grep -q "window,weight" btz.bad || fail "backtest --z-recalibration 30: unclear error: $(cat btz.bad)"
pass "backtest --z-recalibration"
# Issue 16: the Beta-t-EGARCH prompt filter beside the GJR in a backtest, and in generate; a bad name
# is refused with the choices.
"$TGFL" backtest --data prices.csv --model model.h5 --no-baselines --paths 100 --horizons 1 --seed 3 \
  --compare-prompt-filter --es-simulations 1000 --json btb.json > btb.out 2> btb.err \
  || fail "backtest --compare-prompt-filter: $(cat btb.err)"
grep -q "^TGFL-beta-t " btb.out || fail "backtest --compare-prompt-filter outputs: $(cat btb.out)"
if "$TGFL" backtest --data prices.csv --model model.h5 --no-baselines --prompt-filter egarch > btb.bad 2>&1; then
  fail "backtest: --prompt-filter egarch was accepted"; fi
grep -q "gjr, beta-t" btb.bad || fail "backtest --prompt-filter egarch: unclear error: $(cat btb.bad)"
"$TGFL" generate --model model.h5 --paths 4 --horizon 5 --prompt-days 200 --prompt-filter beta-t --data prices.csv \
  --out promptb.csv > /dev/null 2> genb.err || fail "generate --prompt-filter beta-t: $(cat genb.err)"
[ "$(wc -l < promptb.csv)" -eq 5 ] || fail "generate --prompt-filter beta-t: expected header + 4 rows"
pass "prompt filter"

"$TGFL" federate --config tiny --data prices.csv --clients 3 --partition time --strategy fedadam --rounds 2 \
  --local-steps 2 --batch-size 8 --dp-noise 0.1 --clip 1 --out fed.h5 > fed.out 2> fed.err \
  || fail "federate: $(cat fed.err)"
grep -q "round 2/2" fed.err || fail "federate: no per-round progress"
grep -q "privacy ε" fed.out || fail "federate: no privacy line: $(cat fed.out)"
# (to a file first: `grep -q` closes the pipe at its first match, and pipefail would count the writer's SIGPIPE)
"$TGFL" inspect fed.h5 > fed.inspect
grep -q "fedadam" fed.inspect || fail "federate: the checkpoint lacks the federation record"
grep -q "rounds only" fed.inspect || fail "federate: the record does not say ε leaves out the data-model summaries"
grep -q "ε covers the rounds only" fed.err || fail "federate: no warning about the data-model summaries under DP"
# Issue 19: data models from public data (the bundled Dow Jones): ε then covers them, and the record says so.
"$TGFL" federate --config tiny --data prices.csv --clients 3 --rounds 1 --local-steps 1 --batch-size 8 \
  --dp-noise 0.1 --clip 1 --data-models-from bundled:djia --out fedpub.h5 > fedpub.out 2> fedpub.err \
  || fail "federate --data-models-from: $(cat fedpub.err)"
# Under DP the calibration's target is the public series' variance, and the line says so.
grep -q "of the public data (" fedpub.out || fail "federate --data-models-from: calibration line: $(grep calibrated fedpub.out)"
"$TGFL" inspect fedpub.h5 > fedpub.inspect
grep -q "public data: 'bundled:djia'" fedpub.inspect || fail "federate --data-models-from: record: $(grep data_models fedpub.inspect)"
grep -q "the rounds and the data models" fedpub.inspect || fail "federate --data-models-from: epsilon_covers missing"
if "$TGFL" federate --config tiny --data prices.csv --clients 3 --rounds 1 --data-models-from bundled:nope \
    --out no.h5 > no.out 2>&1; then fail "federate: --data-models-from bundled:nope was accepted"; fi
grep -q "not a bundled series" no.out || fail "federate --data-models-from bundled:nope: unclear error: $(cat no.out)"
# Issue 19: data models from the clients' summaries released through a Gaussian mechanism, composed into ε.
"$TGFL" federate --config tiny --data prices.csv --clients 3 --partition time --rounds 1 --local-steps 1 \
  --batch-size 8 --dp-noise 1 --clip 1 --dp-summaries --out fedsum.h5 > /dev/null 2> fedsum.err \
  || fail "federate --dp-summaries: $(cat fedsum.err)"
"$TGFL" inspect fedsum.h5 > fedsum.inspect
grep -q "noised client summaries" fedsum.inspect || fail "federate --dp-summaries: record: $(grep data_models fedsum.inspect)"
grep -q "the rounds and the data models" fedsum.inspect || fail "federate --dp-summaries: epsilon_covers missing"
if grep -q "ε covers the rounds only" fedsum.err; then fail "federate --dp-summaries: still warns that ε covers the rounds only"; fi
# Issue 19, session 13: the clients' volatility level relative to the public series, noised and composed into ε.
"$TGFL" federate --config tiny --data prices.csv --clients 3 --partition time --rounds 1 --local-steps 1 \
  --batch-size 8 --dp-noise 1 --clip 1 --data-models-from bundled:djia --dp-volatility-noise 1 --out fedvol.h5 \
  > /dev/null 2> fedvol.err || fail "federate --dp-volatility-noise: $(cat fedvol.err)"
"$TGFL" inspect fedvol.h5 > fedvol.inspect
grep -q "released with Gaussian noise (privacy.volatility_level" fedvol.inspect \
  || fail "federate --dp-volatility-noise: calibration summary: $(grep volatility_calibration fedvol.inspect)"
grep -q '"epsilon_covers":"the rounds, the data models' fedvol.inspect || fail "federate --dp-volatility-noise: epsilon_covers"
# Issue 19, session 15: the MA(1) mean term fitted on the public data, stated in the record; off on request.
grep -q 'mean_term: "MA(1) on the generated returns' fedvol.inspect || fail "federate: the record's mean_term"
"$TGFL" federate --config tiny --data prices.csv --clients 3 --partition time --rounds 1 --local-steps 1 \
  --batch-size 8 --dp-noise 1 --clip 1 --data-models-from bundled:djia --no-public-mean-term --out fednomean.h5 \
  > /dev/null 2> fednomean.err || fail "federate --no-public-mean-term: $(cat fednomean.err)"
"$TGFL" inspect fednomean.h5 | grep -q 'mean_term:' && fail "federate --no-public-mean-term: the record still has mean_term"
"$TGFL" federate --config tiny --data prices.csv --clients 3 --rounds 1 --no-public-mean-term --out x.h5 \
  > /dev/null 2> nomean.err && fail "federate --no-public-mean-term without --data-models-from: accepted"
grep -q "applies only with --data-models-from" nomean.err || fail "federate --no-public-mean-term: error $(cat nomean.err)"
pass federate

# Issue 15: the HTML report (evaluate --html, tgfl report, federate --html); the browser test renders it.
"$TGFL" evaluate --real prices.csv --synthetic eval_paths.csv --html eval.html > /dev/null 2> eval.err \
  || fail "evaluate --html: $(cat eval.err)"
grep -q "default-src 'none'" eval.html && grep -q '<section id="facts">' eval.html || fail "evaluate --html content"
# Results (stdout) and log lines (stderr) keep their order in one file, as in `make demo | tee log`.
"$TGFL" evaluate --real prices.csv --synthetic eval_paths.csv --html eval2.html > eval2.log 2>&1 \
  || fail "evaluate --html: $(cat eval2.log)"
table=$(grep -n "passed, [0-9]* failed" eval2.log | cut -d: -f1); wrote=$(grep -n "report: wrote eval2.html" eval2.log | cut -d: -f1)
[ -n "$table" ] && [ -n "$wrote" ] && [ "$table" -lt "$wrote" ] || fail "evaluate: stdout and stderr out of order: $(cat eval2.log)"
"$TGFL" report --model fed.h5 --data prices.csv --paths 20 --horizon 60 --train-fraction 0.8 --out report.html \
  > /dev/null 2> report.err || fail "report: $(cat report.err)"
for s in scenarios dynamics regimes facts training federation memorization; do
  grep -q "<section id=\"$s\">" report.html || fail "report: no $s section"
done
"$TGFL" federate --config tiny --data prices.csv --clients 2 --rounds 1 --local-steps 1 --batch-size 8 \
  --out fed2.h5 --html fed2.html --report-paths 5 > /dev/null 2> fed2.err || fail "federate --html: $(cat fed2.err)"
grep -q '<section id="federation">' fed2.html || fail "federate --html: no federation section"
pass report

# Issue #19 / #13 item 8: DP only where proven; secure aggregation needs 2 participants per round.
if "$TGFL" federate --config tiny --data prices.csv --clients 3 --strategy krum --dp-noise 1 --out no.h5 > no.out 2>&1; then
  fail "federate: krum with --dp-noise was accepted"
fi
grep -q "proven only for mean-based" no.out || fail "federate krum+dp: unclear error: $(cat no.out)"
if "$TGFL" federate --config tiny --data prices.csv --clients 1 --secure-agg --out no.h5 > no.out 2>&1; then
  fail "federate: --clients 1 --secure-agg was accepted"
fi
grep -q "at least 2 clients per round" no.out || fail "federate --secure-agg 1 client: unclear error: $(cat no.out)"
[ ! -e no.h5 ] || fail "federate: a refused run wrote its output"
pass "federate refusals"

"$TGFL" audit --model model.h5 --reference model2.h5 --data prices.csv --column close --paths 10 --json audit.json \
  > audit.out 2> audit.err || fail "audit: $(cat audit.err)"
grep -q "AUC" audit.out && grep -q '"tpr_at_1pct_fpr"' audit.json && grep -q '"dcr_ratio"' audit.json \
  || fail "audit outputs: $(cat audit.out)"
# Tokens must be the model's own (v2: volatility-scaled): raw returns through the z tokenizer fall in
# the central bins, and every generated path then "copies" a whole-horizon run of training days.
python3 -c 'import json,sys; a=json.load(open("audit.json")); sys.exit(0 if a["longest_copied_run_train"] < a["horizon"] else 1)' \
  || fail "audit: a generated path copies the whole horizon ($(cat audit.out)): tokens are not the model's own"
"$TGFL" audit --model model.h5 --data prices.csv --column close --non-member-data prices.csv --paths 4 \
  > audit2.out 2> audit2.err || fail "audit --non-member-data: $(cat audit2.err)"
grep -q "windows of prices.csv" audit2.out || fail "audit --non-member-data output: $(cat audit2.out)"
pass audit

"$TGFL" federate --config tiny --data prices.csv --clients 3 --partition time --strategy fedavg --rounds 3 \
  --local-steps 2 --batch-size 8 --keep-best --out best.h5 > best.out 2> best.err || fail "federate --keep-best: $(cat best.err)"
grep -q "kept round [1-3] (validation loss" best.out || fail "federate --keep-best: $(cat best.out)"
"$TGFL" inspect best.h5 --json > best.json
grep -q 'best_round' best.json || fail "federate --keep-best: no best_round in the record"
"$TGFL" train --config tiny --steps 6 --batch-size 8 --data prices.csv --keep-best --no-output-prior --out best2.h5 \
  > best2.out 2>&1 || fail "train --keep-best: $(cat best2.out)"
grep -q "kept the parameters of step" best2.out || fail "train --keep-best: $(cat best2.out)"
"$TGFL" train --config tiny --steps 6 --batch-size 8 --data prices.csv --out best3.h5 > best3.out 2>&1 \
  && grep -q "kept the parameters of step" best3.out || fail "train keeps the best step by default: $(cat best3.out)"
"$TGFL" train --config tiny --steps 6 --batch-size 8 --data prices.csv --no-keep-best --out best4.h5 > best4.out 2>&1 \
  && ! grep -q "kept the parameters" best4.out || fail "train --no-keep-best: $(cat best4.out)"
# --eval-at 0 makes the starting network a candidate; with an absurd learning rate it is kept,
# and the checkpoint's history records its validation loss. Steps outside 0...--steps are refused.
"$TGFL" train --config tiny --steps 6 --batch-size 8 --data prices.csv --lr 5 --eval-at 0,2 --out best7.h5 \
  > best7.out 2>&1 && grep -q "kept the parameters of step 0" best7.out || fail "train --eval-at 0: $(cat best7.out)"
"$TGFL" inspect best7.h5 --json | grep -q 'initial_validation_loss' || fail "train --eval-at 0: no initial_validation_loss"
! "$TGFL" train --config tiny --steps 6 --data prices.csv --eval-at 7 --out best8.h5 > best8.out 2>&1 \
  && grep -q "'7' is not a step in 0...6" best8.out || fail "train --eval-at 7 with --steps 6: $(cat best8.out)"
# Model v2 calibrates the volatility level of unconditional generation unless told not to.
grep -q "calibrated the volatility level" best3.out || fail "train calibrates the volatility level: $(cat best3.out)"
# Issue 12 (session 21): the rematch of the generation recursion on the model's own pilots, off by default.
! grep -q "dependence rematch" best3.out || fail "train rematches without --rematch-dependence: $(cat best3.out)"
"$TGFL" train --config tiny --model-version 2 --steps 6 --batch-size 8 --data prices.csv --rematch-dependence \
  --out rematch.h5 > rematch.out 2>&1 && grep -q "dependence rematch: [0-9]* candidates" rematch.out \
  && grep -q "(margin z 2: .*tail guard" rematch.out \
  && grep -q "calibrated the volatility level" rematch.out || fail "train --rematch-dependence: $(cat rematch.out)"
head -201 prices.csv > short.csv
! "$TGFL" train --config tiny --model-version 2 --steps 6 --batch-size 8 --data short.csv --rematch-dependence \
  --out short.h5 > short.out 2>&1 && grep -q -e "--rematch-dependence needs a training span of at least 250 days" short.out \
  && [ ! -e short.h5 ] || fail "train --rematch-dependence on 200 days: $(cat short.out)"
"$TGFL" federate --config tiny --data prices.csv --clients 2 --rounds 1 --local-steps 2 --batch-size 8 \
  --rematch-dependence --out rfed.h5 > rfed.out 2>&1 && grep -q "dependence rematch: [0-9]* candidates" rfed.out \
  || fail "federate --rematch-dependence: $(cat rfed.out)"
! "$TGFL" federate --config tiny --data prices.csv --clients 2 --rounds 1 --dp-noise 0.5 --clip 1 --rematch-dependence \
  --out rdp.h5 > rdp.out 2>&1 && grep -q "needs a run without --dp-noise" rdp.out \
  || fail "federate --rematch-dependence --dp-noise: $(cat rdp.out)"
"$TGFL" train --config tiny --steps 6 --batch-size 8 --data prices.csv --no-volatility-calibration --out best6.h5 \
  > best6.out 2>&1 && ! grep -q "calibrated the volatility" best6.out \
  || fail "train --no-volatility-calibration: $(cat best6.out)"
"$TGFL" federate --config tiny --clients 2 --rounds 2 --local-steps 1 --batch-size 8 --data prices.csv --dp-noise 0.5 \
  --keep-best --out best5.h5 > /dev/null 2> best5.err || fail "federate --dp-noise --keep-best: $(cat best5.err)"
grep -q "the accounting does not cover" best5.err || fail "federate: no warning that --keep-best is outside ε"
pass "--keep-best, --no-output-prior"

# Failures: one 'error:' line, non-zero exit.
expect_error() {  # expect_error <grep pattern> <args...>
  local pattern=$1; shift
  if "$TGFL" "$@" > err.out 2> err.txt; then fail "expected failure: tgfl $*"; fi
  head -1 err.txt | grep -q "^error: .*$pattern" || fail "tgfl $*: first line was: $(head -1 err.txt)"
  ! grep -q "Fatal error\|Stack dump" err.txt || fail "tgfl $*: crashed"
}
expect_error "does not exist" generate --model missing.h5 --out x.csv
expect_error "valid regimes: calm (0), normal (1), volatile (2), crisis (3)" generate --model model.h5 --regime panic --out x.csv
expect_error "valid: iid" federate --partition bogus --out x.h5
expect_error "valid: fedavg" federate --strategy bogus --out x.h5
printf 'date,close\n2020-01-01,1\n2020-01-02,abc\n' > bad_prices.csv
expect_error "bad_prices.csv', row 3, column 'close'" train --data bad_prices.csv --out x.h5
expect_error "steps" train --steps 0 --out x.h5
printf 'r_1,r_2\n0.1,oops\n' > bad_paths.csv
expect_error "bad_paths.csv', row 2, column '2'" evaluate --real prices.csv --synthetic bad_paths.csv
expect_error "bad_paths.csv', row 2, column '2'" report --synthetic bad_paths.csv --data prices.csv --out x.html
expect_error "is not a bundled series" train --bundled bogus --out x.h5
expect_error "has no column 'oops'; its columns are dax, smi, cac, ftse" train --bundled eu_stocks --column oops --out x.h5
printf 'log_return\n0.01\n-0.02\n0.005\n' > returns_only.csv
expect_error "read it with --returns-column log_return" train --data returns_only.csv --column log_return --out x.h5
pass "errors"

# Pretraining on the corpus (two bundled files, tiny config), then fine-tuning on a file of
# its own: the base keeps the tokenizer, the fine-tuned model's filter is the new data's.
"$TGFL" pretrain --config tiny --steps 3 --batch-size 4 --exclude djia,sp500,nyse,msci_switzerland,crsp_daily,siemens,fx_usd_1980 \
  --data prices.csv --out base.h5 > pretrain.out 2> pretrain.err || fail "pretrain: $(cat pretrain.err)"
grep -q "pretrained 3 steps on 5 series" pretrain.out || fail "pretrain output: $(cat pretrain.out)"
"$TGFL" train --init base.h5 --steps 2 --batch-size 4 --data prices.csv --out tuned.h5 > tuned.out 2> tuned.err \
  || fail "train --init: $(cat tuned.err)"
grep -q "fine-tuning base.h5 (pretrained on 5 series" tuned.err || fail "train --init: $(cat tuned.err)"
"$TGFL" inspect tuned.h5 > tuned.inspect 2>&1 || fail "inspect the fine-tuned model"
grep -q "fine-tuned on: " tuned.inspect || fail "inspect: no pretraining record: $(cat tuned.inspect)"
"$TGFL" generate --model tuned.h5 --paths 4 --horizon 20 --out tuned.csv > /dev/null 2>&1 || fail "generate from the fine-tuned model"
"$TGFL" train --config tiny --model-version 1 --steps 1 --batch-size 4 --data prices.csv --out v1.h5 > /dev/null 2>&1 \
  || fail "train a v1 model"
if "$TGFL" train --init v1.h5 --data prices.csv --out x.h5 > /dev/null 2> v1init.err; then fail "train --init of a v1 model succeeded"; fi
grep -q "^error: .*needs a model v2" v1init.err || fail "train --init v1: $(cat v1init.err)"
expect_error "give either --init" train --init base.h5 --resume base.h5 --out x.h5
pass "pretrain, train --init"

# The bundled corpus's shapes: several price columns without dates (eu_stocks), returns only
# without dates (siemens), through --bundled and as plain --data files.
"$TGFL" train --config tiny --steps 2 --batch-size 4 --bundled eu_stocks --column smi --out bundled.h5 \
  > bundled.out 2> bundled.err || fail "train --bundled eu_stocks: $(cat bundled.err)"
grep -q "bundled eu_stocks.smi: 1859 daily log returns" bundled.err || fail "train --bundled: $(cat bundled.err)"
awk 'BEGIN { srand(5); a = 1600; b = 1700; print "dax,smi";
  for (i = 0; i < 300; i++) { a *= exp((rand() - 0.5) * 0.03); b *= exp((rand() - 0.5) * 0.03); printf "%.2f,%.2f\n", a, b } }' > eu_like.csv
"$TGFL" train --config tiny --steps 2 --batch-size 4 --data eu_like.csv --column smi --out eu.h5 > /dev/null 2> eu.err \
  || fail "train on a price file without a date column: $(cat eu.err)"
grep -q "no 'date' column: read its rows in file order" eu.err || fail "date-less file: $(cat eu.err)"
awk 'BEGIN { srand(3); print "log_return"; for (i = 0; i < 300; i++) printf "%.6f\n", (rand() - 0.5) * 0.03 }' > siemens_like.csv
"$TGFL" train --config tiny --steps 2 --batch-size 4 --data siemens_like.csv --returns-column log_return \
  --out returns.h5 > /dev/null 2> returns.err || fail "train on a returns-only file without dates: $(cat returns.err)"
pass "bundled data and date-less files"

# Issue 14: a price column read as returns is refused unless --allow-prices (then trained, warned once).
expect_error "looks like prices, not daily log returns" train --data prices.csv --returns-column close --out x.h5
expect_error "looks like prices, not daily log returns" federate --data prices.csv --returns-column close --out x.h5
"$TGFL" train --config tiny --steps 1 --batch-size 4 --data prices.csv --returns-column close --allow-prices \
  --out allowed.h5 > /dev/null 2> allowed.err || fail "train --allow-prices: $(cat allowed.err)"
[ -s allowed.h5 ] || fail "train --allow-prices wrote no model"
pass "prices as returns refused, --allow-prices"


# Hardening (issue 13): bounds, negative numbers, non-regular outputs, absurd data, skipped rounds.
expect_final_error() {  # like expect_error, for commands that log progress before failing
  local pattern=$1; shift
  if "$TGFL" "$@" > err.out 2> err.txt; then fail "expected failure: tgfl $*"; fi
  grep '^error: ' err.txt | tail -1 | grep -q "$pattern" || fail "tgfl $*: error was: $(grep '^error' err.txt)"
  [ "$(grep -c '^error: ' err.txt)" -eq 1 ] || fail "tgfl $*: more than one error line"
  ! grep -q "Fatal error\|Stack dump" err.txt || fail "tgfl $*: crashed"
}
expect_error "--clients must be at most 65536, got 9223372036854775807" federate --clients 9223372036854775807 --out x.h5
expect_error "--clients must be at least 1, got -5" federate --clients -5 --out x.h5
expect_error "--batch-size must be at most 4096, got 100000" train --batch-size 100000 --out x.h5
expect_error "--steps must be at least 1, got -3" train --steps -3 --out x.h5
expect_error "--paths × --horizon = 2000000 × 250 is more than" generate --model model.h5 --paths 2000000 --out x.csv
expect_error "--regime-path has more than" generate --model model.h5 --regime-path calm:9223372036854775807 --out x.csv
expect_error "--regime-path has more than" generate --model model.h5 --regime-path calm:2000000000 --out x.csv
mkfifo fifo.h5
expect_error "FIFO" train --config tiny --steps 2 --batch-size 8 --data prices.csv --out fifo.h5
[ -p fifo.h5 ] || fail "train --out FIFO replaced the FIFO"
ln -s model2.h5 link.h5
"$TGFL" train --config tiny --steps 2 --batch-size 8 --data prices.csv --out link.h5 > /dev/null 2>&1 || fail "train --out symlink"
[ -L link.h5 ] || fail "train --out symlink replaced the symlink instead of writing through it"
ln -s paths.csv paths_link.csv
"$TGFL" generate --model model.h5 --paths 2 --horizon 5 --out paths_link.csv > /dev/null 2>&1 || fail "generate --out symlink"
[ -L paths_link.csv ] && [ "$(wc -l < paths.csv)" -eq 3 ] || fail "generate --out symlink was replaced, not followed"
ls | grep -q '\.tmp-' && fail "temporary files left: $(ls | grep '\.tmp-')"
awk 'BEGIN { srand(8); p = 1300; print "date,close";
  for (i = 0; i < 400; i++) { d = sprintf("20%02d-%02d-%02d", 10 + int(i / 300), 1 + int((i % 300) / 25), 1 + i % 25);
    p *= exp((rand() - 0.5) * 0.02); printf "%s,%s\n", d, (i == 200 ? "1e308" : sprintf("%.4f", p)) } }' > absurd.csv
expect_final_error "series 'close': return \[.*standard deviations" train --config tiny --steps 2 --data absurd.csv --out x.h5
expect_final_error "all 1 rounds were skipped" federate --config tiny --data prices.csv --clients 2 --rounds 1 --local-steps 1 \
  --batch-size 8 --dp-noise 1e300 --out x.h5
expect_final_error "client 0 gets 0 windows" federate --config tiny --data prices.csv --clients 900 --partition exponential \
  --rounds 1 --local-steps 1 --out x.h5
expect_error "too large" inspect "$FIXTURES/hostile/crafted_d_model.h5"
expect_error "at most 4096" inspect "$FIXTURES/hostile/crafted_layers.h5"
expect_error "external link" inspect "$FIXTURES/hostile/external_link.h5"
expect_error "--levels are tail probabilities in (0, 0.5)" backtest --levels 0.7
expect_error "baselines need 1000 days" backtest --data prices.csv --model model.h5 --paths 100
expect_error "--refit-every must be at least 1 forecast" backtest --refit-every 0
pass "hardening"
# Joint scenarios of several assets and portfolio stress (issue 17).
"$TGFL" train-joint --bundled eu_stocks --columns dax,ftse --config tiny --levels 4 --steps 3 --batch-size 8 \
  --out joint.h5 > /dev/null 2>&1 || fail "train-joint"
"$TGFL" generate-joint --model joint.h5 --regime crisis --paths 3 --horizon 4 --out joint.csv > /dev/null 2>&1 \
  || fail "generate-joint"
# A --data file without a date column is read without dates, as for train (--date-column's default).
cp "$FIXTURES/../../Sources/TGFLCore/Resources/eu_stocks.csv" eu_undated.csv
"$TGFL" train-joint --data eu_undated.csv --columns dax,ftse --config tiny --levels 4 --steps 3 --batch-size 8 \
  --out joint_undated.h5 > /dev/null 2> undated.err || fail "train-joint --data without dates: $(cat undated.err)"
grep -q "has no 'date' column: read its rows in file order" undated.err || fail "train-joint --data without dates: $(cat undated.err)"
[ "$(head -1 joint.csv)" = "path,day,regime,dax,ftse" ] && [ "$(wc -l < joint.csv)" -eq 13 ] \
  && [ "$(grep -c ',crisis,' joint.csv)" -eq 12 ] || fail "generate-joint CSV: $(head -3 joint.csv)"
"$TGFL" generate-joint --model joint.h5 --regime crisis --paths 3 --horizon 4 --no-copula --out joint_nc.csv > /dev/null 2>&1 \
  && [ "$(wc -l < joint_nc.csv)" -eq 13 ] && ! cmp -s joint.csv joint_nc.csv || fail "generate-joint --no-copula"
# The switches that replace TGFL_JOINT_Z_TAIL=0 / TGFL_JOINT_VARIANCE=0 (session 17): training does not depend on
# the tail map or the variance calibration, so a model trained without them generates, unconditionally, the bits
# of the full model generated with them switched off; and the full model's own unconditional run differs.
"$TGFL" train-joint --bundled eu_stocks --columns dax,ftse --config tiny --levels 4 --steps 3 --batch-size 8 \
  --no-tail-map --no-variance-calibration --no-band-map --out joint_plain.h5 > /dev/null 2>&1 \
  || fail "train-joint --no-tail-map --no-variance-calibration --no-band-map"
# (the z band map, on by default since session 21, is calibrated on the tail-mapped z: switched off too)
"$TGFL" generate-joint --model joint.h5 --paths 3 --horizon 30 --out joint_u.csv > /dev/null 2>&1 \
  && "$TGFL" generate-joint --model joint.h5 --paths 3 --horizon 30 --no-tail-map --no-variance-calibration \
    --no-band-map --out joint_u_off.csv > /dev/null 2>&1 \
  && "$TGFL" generate-joint --model joint_plain.h5 --paths 3 --horizon 30 --out joint_u_plain.csv > /dev/null 2>&1 \
  && cmp -s joint_u_off.csv joint_u_plain.csv && ! cmp -s joint_u.csv joint_u_off.csv \
  || fail "generate-joint --no-tail-map --no-variance-calibration --no-band-map: not the bits of a model trained without them"
expect_error "--whitening 'pearson' is not a rule; use two-factor, return-correlation or covariance" \
  train-joint --bundled eu_stocks --columns dax,ftse --whitening pearson --out x.h5
# Market-regime starts (session 19, on by default): a model trained without them generates, under a regime, the
# bits of the full model run with --no-regime-starts; the full model's own regime run differs.
"$TGFL" train-joint --bundled eu_stocks --columns dax,ftse --config tiny --levels 4 --steps 3 --batch-size 8 \
  --no-regime-starts --out joint_ns.h5 > /dev/null 2>&1 || fail "train-joint --no-regime-starts"
"$TGFL" generate-joint --model joint.h5 --regime calm --paths 20 --horizon 3 --out joint_c.csv > /dev/null 2>&1 \
  && "$TGFL" generate-joint --model joint.h5 --regime calm --paths 20 --horizon 3 --no-regime-starts \
    --out joint_c_off.csv > /dev/null 2>&1 \
  && "$TGFL" generate-joint --model joint_ns.h5 --regime calm --paths 20 --horizon 3 --out joint_c_ns.csv > /dev/null 2>&1 \
  && cmp -s joint_c_off.csv joint_c_ns.csv && ! cmp -s joint_c.csv joint_c_off.csv \
  || fail "generate-joint --no-regime-starts: not the bits of a model trained without them"
# The z band map (sessions 20–21, on by default since session 21): a model trained with --no-band-map generates,
# under a regime, the default model's bits (regime runs are not scaled) and, unconditionally, other scenarios.
"$TGFL" train-joint --bundled eu_stocks --columns dax,ftse --config tiny --levels 4 --steps 3 --batch-size 8 \
  --no-band-map --out joint_bm.h5 > /dev/null 2>&1 || fail "train-joint --no-band-map"
"$TGFL" generate-joint --model joint_bm.h5 --regime calm --paths 20 --horizon 3 --out joint_c_bm.csv > /dev/null 2>&1 \
  && cmp -s joint_c.csv joint_c_bm.csv || fail "generate-joint under a regime: a model without a band map differs"
"$TGFL" generate-joint --model joint.h5 --paths 20 --horizon 30 --out joint_u2.csv > /dev/null 2>&1 \
  && "$TGFL" generate-joint --model joint_bm.h5 --paths 20 --horizon 30 --out joint_u_bm.csv > /dev/null 2>&1 \
  && ! cmp -s joint_u2.csv joint_u_bm.csv || fail "generate-joint: the band map changes no unconditional scenario"
# Regime z tail map (session 20, off by default): a model trained with --regime-z-tail generates, under a regime,
# the bits of the default model when run with --no-regime-z-tail; its own crisis run differs; unconditional runs match.
"$TGFL" train-joint --bundled eu_stocks --columns dax,ftse --config tiny --levels 4 --steps 3 --batch-size 8 \
  --regime-z-tail --out joint_zt.h5 > /dev/null 2>&1 || fail "train-joint --regime-z-tail"
"$TGFL" generate-joint --model joint.h5 --regime crisis --paths 20 --horizon 3 --out joint_k.csv > /dev/null 2>&1 \
  && "$TGFL" generate-joint --model joint_zt.h5 --regime crisis --paths 20 --horizon 3 --no-regime-z-tail \
    --out joint_k_off.csv > /dev/null 2>&1 \
  && "$TGFL" generate-joint --model joint_zt.h5 --regime crisis --paths 20 --horizon 3 --out joint_k_zt.csv > /dev/null 2>&1 \
  && "$TGFL" generate-joint --model joint.h5 --paths 20 --horizon 3 --out joint_uk.csv > /dev/null 2>&1 \
  && "$TGFL" generate-joint --model joint_zt.h5 --paths 20 --horizon 3 --out joint_u_zt.csv > /dev/null 2>&1 \
  && cmp -s joint_k.csv joint_k_off.csv && ! cmp -s joint_k.csv joint_k_zt.csv && cmp -s joint_uk.csv joint_u_zt.csv \
  || fail "generate-joint --no-regime-z-tail: not the bits of a model trained without the map"
"$TGFL" stress --model joint.h5 --weights dax=0.4,ftse=0.6 --regime crisis --paths 50 --horizon 5 --worst 3 \
  --worst-out worst.csv --json stress.json > stress.txt 2> /dev/null || fail "stress"
grep -q "^crisis " stress.txt || fail "stress prints no crisis row: $(cat stress.txt)"
[ "$(wc -l < worst.csv)" -eq 16 ] || fail "stress --worst-out: expected 1 + 3 × 5 rows, got $(wc -l < worst.csv)"
grep -q '"component_es"' stress.json || fail "stress --json has no component_es"
"$TGFL" stress --model joint.h5 --positions dax=2 --prices dax=1600 --paths 20 --horizon 2 > /dev/null 2>&1 \
  || fail "stress --positions --prices, every regime"
"$TGFL" inspect joint.h5 2> /dev/null | grep -q "joint model: 2 assets (dax, ftse)" || fail "inspect joint.h5"
"$TGFL" inspect joint.h5 2> /dev/null | grep -q "copula of the day's shocks: Student t" || fail "inspect joint.h5: copula"
"$TGFL" inspect --json joint.h5 2> /dev/null | grep -q '"levels_per_asset" : 4' || fail "inspect --json joint.h5"
expect_error "the model has no asset 'spx'" stress --model joint.h5 --weights spx=1
expect_error "--positions needs --prices" stress --model joint.h5 --positions dax=1
expect_error "joint model of several assets" generate --model joint.h5 --out x.csv
expect_error "single-series model .*command line: tgfl generate, tgfl report; a joint model comes from tgfl train-joint" \
  stress --model model.h5 --weights dax=1
expect_error "no column 'spx'" train-joint --bundled eu_stocks --columns dax,spx --out x.h5
# The HTML pages of stress and backtest (issue 15): written, self-contained, and bad real data named.
"$TGFL" stress --model joint.h5 --weights dax=0.4,ftse=0.6 --paths 50 --horizon 5 --real-bundled eu_stocks \
  --html stress.html > /dev/null 2>&1 || fail "stress --html"
grep -q '<section id="stress">' stress.html && grep -q '<th>Real VaR</th>' stress.html || fail "stress.html lacks its section"
expect_error "real-bundled sp500: no column 'dax'" stress --model joint.h5 --weights dax=1 --real-bundled sp500
expect_error "give --real-bundled or --real-data, not both" stress --model joint.h5 --weights dax=1 --real-bundled eu_stocks --real-data x.csv
"$TGFL" backtest --data prices.csv --model model.h5 --no-baselines --paths 100 --horizons 1,2 --seed 3 \
  --html bt.html > /dev/null 2>&1 || fail "backtest --html"
grep -q '<section id="backtests">' bt.html && grep -q 'bt-pit-h2-tgfl' bt.html || fail "bt.html lacks its charts"
# Joint federation: the same assets over different periods (two institutions, DP, secure aggregation).
"$TGFL" federate-joint --bundled eu_stocks --columns dax,smi,cac,ftse --config tiny --levels 4 --clients 2 --rounds 2 \
  --local-steps 2 --batch-size 8 --dp-noise 0.5 --clip 1 --secure-agg --out jfed.h5 > jfed.out 2> jfed.err \
  || fail "federate-joint: $(cat jfed.err)"
grep -q "round 2/2" jfed.err || fail "federate-joint: no per-round progress"
grep -q "institutions' periods 0..<743, 743..<1487; days 1487..<1859 held out" jfed.err \
  || fail "federate-joint: periods not logged: $(cat jfed.err)"
grep -q "privacy ε" jfed.out || fail "federate-joint: no privacy line: $(cat jfed.out)"
"$TGFL" inspect --json jfed.h5 2> /dev/null | grep -q "joint_same_assets_over_periods" \
  || fail "federate-joint: the checkpoint lacks the joint federation record"
"$TGFL" stress --model jfed.h5 --weights dax=0.5,ftse=0.5 --regime crisis --paths 20 --horizon 3 2> /dev/null \
  | grep -q "^crisis " || fail "stress on the federated joint model"
"$TGFL" generate-joint --model jfed.h5 --paths 2 --horizon 3 --out jfed.csv > /dev/null 2>&1 \
  && [ "$(head -1 jfed.csv)" = "path,day,regime,dax,smi,cac,ftse" ] || fail "generate-joint on the federated joint model"
expect_final_error "no column 'spx'" federate-joint --bundled eu_stocks --columns dax,spx --out x.h5
expect_final_error "gives each institution 7 of the 1487 training days" federate-joint --bundled eu_stocks \
  --config tiny --clients 200 --out x.h5
expect_final_error "no FedProx term" federate-joint --bundled eu_stocks --strategy fedprox --out x.h5
expect_error "--dp-noise: the (ε, δ) guarantee" federate-joint --bundled eu_stocks --strategy krum --dp-noise 1 --out x.h5
pass "joint"
echo "CLI smoke test passed"
