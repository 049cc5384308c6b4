#!/usr/bin/env bash
# zig as a gcc-compatible C/C++ cross compiler, called through symlinks named <zig target>-cc and
# <zig target>-c++ (e.g. x86_64-linux-musl-c++), which scripts/toolchain-zig.cmake names. zig comes
# from PyPI (pip install ziglang); MQTT5_CRT_ZIG may name its executable to skip Python's start-up.
# Three flags are adjusted, each because zig's clang driver treats it differently from gcc:
#   -Wp,-U_FORTIFY_SOURCE (aws-lc) -> -U_FORTIFY_SOURCE: zig rejects -Wp, options;
#   --exclude-libs (CMakeLists.txt) is dropped: zig's linker lacks it, and the version script
#     already hides every symbol but the Node-API entry points;
#   -fno-sanitize=undefined is added: zig turns on UBSan in unoptimised builds (CMake's try_compile,
#     debug builds), and the addon would then need __ubsan_* symbols at load time.
set -euo pipefail
name="${0##*/}"
case "$name" in
  *-c++) mode=c++; target="${name%-c++}" ;;
  *-cc) mode=cc; target="${name%-cc}" ;;
  *) echo "zig-cc.sh: call me through a symlink named <target>-cc or <target>-c++ (got $name)" >&2; exit 2 ;;
esac
args=()
in=("$@")
for ((i = 0; i < ${#in[@]}; i++)); do
  a="${in[i]}"
  case "$a" in
    -Wp,-U_FORTIFY_SOURCE) args+=(-U_FORTIFY_SOURCE) ;;
    -Wl,--exclude-libs,*) ;;
    # CMake spells LINKER:--exclude-libs,ALL as -Xlinker --exclude-libs -Xlinker ALL for clang.
    -Xlinker) if [ "${in[i + 1]:-}" = --exclude-libs ]; then i=$((i + 3)); else args+=("$a"); fi ;;
    *) args+=("$a") ;;
  esac
done
if [ -n "${MQTT5_CRT_ZIG:-}" ]; then
  exec "$MQTT5_CRT_ZIG" "$mode" -target "$target" -fno-sanitize=undefined "${args[@]}"
fi
exec python3 -m ziglang "$mode" -target "$target" -fno-sanitize=undefined "${args[@]}"
