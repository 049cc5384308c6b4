# CMake toolchain for cross-building the addon (and the CRT under it) with zig (pip install ziglang)
# for the zig target named by the environment variable MQTT5_CRT_ZIG_TARGET, e.g. x86_64-linux-musl
# (Alpine: Debian's musl-tools has no C++ library) or x86_64-linux-gnu.2.28 (glibc, with 2.28 as
# the floor whatever the host's glibc). zig brings that libc's headers and link-time libraries, builds libc++ once
# into its own cache (a few minutes) and links it statically: the addon then needs only the libc.
# scripts/prebuild.mjs sets the variable and exports this file as CMAKE_TOOLCHAIN_FILE, so that the
# CRT's own configure runs (and their try_compile projects) see both.
set(_zig_target "$ENV{MQTT5_CRT_ZIG_TARGET}")
if(NOT _zig_target)
  message(FATAL_ERROR "toolchain-zig.cmake: set MQTT5_CRT_ZIG_TARGET (e.g. x86_64-linux-musl); scripts/prebuild.mjs does")
endif()
string(REGEX MATCH "^[^-]+" CMAKE_SYSTEM_PROCESSOR "${_zig_target}")
set(CMAKE_SYSTEM_NAME Linux)
# The compilers are symlinks to scripts/zig/zig-cc.sh named after the target, so that the CRT
# cache key (which includes the compiler's name) tells the targets apart.
set(CMAKE_C_COMPILER "${CMAKE_CURRENT_LIST_DIR}/zig/${_zig_target}-cc")
set(CMAKE_CXX_COMPILER "${CMAKE_CURRENT_LIST_DIR}/zig/${_zig_target}-c++")
set(CMAKE_ASM_COMPILER "${CMAKE_CURRENT_LIST_DIR}/zig/${_zig_target}-cc")
# Nothing of the host's libraries or headers belongs in this build: zig brings the target's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
