# anvil_plugin(<name> <source>): builds the plug-in library anvil_<name> from one C file, as every
# example here is built (included by each example's CMakeLists.txt, which also builds on its own).
# Only anvil_plugin.h is needed: a plug-in does not link against libanvil.
set(ANVIL_INCLUDE_DIR "${CMAKE_CURRENT_LIST_DIR}/../bindings/include" CACHE PATH "Folder of anvil_plugin.h")
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release)
endif()

function(anvil_plugin name source)
  # MODULE: a library made to be dlopen'ed, not linked against.
  add_library(anvil_${name} MODULE ${source})
  target_include_directories(anvil_${name} PRIVATE ${ANVIL_INCLUDE_DIR})
  set_target_properties(anvil_${name} PROPERTIES
    C_STANDARD 99
    C_STANDARD_REQUIRED ON
    # Export nothing but the entry point (anvil_plugin.h marks it visible).
    C_VISIBILITY_PRESET hidden)
  if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    # -fno-trapping-math: without it the compiler keeps a multiply such as `slope * x` behind a
    # branch (it might raise a floating-point exception nobody looks at) and does not vectorise.
    target_compile_options(anvil_${name} PRIVATE -Wall -Wextra -Wno-unused-parameter -fno-trapping-math)
    # Fail at build time, not at load time, on an undefined symbol.
    target_link_options(anvil_${name} PRIVATE -Wl,--no-undefined)
  endif()
  if(ANVIL_EXAMPLES_DIR)
    set_target_properties(anvil_${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ANVIL_EXAMPLES_DIR})
  endif()
endfunction()
