#!/usr/bin/env bash
# Installs keel's build and test dependencies from Debian 12's packages (idempotent).
# Usage: scripts/install_deps.sh [extra-package ...]
set -euo pipefail
pkgs=(build-essential cmake ninja-build ccache pkg-config git
      libhwy-dev libdnnl-dev libgtest-dev libbenchmark-dev nlohmann-json3-dev zlib1g-dev libdeflate-dev
      libtomlplusplus-dev libcli11-dev libopenmpi-dev openmpi-bin "$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
