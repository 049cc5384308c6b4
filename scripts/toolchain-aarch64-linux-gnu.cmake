# CMake toolchain for cross-building the addon (and the CRT under it) for linux-arm64 glibc on a
# Debian/Ubuntu x86_64 host: apt-get install g++-aarch64-linux-gnu (and qemu-user-static, used as
# the emulator for the few try_run() feature probes). Used by scripts/cross-build-arm64.sh, which
# exports it as the CMAKE_TOOLCHAIN_FILE environment variable so that the CRT's own configure runs
# (cmake/CrtPrebuild.cmake starts one cmake per library) inherit it too.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(_triple aarch64-linux-gnu)
if(DEFINED ENV{MQTT5_CRT_CROSS_GCC_SUFFIX})
  set(_sfx "$ENV{MQTT5_CRT_CROSS_GCC_SUFFIX}")
else()
  set(_sfx "")
endif()
set(CMAKE_C_COMPILER ${_triple}-gcc${_sfx})
set(CMAKE_CXX_COMPILER ${_triple}-g++${_sfx})
set(CMAKE_ASM_COMPILER ${_triple}-gcc${_sfx})

# The Debian cross packages install the target's libc and libstdc++ here; the compiler knows it.
set(CMAKE_FIND_ROOT_PATH /usr/${_triple})
# Programs (cmake helpers, perl, go...) are the host's. Libraries, headers and packages are looked
# for under the target root first, then as given: the CRT install prefix in the user cache
# (CMAKE_PREFIX_PATH, passed by CrtPrebuild.cmake) lives outside the target root.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# try_run() probes (aws-lc's compiler checks) run the target binary under qemu when available.
find_program(_qemu NAMES qemu-aarch64-static qemu-aarch64)
if(_qemu)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${_qemu};-L;/usr/${_triple}")
endif()
