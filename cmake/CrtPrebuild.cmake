# Builds the ten CRT libraries once per (CRT version, compiler, flags) into a cache outside the
# working tree, then makes them visible to find_package(). A later configure with the same key only
# re-links the addon. The build runs at configure time (as the CRT's own aws_prebuild_dependency
# does) because find_package() needs the installed config files before targets can be declared.

set(MQTT5_CRT_VERSION "awscrt-0.36.2")
# The repository root (crt/ and scripts/ live there); projects in subfolders (bench/native) set it.
if(NOT MQTT5_CRT_ROOT)
  set(MQTT5_CRT_ROOT "${CMAKE_CURRENT_SOURCE_DIR}")
endif()
# The libraries in dependency order, with the extra CMake arguments each one needs.
set(_crt_libs aws-c-common aws-lc s2n aws-c-cal aws-c-io aws-c-compression aws-c-http
              aws-c-sdkutils aws-c-auth aws-c-mqtt)
# aws-lc and s2n give TLS and crypto on Linux (and other Unix but Apple); macOS and Windows use
# the platform's own TLS and crypto through aws-c-io and aws-c-cal.
if(APPLE OR WIN32)
  list(REMOVE_ITEM _crt_libs aws-lc s2n)
endif()
set(_crt_args_aws-lc -DDISABLE_GO=ON -DDISABLE_PERL=ON -DBUILD_LIBSSL=OFF -DBUILD_TOOL=OFF)
set(_crt_args_s2n -DUNSAFE_TREAT_WARNINGS_AS_ERRORS=OFF -DCMAKE_NO_SYSTEM_FROM_IMPORTED=ON)

# --- where the sources are: populated submodules, else the verified source distribution --------
set(_crt_submodules "${MQTT5_CRT_ROOT}/crt")
if(DEFINED ENV{MQTT5_CRT_CACHE})
  set(MQTT5_CRT_CACHE "$ENV{MQTT5_CRT_CACHE}")
elseif(DEFINED ENV{XDG_CACHE_HOME})
  set(MQTT5_CRT_CACHE "$ENV{XDG_CACHE_HOME}/mqtt5-crt")
else()
  set(MQTT5_CRT_CACHE "$ENV{HOME}/.cache/mqtt5-crt")
endif()
set(_crt_sdist "${MQTT5_CRT_CACHE}/src/${MQTT5_CRT_VERSION}")

function(_crt_tree_complete dir out)
  set(ok TRUE)
  foreach(lib IN LISTS _crt_libs)
    if(NOT EXISTS "${dir}/${lib}/CMakeLists.txt")
      set(ok FALSE)
    endif()
  endforeach()
  set(${out} ${ok} PARENT_SCOPE)
endfunction()

_crt_tree_complete("${_crt_submodules}" _have_submodules)
_crt_tree_complete("${_crt_sdist}/crt" _have_sdist)
if(_have_submodules)
  set(MQTT5_CRT_SOURCE_DIR "${_crt_submodules}")
elseif(_have_sdist AND EXISTS "${_crt_sdist}/.verified")
  set(MQTT5_CRT_SOURCE_DIR "${_crt_sdist}/crt")
else()
  message(FATAL_ERROR
    "mqtt5-crt: the CRT sources are missing. Get them either way:\n"
    "  git submodule update --init --recursive   (needs access to github.com)\n"
    "  node scripts/fetch-crt.mjs                (downloads the awscrt 0.36.2 source distribution\n"
    "                                             from PyPI and verifies its sha256)\n")
endif()
message(STATUS "mqtt5-crt: CRT sources from ${MQTT5_CRT_SOURCE_DIR}")

# --- the cache key: CRT version + pinned commits, patches, compiler, flags, generator -------
include("${CMAKE_CURRENT_LIST_DIR}/CrtPatches.cmake")
mqtt5_crt_patches_key(_crt_patches_key)
file(READ "${MQTT5_CRT_ROOT}/scripts/crt-sources.json" _crt_pins)
set(_crt_build_type Release)
set(_crt_cc "${CMAKE_C_COMPILER}")
set(_crt_target "${CMAKE_SYSTEM_PROCESSOR}")
if(CMAKE_CROSSCOMPILING)
  # A cross build (scripts/prebuild.mjs --target ...) keys on the target system (the same processor
  # can mean Linux or Windows) and on the compiler's name, not its path: the zig wrappers live in
  # the checkout, and another clone must find the same cache. Native builds keep their key.
  get_filename_component(_crt_cc "${CMAKE_C_COMPILER}" NAME)
  set(_crt_cc "${CMAKE_SYSTEM_NAME}|${_crt_cc}")
  set(_crt_target "${CMAKE_SYSTEM_NAME}-${CMAKE_SYSTEM_PROCESSOR}")
