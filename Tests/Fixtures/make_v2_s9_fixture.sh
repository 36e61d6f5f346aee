#!/bin/sh
# Writes Tests/Fixtures/v2_s9_model.h5 and its scenarios v2_s9_{unconditional,crisis}.csv with the
# `tgfl` of session 9 (before the power-1 recursion of session 10): a tiny v2 model of the bundled
# S&P 500 after 3 training steps, whose `/volatility` section holds matched power-2 generation
# dynamics (generation_alpha/gamma/beta, no generation_power), and 6 paths x 20 days from it.
# DependenceMatchTests checks that today's code loads it and generates the same bits.
# Run from the repository root with that binary:
#   TGFL_DATA_DIR=Sources/TGFLCore/Resources sh Tests/Fixtures/make_v2_s9_fixture.sh /work/bench/s9/real9/tgfl
sh Tests/Fixtures/make_v2_checkpoint_fixture.sh v2_s9 "${1:-.build/release/tgfl}"
