# The include boundaries of native/, checked by the ctest "include_boundaries" (cmake -P this file,
# with -DANVIL_NATIVE_DIR=<native>): the CPU and CUDA kernels never include each other, and the
# runtime (native/core) includes no CUDA header, so that the CPU build and the CUDA backend stay
# apart. A violation names the file, the include and the rule.
set(violations 0)

# Fails for every #include in native/<dir>/* that contains one of the strings after `why`.
function(forbid dir why)
  file(GLOB sources "${ANVIL_NATIVE_DIR}/${dir}/*")
  foreach(source IN LISTS sources)
    file(STRINGS "${source}" includes REGEX "^[ \t]*#[ \t]*include")
    foreach(line IN LISTS includes)
      foreach(forbidden IN LISTS ARGN)
        string(FIND "${line}" "${forbidden}" at)
        if(NOT at EQUAL -1)
          file(RELATIVE_PATH name "${ANVIL_NATIVE_DIR}/.." "${source}")
          message(SEND_ERROR "${name}: '${line}': ${why}")
          math(EXPR violations "${violations} + 1")
          set(violations ${violations} PARENT_SCOPE)
        endif()
      endforeach()
    endforeach()
  endforeach()
endfunction()

forbid(cpu "the CPU kernels include nothing of the CUDA backend" "\"cuda/" "<cuda")
forbid(cuda "the CUDA kernels include nothing of the CPU kernels" "\"cpu/")
forbid(core "the runtime includes no CUDA header and no kernel" "\"cuda/" "<cuda" "\"cpu/")

if(violations GREATER 0)
  message(FATAL_ERROR "${violations} include(s) cross the boundaries of native/")
endif()
message(STATUS "native/ include boundaries hold")
