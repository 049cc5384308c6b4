# CMake toolchain for cross-building the addon (and the CRT under it) for linux-x64 musl (Alpine)
# on a glibc host with zig (pip install ziglang): Debian's musl-tools has no C++ library. zig
# builds musl, compiler-rt and libc++ itself (about 3 minutes, once, into its own cache) and links
# libc++ statically: the addon then needs only musl's libc.so. Used by scripts/prebuild.mjs
# --target linux-x64-musl, which exports it as CMAKE_TOOLCHAIN_FILE for the CRT's own builds too.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER "${CMAKE_CURRENT_LIST_DIR}/zig/x86_64-linux-musl-cc")
set(CMAKE_CXX_COMPILER "${CMAKE_CURRENT_LIST_DIR}/zig/x86_64-linux-musl-c++")
set(CMAKE_ASM_COMPILER "${CMAKE_CURRENT_LIST_DIR}/zig/x86_64-linux-musl-cc")
# Nothing of the host's libraries or headers belongs in this build: zig brings musl's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
