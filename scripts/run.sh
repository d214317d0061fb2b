#!/usr/bin/env bash
# The main job: installs what is missing, builds, then runs the arena simulator benchmark and
# prints a rendered episode. Extra arguments go to `lptrain bench env`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build >/dev/null
./build/trainer/lptrain bench env "$@"
echo
./build/trainer/lptrain render --seed 1 --steps 300
