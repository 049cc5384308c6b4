# Applies the repository's patches to the pinned CRT sources: patches/<library>/NNNN-*.patch, in
# name order, each a unified diff relative to the library's root (git diff a/ b/ style, -p1).
# The sources themselves (the git submodules or the verified source distribution) are never
# modified: each patched library is copied into the build tree, patched there, and the patch
# verified (it must reverse-apply cleanly afterwards). The patches' contents go into the CRT cache
# key, so adding or changing a patch rebuilds the CRT.

set(_crt_patches_dir "${MQTT5_CRT_ROOT}/patches")

# Sets <out_key> to a hash of every patch (names and contents), or "" when there are none.
function(mqtt5_crt_patches_key out_key)
  # CONFIGURE_DEPENDS: a patch added or removed later reconfigures an existing build folder.
  file(GLOB _patches RELATIVE "${_crt_patches_dir}" CONFIGURE_DEPENDS "${_crt_patches_dir}/*/*.patch")
  list(SORT _patches)
  set(_text "")
  foreach(p IN LISTS _patches)
    file(READ "${_crt_patches_dir}/${p}" _body)
    string(APPEND _text "${p}\n${_body}\n")
    # An existing build folder reconfigures (and so rebuilds the CRT) when a patch changes.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_crt_patches_dir}/${p}")
  endforeach()
  if(_text STREQUAL "")
    set(${out_key} "" PARENT_SCOPE)
  else()
    string(SHA256 _hash "${_text}")
    set(${out_key} "${_hash}" PARENT_SCOPE)
  endif()
endfunction()

# Sets <out_dir> to the source folder to build <lib> from: <source_root>/<lib> when it has no
# patches, else a patched copy under <work_root>/patched-src/<lib>.
function(mqtt5_crt_patched_source lib source_root work_root out_dir)
  file(GLOB _patches "${_crt_patches_dir}/${lib}/*.patch")
  list(SORT _patches)
  if(NOT _patches)
    set(${out_dir} "${source_root}/${lib}" PARENT_SCOPE)
    return()
  endif()
  find_program(MQTT5_PATCH_EXE patch)
  find_program(MQTT5_GIT_EXE git)
  if(NOT MQTT5_PATCH_EXE AND NOT MQTT5_GIT_EXE)
    message(FATAL_ERROR "mqtt5-crt: applying patches/${lib} needs `patch` or `git` on the PATH")
  endif()
  set(_dst "${work_root}/patched-src/${lib}")
  file(REMOVE_RECURSE "${_dst}")
  file(MAKE_DIRECTORY "${work_root}/patched-src")
  file(COPY "${source_root}/${lib}" DESTINATION "${work_root}/patched-src")
  foreach(p IN LISTS _patches)
    get_filename_component(_name "${p}" NAME)
    if(MQTT5_PATCH_EXE)
      set(_apply "${MQTT5_PATCH_EXE}" -p1 --forward --batch --quiet -i "${p}")
      set(_verify "${MQTT5_PATCH_EXE}" -p1 --reverse --dry-run --batch --quiet -i "${p}")
    else()
      # GIT_CEILING_DIRECTORIES keeps git from finding an enclosing repository, whose root it
      # would otherwise resolve the patch's paths against.
      set(_apply "${CMAKE_COMMAND}" -E env "GIT_CEILING_DIRECTORIES=${work_root}/patched-src"
                 "${MQTT5_GIT_EXE}" apply -p1 "${p}")
      set(_verify "${CMAKE_COMMAND}" -E env "GIT_CEILING_DIRECTORIES=${work_root}/patched-src"
                  "${MQTT5_GIT_EXE}" apply -p1 --reverse --check "${p}")
    endif()
    execute_process(COMMAND ${_apply} WORKING_DIRECTORY "${_dst}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "mqtt5-crt: patches/${lib}/${_name} does not apply to ${source_root}/${lib}:\n${out}")
    endif()
    # Applied means: every hunk is now present, so the patch reverses cleanly.
    execute_process(COMMAND ${_verify} WORKING_DIRECTORY "${_dst}"
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "mqtt5-crt: patches/${lib}/${_name} did not apply completely:\n${out}")
    endif()
    message(STATUS "mqtt5-crt: applied patches/${lib}/${_name}")
  endforeach()
  set(${out_dir} "${_dst}" PARENT_SCOPE)
endfunction()

# find_package() caches each package's <name>_DIR; when the cache key (e.g. a patch) changes, an
# existing build folder would keep linking the previous CRT build. Forget the package folders that
# point into another CRT build of the cache so they are found again under <prefix>.
function(mqtt5_crt_forget_stale_packages prefix)
  get_cmake_property(_vars CACHE_VARIABLES)
  foreach(v IN LISTS _vars)
    if(v MATCHES "_DIR$")
      set(_value "${${v}}")
      string(FIND "${_value}" "${MQTT5_CRT_CACHE}/build/" _in_cache)
      string(FIND "${_value}" "${prefix}/" _in_prefix)
      if(_in_cache EQUAL 0 AND NOT _in_prefix EQUAL 0)
        unset(${v} CACHE)
      endif()
    endif()
  endforeach()
endfunction()
