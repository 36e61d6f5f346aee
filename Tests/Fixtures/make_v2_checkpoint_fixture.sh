#!/bin/sh
# Writes Tests/Fixtures/<prefix>_model.h5 (a tiny v2 model of the bundled S&P 500 after 3 training
# steps) and 6 paths x 20 days from it, <prefix>_{unconditional,crisis}.csv, with the given `tgfl`:
# what DependenceMatchTests' "same bits" tests check a past session's checkpoint against.
# Called by make_v2_s9_fixture.sh and make_v2_s10_fixture.sh (which say which binary).
#   sh Tests/Fixtures/make_v2_checkpoint_fixture.sh <prefix> <tgfl>
set -e
P=Tests/Fixtures/$1
TGFL=${2:-.build/release/tgfl}
"$TGFL" train --config tiny --steps 3 --batch-size 8 --seed 3 --threads 1 --out ${P}_model.h5
"$TGFL" generate --model ${P}_model.h5 --regime none --paths 6 --horizon 20 --seed 9 --threads 1 \
  --out ${P}_unconditional.csv
"$TGFL" generate --model ${P}_model.h5 --regime crisis --paths 6 --horizon 20 --seed 9 --threads 1 \
  --out ${P}_crisis.csv
