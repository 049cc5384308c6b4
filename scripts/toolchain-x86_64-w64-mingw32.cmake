# CMake toolchain for cross-building the addon (and the CRT under it) for win32-x64 on a Debian
# x86_64 host with mingw-w64: apt-get install mingw-w64 g++-mingw-w64-x86-64-posix. The -posix
# compilers use winpthreads, which the C++ threads in the binding need. scripts/prebuild.mjs exports
# this file as the CMAKE_TOOLCHAIN_FILE environment variable so that the CRT's own configure runs
# (cmake/CrtPrebuild.cmake starts one cmake per library) inherit it too: without it they configure
# for Linux and fail in try_compile.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)

set(_triple x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${_triple}-gcc-posix)
set(CMAKE_CXX_COMPILER ${_triple}-g++-posix)
set(CMAKE_RC_COMPILER ${_triple}-windres)
set(CMAKE_AR ${_triple}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${_triple}-ranlib CACHE FILEPATH "")

set(CMAKE_FIND_ROOT_PATH /usr/${_triple})
# Host programs; target libraries and headers under the mingw root, then as given (the CRT install
# prefix in the user cache, passed as CMAKE_PREFIX_PATH, lives outside it).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
