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

"$TGFL" federate --config tiny --data prices.csv --clients 3 --partition time --strategy fedadam --rounds 2 \
  --local-steps 2 --batch-size 8 --dp-noise 0.1 --clip 1 --out fed.h5 > fed.out 2> fed.err \
  || fail "federate: $(cat fed.err)"
grep -q "round 2/2" fed.err || fail "federate: no per-round progress"
grep -q "privacy ε" fed.out || fail "federate: no privacy line: $(cat fed.out)"
# (to a file first: `grep -q` closes the pipe at its first match, and pipefail would count the writer's SIGPIPE)
"$TGFL" inspect fed.h5 > fed.inspect
grep -q "fedadam" fed.inspect || fail "federate: the checkpoint lacks the federation record"
pass federate

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
expect_error "is not a bundled series" train --bundled bogus --out x.h5
expect_error "has no column 'oops'; its columns are dax, smi, cac, ftse" train --bundled eu_stocks --column oops --out x.h5
printf 'log_return\n0.01\n-0.02\n0.005\n' > returns_only.csv
expect_error "read it with --returns-column log_return" train --data returns_only.csv --column log_return --out x.h5
pass "errors"

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
pass "hardening"
echo "CLI smoke test passed"
