# Compiler and linker flags shared by every native target.
#
# The library is built for baseline x86-64 so that the jar runs on any 64-bit CPU; the hot
# kernels select AVX2/AVX-512 code at run time (function target attributes plus CPUID).
# libstdc++ and libgcc are linked statically so that the jar needs nothing installed beyond glibc.

set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_C_STANDARD 99)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(CMAKE_CXX_VISIBILITY_PRESET hidden)
set(CMAKE_C_VISIBILITY_PRESET hidden)
set(CMAKE_VISIBILITY_INLINES_HIDDEN ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

function(anvil_target_defaults target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    # C++ only: CUDA sources of the same target get nvcc's own flags (cmake/AnvilCuda.cmake).
    target_compile_options(${target} PRIVATE
      $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>
      $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CONFIG:Release>>:-O3>
      # Loops over float data may be reassociated only where a kernel says so (see gemm.cpp);
      # keep IEEE semantics elsewhere so that results do not depend on the compiler.
      $<$<COMPILE_LANGUAGE:CXX>:-fno-math-errno>)
  endif()
endfunction()

function(anvil_link_runtime_statically target)
  # Not in the sanitizer build (cmake/AnvilSanitize.cmake): its runtimes expect the shared libstdc++.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND NOT ANVIL_SANITIZE)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc -Wl,--no-undefined)
  endif()
endfunction()
