# The optional CUDA backend. With ANVIL_CUDA on and nvcc found, native/cuda/*.cu join libanvil and
# ANVIL_WITH_CUDA is defined; otherwise the library is the CPU backend alone and reports, at run
# time, that it has no CUDA backend.
#
# The CUDA runtime is linked statically so that libanvil loads on machines without a GPU driver:
# the first CUDA call then fails with cudaErrorInsufficientDriver, which Anvil reports as
# "CUDA not available" instead of failing to load.
option(ANVIL_CUDA "Build the CUDA backend when nvcc is found" ON)

set(ANVIL_WITH_CUDA OFF)
if(ANVIL_CUDA)
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # Ampere and Hopper machine code, plus Hopper PTX that newer GPUs compile at load time.
      set(CMAKE_CUDA_ARCHITECTURES "80-real;90-real;90-virtual")
    endif()
    set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(CMAKE_CUDA_VISIBILITY_PRESET hidden)
    find_package(CUDAToolkit REQUIRED)
    set(ANVIL_WITH_CUDA ON)
    message(STATUS "CUDA backend: on (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES})")
  else()
    message(STATUS "CUDA backend: off (nvcc not found); building the CPU backend only")
  endif()
else()
  message(STATUS "CUDA backend: off (ANVIL_CUDA=OFF); building the CPU backend only")
endif()

# Links what the CUDA objects of anvil_objects need (the static runtime) into `target`.
function(anvil_link_cuda_runtime target)
  if(ANVIL_WITH_CUDA)
    target_link_libraries(${target} PRIVATE CUDA::cudart_static)
  endif()
endfunction()
