#!/usr/bin/env bash
# Installs every Debian package lptrain uses (build, tests, MPI, HDF5, Slurm). Idempotent and
# quiet: packages already present are not reinstalled and apt is not even asked.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git clang-format clang-tidy
  libgtest-dev libgmock-dev libbenchmark-dev
  libcxxopts-dev libyaml-cpp-dev libfmt-dev libspdlog-dev
  libtorch-dev libopenblas0-openmp
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools python3-h5py
  python3-matplotlib
  slurm-wlm munge
)

# Wanted but not required: the browser that runs the replay page's test (skipped without it).
OPTIONAL=(chromium)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed'; }
missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
missing_optional=()
for p in "${OPTIONAL[@]}"; do installed "$p" || missing_optional+=("$p"); done
((${#missing[@]} + ${#missing_optional[@]} == 0)) && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ((${#missing_optional[@]} > 0)); then
  echo "setup: installing ${missing_optional[*]} (optional)" >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${missing_optional[@]}" >/dev/null \
    || echo "setup: could not install ${missing_optional[*]}; the tests that need it will say they skipped" >&2
fi
