#!/bin/bash
# usage: Tools/refactor_check.sh BIN OUTDIR MODELS — writes the outputs a refactor must leave bit-identical
# (generate v1/v2: unconditional, regime, regime path, prompt; generate-joint; audit; train-joint; federate,
# plain and DP). Run it with the binary before and after a change (same MODELS, trained by the "before"
# binary when missing), then compare: python3 Tools/compare_outputs.py OUT_BEFORE OUT_AFTER.
set -e
B=$1; O=$2; mkdir -p $O
M=$3; mkdir -p $M
[ -f $M/v2.h5 ] || $B train --config tiny --model-version 2 --steps 40 --threads 1 --out $M/v2.h5 >/dev/null 2>&1
[ -f $M/v1.h5 ] || $B train --config tiny --model-version 1 --steps 40 --threads 1 --out $M/v1.h5 >/dev/null 2>&1
[ -f $M/joint.h5 ] || $B train-joint --bundled eu_stocks --columns dax,ftse --config tiny --steps 40 --eval-every 10 --threads 1 --out $M/joint.h5 >/dev/null 2>&1
$B generate --model $M/v2.h5 --paths 70 --horizon 40 --seed 5 --out $O/v2_uncond.csv 2>/dev/null
$B generate --model $M/v2.h5 --regime crisis --paths 70 --horizon 40 --seed 6 --out $O/v2_crisis.csv 2>/dev/null
$B generate --model $M/v2.h5 --regime-path calm:10,crisis:20 --paths 40 --seed 7 --out $O/v2_path.csv 2>/dev/null
$B generate --model $M/v2.h5 --prompt-days 30 --paths 40 --horizon 30 --seed 8 --out $O/v2_prompt.csv 2>/dev/null
$B generate --model $M/v2.h5 --prompt-days 30 --regime volatile --paths 40 --horizon 30 --seed 8 --threads 1 --out $O/v2_prompt_reg.csv 2>/dev/null
$B generate --model $M/v1.h5 --regime 2 --paths 70 --horizon 40 --seed 9 --out $O/v1_regime.csv 2>/dev/null
$B generate --model $M/v1.h5 --regime 3 --prompt-days 20 --paths 40 --horizon 30 --seed 9 --out $O/v1_prompt.csv 2>/dev/null
$B generate-joint --model $M/joint.h5 --paths 70 --horizon 15 --seed 3 --out $O/joint_uncond.h5 2>/dev/null >/dev/null || $B generate-joint --model $M/joint.h5 --paths 70 --horizon 15 --seed 3 --out $O/joint_uncond.csv 2>/dev/null >/dev/null
$B generate-joint --model $M/joint.h5 --regime crisis --paths 40 --horizon 15 --seed 4 --out $O/joint_crisis.h5 2>/dev/null >/dev/null || $B generate-joint --model $M/joint.h5 --regime crisis --paths 40 --horizon 15 --seed 4 --out $O/joint_crisis.csv 2>/dev/null >/dev/null
$B audit --model $M/v2.h5 --paths 30 --window 32 --json $O/audit.json > $O/audit.txt 2>/dev/null
$B audit --model $M/v2.h5 --reference $M/v1.h5 --paths 20 --window 32 --json $O/audit_ref.json > $O/audit_ref.txt 2>/dev/null

$B train-joint --bundled eu_stocks --columns dax,ftse --config tiny --steps 30 --eval-every 10 --patience 0 --out $O/joint_trained.h5 >/dev/null 2>&1 || $B train-joint --bundled eu_stocks --columns dax,ftse --config tiny --steps 30 --eval-every 10 --out $O/joint_trained.h5 >/dev/null 2>&1
$B federate --config tiny --clients 4 --rounds 3 --local-steps 2 --out $O/fed.h5 >/dev/null 2>&1
$B federate --config tiny --clients 5 --rounds 2 --local-steps 2 --fraction 0.6 --dp-noise 0.5 --clip 1 --strategy fedadam --out $O/fed_dp.h5 >/dev/null 2>&1
echo ok
