# Platform file for CMAKE_SYSTEM_NAME WASI (CMake 3.25 has none of its own;
# cmake/wasi.cmake puts this folder on CMAKE_MODULE_PATH).
set(WASI 1)
set(CMAKE_EXECUTABLE_SUFFIX ".wasm")
# No shared libraries, rpaths or sonames in wasm32-wasi (preview1).
set_property(GLOBAL PROPERTY TARGET_SUPPORTS_SHARED_LIBS FALSE)
