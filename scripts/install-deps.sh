#!/usr/bin/env bash
# Installs the Debian packages etcfs builds and tests with. Idempotent: when
# everything is present it only asks dpkg, which takes well under a second.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git curl
  librocksdb-dev libspdlog-dev libfmt-dev libxxhash-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libfuse3-dev fuse3
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libasio-dev libcli11-dev libyaml-cpp-dev
  libssl-dev libcpp-httplib-dev libsystemd-dev
  etcd-server etcd-client python3-etcd3 python3-etcd3gw
  python3 inotify-tools attr man-db groff-base
  iproute2 nftables gnuplot-nox
  clang libclang-rt-14-dev
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

# etcd-server is here as the reference the conformance tests compare with. On a
# machine running systemd its package starts an etcd service on :2379, where
# etcfsd serves by default; when we installed it, stop that service again.
if printf '%s\n' "${missing[@]}" | grep -qx etcd-server && [ -d /run/systemd/system ]; then
  if systemctl is-active --quiet etcd 2>/dev/null; then
    systemctl disable --now etcd >/dev/null 2>&1 || true
    echo "Stopped and disabled the etcd service that Debian's etcd-server package started:"
    echo "etcfs uses etcd only as a test reference, and etcfsd serves on :2379 by default."
  fi
fi
