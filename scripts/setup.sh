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

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed'; then
    missing+=("$p")
  fi
done
((${#missing[@]} == 0)) && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
