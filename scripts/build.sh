#!/usr/bin/env bash
# Configures and builds lptrain: scripts/build.sh [BUILD_DIR] [extra cmake -D options...]
# Default BUILD_DIR is build/ (Release, every module this machine has the dependencies for).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="${LPT_BUILD_TYPE:-Release}" "$@" >"$dir.configure.log" 2>&1 \
  || { cat "$dir.configure.log" >&2; exit 1; }
cmake --build "$dir" -j "$(nproc)"
