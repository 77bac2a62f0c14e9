# The install test: installs a build into a fresh prefix, compiles a user's
# program (user.c, beside this file) against the installed headers and
# library only, and runs it.
#
#   cmake -DCONFIG=build/<preset>/tests/install-test-config.cmake -P tests/install/install-test.cmake
#
# tests/CMakeLists.txt writes CONFIG and registers this as the ctest test
# `install.user-program` (native presets, and the WASI preset, where the
# program is built with the same clang --target=wasm32-wasi and runs under
# Wasmtime). CONFIG sets FX_BUILD_DIR, FX_PREFIX, FX_CC, FX_CFLAGS (a list)
# and FX_RUNNER (a command list that runs a program; empty natively).
if(NOT CONFIG)
  message(FATAL_ERROR "usage: cmake -DCONFIG=FILE -P install-test.cmake")
endif()
include("${CONFIG}")

# run(WHAT COMMAND...): runs COMMAND; stops the test if it fails. The
# output goes to RUN_OUTPUT in the caller.
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "${what} failed (${rc}):\n  ${cmd}\n${out}${err}")
  endif()
  set(RUN_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${FX_PREFIX}")
run("cmake --install" "${CMAKE_COMMAND}" --install "${FX_BUILD_DIR}" --prefix "${FX_PREFIX}")
foreach(f include/fauxtp/fauxtp.h lib/libfauxtp.a)
  if(NOT EXISTS "${FX_PREFIX}/${f}")
    message(FATAL_ERROR "cmake --install did not install ${f} under ${FX_PREFIX}")
  endif()
endforeach()
message(STATUS "installed into ${FX_PREFIX}")

get_filename_component(here "${CMAKE_CURRENT_LIST_FILE}" DIRECTORY)
set(program "${FX_PREFIX}/user${FX_PROGRAM_SUFFIX}")
# Only the prefix: no include path or library from the source or build tree.
run("compiling user.c" "${FX_CC}" ${FX_CFLAGS} -std=c11 -pedantic -Wall -Wextra -Werror
    -I "${FX_PREFIX}/include" "${here}/user.c" "${FX_PREFIX}/lib/libfauxtp.a" -o "${program}")
message(STATUS "compiled ${program}")

run("running the user's program" ${FX_RUNNER} "${program}")
message(STATUS "it printed: ${RUN_OUTPUT}")
if(NOT RUN_OUTPUT MATCHES "installed fauxtp works: {ok,6}")
  message(FATAL_ERROR "unexpected output from ${program}")
endif()
