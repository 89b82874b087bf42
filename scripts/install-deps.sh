#!/usr/bin/env bash
# Installs every Debian package picket needs to build, test and benchmark.
# Idempotent: apt-get skips what is already installed. Uses sudo when not root.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
  # packaging (cpack -G DEB: dpkg-shlibdeps; package_test: dpkg-deb, objdump)
  dpkg-dev binutils
  # core libraries
  libsimdjson-dev libtomlplusplus-dev libcli11-dev libfmt-dev libre2-dev libabsl-dev
  libxxhash-dev librocksdb-dev libcpp-httplib-dev libssl-dev libboost-dev libbrotli-dev
  # containers and compression (model scanner, .gz input)
  libarchive-dev zlib1g-dev libzstd-dev liblz4-dev liblzma-dev libbz2-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # Debian's python3 for generators, emulation tests and the e2e client
  python3 python3-numpy python3-joblib python3-sklearn python3-torch python3-elasticsearch python3-brotli
  python3-py7zr
  # the Python eql peer of bench/eql_bench.py --python-eql (endgameinc/eql 0.9.19 parses with lark)
  python3-lark
  # a real log shipper for the serve tests (run as a private instance, never as a service)
  rsyslog rsyslog-elasticsearch
  # Redis Cluster for shared serve state: scripts/redis-cluster.sh runs private
  # instances for the tests and the scale-out demo, never the system service
  redis-server redis-tools
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
