# The sanitizer build (.ci/sanitize): -DANVIL_SANITIZE=address,undefined compiles libanvil, the
# example plug-in and the native tests with those sanitizers. Undefined behaviour aborts the program
# (-fno-sanitize-recover) instead of printing a report and going on, so a ctest run fails on the
# first report; AddressSanitizer's leak check fails a test that leaks.
#
# CPU only: the CUDA backend is left out (nvcc's objects and the CUDA runtime do not take the
# sanitizers' instrumentation), and the C++ runtime is linked dynamically, as the sanitizer
# runtimes expect.
set(ANVIL_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined (empty: none)")

if(ANVIL_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "ANVIL_SANITIZE needs GCC or Clang, not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  if(NOT ANVIL_SANITIZE MATCHES "^[a-z,]+$")
    message(FATAL_ERROR "ANVIL_SANITIZE must be a comma-separated list such as address,undefined, got '${ANVIL_SANITIZE}'")
  endif()
  # Read by option(ANVIL_CUDA) in AnvilCuda.cmake (policy CMP0077): no CUDA backend in this build.
  set(ANVIL_CUDA OFF)
  set(anvil_sanitize_flags -fsanitize=${ANVIL_SANITIZE} -fno-omit-frame-pointer -g)
  if(ANVIL_SANITIZE MATCHES "undefined")
    list(APPEND anvil_sanitize_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${anvil_sanitize_flags})
  add_link_options(-fsanitize=${ANVIL_SANITIZE})
  message(STATUS "Sanitizers: ${ANVIL_SANITIZE} (CPU backend only)")
endif()
