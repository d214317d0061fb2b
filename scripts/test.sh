#!/usr/bin/env bash
# The whole test suite: installs what is missing, then
#   1. builds everything and runs every CTest test (labels: unit, mpi, e2e, slurm, and gpu,
#      whose tests skip without a usable GPU);
#   2. builds the torch-free, MPI-free modules with AddressSanitizer + UndefinedBehaviorSanitizer
#      and runs their tests (this is also the proof that they build without torch and MPI);
#   3. checks formatting (.clang-format) and runs .clang-tidy's checks on the torch-free sources.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)

echo "== full build and tests =="
scripts/build.sh build
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== torch-free, MPI-free build under ASan+UBSan =="
LPT_BUILD_TYPE=RelWithDebInfo scripts/build.sh build-nodeps-asan \
  -DLPT_WITH_TORCH=OFF -DLPT_WITH_MPI=OFF -DLPT_WITH_NCCL=OFF -DLPT_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-nodeps-asan --output-on-failure -j "$jobs"

echo "== format and clang-tidy =="
scripts/lint.sh build-nodeps-asan
