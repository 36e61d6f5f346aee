#!/bin/sh
# Writes Tests/Fixtures/v2_s10_model.h5 and its scenarios v2_s10_{unconditional,crisis}.csv with the
# `tgfl` of session 10 (power-1 recursion; before session 11 matched it again on every day given):
# a tiny v2 model of the bundled S&P 500 after 3 training steps, whose `/volatility` section holds
# matched power-1 generation dynamics (generation_power = 1), and 6 paths x 20 days from it.
# DependenceMatchTests checks that today's code loads it and generates the same bits.
# Run from the repository root with that binary (main at 268ee95):
#   TGFL_DATA_DIR=Sources/TGFLCore/Resources sh Tests/Fixtures/make_v2_s10_fixture.sh /work/bench/s11lev/bin/tgfl
sh Tests/Fixtures/make_v2_checkpoint_fixture.sh v2_s10 "${1:-.build/release/tgfl}"