endif()
set(_crt_key_text
  "${MQTT5_CRT_VERSION}|${_crt_pins}|${CMAKE_C_COMPILER_ID}-${CMAKE_C_COMPILER_VERSION}|${_crt_cc}"
  "|${CMAKE_C_FLAGS}|${_crt_build_type}|${CMAKE_SYSTEM_PROCESSOR}|${CMAKE_GENERATOR}"
  "|${_crt_args_aws-lc}|${_crt_args_s2n}|pic-static-v1")
if(_crt_patches_key)
  string(APPEND _crt_key_text "|patches:${_crt_patches_key}")
endif()
string(SHA256 _crt_key "${_crt_key_text}")
string(SUBSTRING "${_crt_key}" 0 16 _crt_key)
set(MQTT5_CRT_PREFIX "${MQTT5_CRT_CACHE}/build/${MQTT5_CRT_VERSION}-${_crt_target}-${_crt_key}")
set(_crt_stamp "${MQTT5_CRT_PREFIX}/install/.complete")
mqtt5_crt_forget_stale_packages("${MQTT5_CRT_PREFIX}")

cmake_host_system_information(RESULT _ncpu QUERY NUMBER_OF_LOGICAL_CORES)
if(NOT EXISTS "${_crt_stamp}")
  file(MAKE_DIRECTORY "${MQTT5_CRT_PREFIX}")
  # Two concurrent installs on one machine must not build into the same tree.
  file(LOCK "${MQTT5_CRT_PREFIX}.lock" GUARD FILE TIMEOUT 3600)
endif()
if(NOT EXISTS "${_crt_stamp}")
  message(STATUS "mqtt5-crt: building the CRT (cold, several minutes) into ${MQTT5_CRT_PREFIX}")
  string(TIMESTAMP _t0 "%s")
  set(_gen_args)
  if(CMAKE_GENERATOR)
    set(_gen_args -G "${CMAKE_GENERATOR}")
  endif()
  # The libraries are configured for the same target as the addon: a cross build passes its
  # toolchain file on (without it they would configure for the host and fail in try_compile).
  set(_toolchain_args)
  if(CMAKE_TOOLCHAIN_FILE)
    set(_toolchain_args "-DCMAKE_TOOLCHAIN_FILE=${CMAKE_TOOLCHAIN_FILE}")
  endif()
  foreach(lib IN LISTS _crt_libs)
    set(bdir "${MQTT5_CRT_PREFIX}/work/${lib}")
    file(MAKE_DIRECTORY "${bdir}")
    message(STATUS "mqtt5-crt: CRT ${lib}")
    mqtt5_crt_patched_source(${lib} "${MQTT5_CRT_SOURCE_DIR}" "${MQTT5_CRT_PREFIX}/work" _lib_src)
    execute_process(
      COMMAND "${CMAKE_COMMAND}" ${_gen_args}
        -S "${_lib_src}" -B "${bdir}"
        ${_toolchain_args}
        -DCMAKE_BUILD_TYPE=${_crt_build_type}
        -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}
        -DCMAKE_C_FLAGS=${CMAKE_C_FLAGS}
        -DCMAKE_INSTALL_PREFIX=${MQTT5_CRT_PREFIX}/install
        -DCMAKE_PREFIX_PATH=${MQTT5_CRT_PREFIX}/install
        -DCMAKE_INSTALL_LIBDIR=lib
        -DBUILD_SHARED_LIBS=OFF
        -DCMAKE_POSITION_INDEPENDENT_CODE=ON
        -DBUILD_TESTING=OFF
        ${_crt_args_${lib}}
      OUTPUT_FILE "${MQTT5_CRT_PREFIX}/work/${lib}.configure.log"
      ERROR_FILE "${MQTT5_CRT_PREFIX}/work/${lib}.configure.log"
      RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "mqtt5-crt: configuring ${lib} failed; see ${MQTT5_CRT_PREFIX}/work/${lib}.configure.log")
    endif()
    execute_process(
      COMMAND "${CMAKE_COMMAND}" --build "${bdir}" --target install --parallel ${_ncpu}
      OUTPUT_FILE "${MQTT5_CRT_PREFIX}/work/${lib}.build.log"
      ERROR_FILE "${MQTT5_CRT_PREFIX}/work/${lib}.build.log"
      RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "mqtt5-crt: building ${lib} failed; see ${MQTT5_CRT_PREFIX}/work/${lib}.build.log")
    endif()
  endforeach()
  string(TIMESTAMP _t1 "%s")
  math(EXPR _dt "${_t1} - ${_t0}")
  file(WRITE "${_crt_stamp}" "${_crt_key_text}\n")
  # The object files are not needed once installed; keep the cache small.
  file(REMOVE_RECURSE "${MQTT5_CRT_PREFIX}/work")
  message(STATUS "mqtt5-crt: CRT built in ${_dt} s")
else()
  message(STATUS "mqtt5-crt: CRT build cache hit: ${MQTT5_CRT_PREFIX}")
endif()
list(PREPEND CMAKE_PREFIX_PATH "${MQTT5_CRT_PREFIX}/install")
