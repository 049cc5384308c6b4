#!/usr/bin/env bash
# Cross-builds the linux-arm64 (glibc) prebuild on a Debian/Ubuntu x86_64 host, CRT included, and
# optionally smoke-tests it under qemu-user with an arm64 Node from the npm registry.
#
#   scripts/cross-build-arm64.sh            build -> prebuilds/linux-arm64/mqtt5-crt.napi.glibc.node
#   scripts/cross-build-arm64.sh --smoke    build, then connect/publish/receive under qemu-aarch64
#   scripts/cross-build-arm64.sh --smoke-only
#
# Needs: g++-aarch64-linux-gnu, cmake >= 3.21 (reads CMAKE_TOOLCHAIN_FILE from the environment),
# and for --smoke qemu-user-static (or qemu-user) and mosquitto. As root on Debian it installs the
# missing packages with apt-get. The CRT is built once into its own cache directory (the cache key
# includes the target processor): a cold cross-build of the CRT takes 10+ minutes on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

smoke=0; build=1
for a in "$@"; do
  case "$a" in
    --smoke) smoke=1 ;;
    --smoke-only) smoke=1; build=0 ;;
    *) echo "usage: $0 [--smoke|--smoke-only]" >&2; exit 2 ;;
  esac
done

triple=aarch64-linux-gnu
out="$root/build/cross-linux-arm64"
dest="$root/prebuilds/linux-arm64/mqtt5-crt.napi.glibc.node"

need=()
command -v ${triple}-g++ >/dev/null || need+=(g++-${triple} gcc-${triple})
if [ $smoke = 1 ]; then
  command -v qemu-aarch64-static >/dev/null || command -v qemu-aarch64 >/dev/null || need+=(qemu-user-static)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "cross-build: installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; }
  else
    echo "cross-build: missing ${need[*]} (Debian/Ubuntu: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

if [ $build = 1 ]; then
  node scripts/fetch-crt.mjs
  export CMAKE_TOOLCHAIN_FILE="$root/scripts/toolchain-${triple}.cmake"
  # cmake-js looks for the Node headers in npm's nodedir when set (e.g. by ~/.npmrc); under npm
  # this arrives as npm_config_nodedir. Pass it on when the script is run directly.
  if [ -z "${npm_config_nodedir:-}" ]; then
    nodedir="$(npm config get nodedir 2>/dev/null || true)"
    if [ -n "$nodedir" ] && [ "$nodedir" != "undefined" ] && [ "$nodedir" != "null" ]; then
      export npm_config_nodedir="$nodedir"
    fi
  fi
  t0=$(date +%s)
  node node_modules/cmake-js/bin/cmake-js build --out "$out" --directory "$root" \
    --CDCMAKE_TOOLCHAIN_FILE="$CMAKE_TOOLCHAIN_FILE"
  t1=$(date +%s)
  mkdir -p "$(dirname "$dest")"
  cp "$out/Release/mqtt5_crt.node" "$dest"
  echo "cross-build: built in $((t1 - t0)) s: $dest ($(stat -c %s "$dest") bytes)"
  file "$dest" 2>/dev/null || true
  floor=$(${triple}-objdump -T "$dest" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
  echo "cross-build: glibc floor $floor"
fi

if [ $smoke = 1 ]; then
  exec node "$root/scripts/smoke/qemu-arm64.mjs" "$dest"
fi
