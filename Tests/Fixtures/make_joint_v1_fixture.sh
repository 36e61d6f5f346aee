#!/bin/sh
# Writes Tests/Fixtures/joint_v1_model.h5 and its scenarios joint_v1_{unconditional,crisis}.csv
# with the `tgfl` built from commit 87b182b (main before the joint copula of session 8): a tiny
# 2-asset joint model (DAX, SMI) after 3 training steps, and 6 paths x 5 days from it. The
# checkpoint has no copula; JointCopulaTests checks that today's code generates the same bits.
# Run from the repository root with that commit's binary: sh Tests/Fixtures/make_joint_v1_fixture.sh .build/release/tgfl
set -e
TGFL=${1:-.build/release/tgfl}
F=Tests/Fixtures
"$TGFL" train-joint --bundled eu_stocks --columns dax,smi --config tiny --levels 4 --steps 3 --eval-every 3 \
  --batch-size 8 --seed 3 --threads 1 --out $F/joint_v1_model.h5
"$TGFL" generate-joint --model $F/joint_v1_model.h5 --paths 6 --horizon 5 --seed 9 --threads 1 --out $F/joint_v1_unconditional.csv
"$TGFL" generate-joint --model $F/joint_v1_model.h5 --regime crisis --paths 6 --horizon 5 --seed 9 --threads 1 \
  --out $F/joint_v1_crisis.csv
