#!/usr/bin/env bash
# Installs the Debian packages etcfs builds and tests with. Idempotent: when
# everything is present it only asks dpkg, which takes well under a second.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  librocksdb-dev libspdlog-dev libfmt-dev libxxhash-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libfuse3-dev fuse3
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libasio-dev libcli11-dev libyaml-cpp-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "etcfs needs these Debian packages: ${missing[*]}" >&2
  echo "Run 'make deps' as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${#missing[@]} Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
